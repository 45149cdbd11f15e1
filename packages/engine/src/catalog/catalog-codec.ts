// Catalog objects: the whole catalog as one JSON document, committed as `catalog/<seq>.json`, with a
// checksum line (checked-json.ts) since version 2.
import { DecodeError, NewerFormatError } from "../base/errors.ts";
import type { CatalogSnapshot } from "./catalog-state.ts";
import { decodeCheckedJson, encodeCheckedJson } from "../format/checked-json.ts";

const FORMAT = "ossv-catalog";
const VERSION = 2;
/** The last version written without a checksum line. */
const UNCHECKED_VERSION = 1;

export interface CatalogDocument extends CatalogSnapshot {
  seq: number;
}

export function encodeCatalog(document: CatalogDocument): Uint8Array {
  const { seq, accounts, accessKeys, buckets, indexes, users } = document;
  return encodeCheckedJson({ format: FORMAT, version: VERSION, seq, accounts, accessKeys, buckets, indexes, users });
}

function isRecordArray(value: unknown, requiredStrings: string[]): value is Record<string, unknown>[] {
  return (
    Array.isArray(value) &&
    value.every(
      (item: unknown) =>
        typeof item === "object" &&
        item !== null &&
        requiredStrings.every((field) => typeof (item as Record<string, unknown>)[field] === "string"),
    )
  );
}

/**
 * Parses and checks a catalog object; throws DecodeError when it is torn or not ours, NewerFormatError
 * when a newer ossv wrote it.
 */
export function decodeCatalog(bytes: Uint8Array, expectedSeq: number): CatalogDocument {
  const { value: doc, checked } = decodeCheckedJson(bytes, "catalog object");
  // Only a checksummed object can be told apart from damage: without the checksum line, a higher
  // version may be a flipped bit.
  if (checked && doc.format === FORMAT && typeof doc.version === "number" && Number.isSafeInteger(doc.version) && doc.version > VERSION) {
    throw new NewerFormatError("catalog object", doc.version, VERSION);
  }
  const version = checked ? VERSION : UNCHECKED_VERSION;
  if (doc.format !== FORMAT || doc.version !== version || doc.seq !== expectedSeq) {
    throw new DecodeError("catalog object has the wrong format, version or sequence number");
  }
  // Catalogs written before users existed have none.
  doc.users ??= [];
  const { accounts, accessKeys, buckets, indexes, users } = doc;
  if (
    !isRecordArray(accounts, ["accountId", "createdAt"]) ||
    !isRecordArray(accessKeys, ["accessKeyId", "accessKeySecret", "accountId", "status"]) ||
    !isRecordArray(buckets, ["accountId", "name", "region"]) ||
    !isRecordArray(indexes, ["accountId", "bucket", "name", "id", "distanceMetric"]) ||
    !isRecordArray(users, ["accountId", "userName", "userId"])
  ) {
    throw new DecodeError("catalog object has malformed records");
  }
  return { seq: expectedSeq, ...(doc as unknown as CatalogSnapshot) };
}
