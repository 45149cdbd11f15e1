// Catalog objects: the whole catalog as one JSON document, committed as `catalog/<seq>.json`, with a
// checksum line (checked-json.ts) since version 2. Objects written since lineages were added also
// name their own commit id and those of the objects they were built on.
import { DecodeError, NewerFormatError } from "../base/errors.ts";
import type { CatalogSnapshot } from "./catalog-state.ts";
import { decodeCheckedJson, encodeCheckedJson } from "../format/checked-json.ts";

const FORMAT = "ossv-catalog";
const VERSION = 2;
/** The last version written without a checksum line. */
const UNCHECKED_VERSION = 1;

/**
 * Which commit an object is and what it was built on, so that a node on a shared store can tell its
 * own object N in the chain from another node's N (docs/scale-out.md#the-catalog). Optional
 * members: objects written before they existed have neither, and read as a lineage that names
 * nothing.
 */
export interface CatalogLineage {
  /** Random and unique to this object. */
  commit?: string;
  /** The commit ids of the objects at seq-1, seq-2, … that this one was built on, as far as known. */
  ancestors?: string[];
}

export interface CatalogDocument extends CatalogSnapshot, CatalogLineage {
  seq: number;
}

export function encodeCatalog(document: CatalogDocument): Uint8Array {
  const { seq, commit, ancestors, accounts, accessKeys, buckets, indexes, users } = document;
  return encodeCheckedJson({ format: FORMAT, version: VERSION, seq, commit, ancestors, accounts, accessKeys, buckets, indexes, users });
}

function isLineage(commit: unknown, ancestors: unknown): boolean {
  return (
    (commit === undefined || typeof commit === "string") &&
    (ancestors === undefined || (Array.isArray(ancestors) && ancestors.every((id) => typeof id === "string")))
  );
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
  const { commit, ancestors, accounts, accessKeys, buckets, indexes, users } = doc;
  if (
    !isLineage(commit, ancestors) ||
    !isRecordArray(accounts, ["accountId", "createdAt"]) ||
    !isRecordArray(accessKeys, ["accessKeyId", "accessKeySecret", "accountId", "status"]) ||
    !isRecordArray(buckets, ["accountId", "name", "region"]) ||
    !isRecordArray(indexes, ["accountId", "bucket", "name", "id", "distanceMetric"]) ||
    !isRecordArray(users, ["accountId", "userName", "userId"])
  ) {
    throw new DecodeError("catalog object has malformed records");
  }
  return { seq: expectedSeq, ...(doc as unknown as CatalogSnapshot & CatalogLineage) };
}
