// Catalog objects: the whole catalog as one JSON document, committed as `catalog/<seq>.json`.
import { DecodeError } from "./errors.ts";
import type { CatalogSnapshot } from "./catalog-state.ts";

const FORMAT = "ossv-catalog";
const VERSION = 1;

export interface CatalogDocument extends CatalogSnapshot {
  seq: number;
}

export function encodeCatalog(document: CatalogDocument): Uint8Array {
  const { seq, accounts, accessKeys, buckets, indexes, users } = document;
  const json = JSON.stringify({ format: FORMAT, version: VERSION, seq, accounts, accessKeys, buckets, indexes, users });
  return new TextEncoder().encode(`${json}\n`);
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

/** Parses and checks a catalog object; throws DecodeError when it is torn or not ours. */
export function decodeCatalog(bytes: Uint8Array, expectedSeq: number): CatalogDocument {
  // The closing newline marks a complete object: a cut that removed only it is still a cut.
  if (bytes[bytes.length - 1] !== 0x0a) throw new DecodeError("catalog object does not end in a newline");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new DecodeError("catalog object is not complete JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw new DecodeError("catalog object is not an object");
  const doc = parsed as Record<string, unknown>;
  if (doc.format !== FORMAT || doc.version !== VERSION || doc.seq !== expectedSeq) {
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
