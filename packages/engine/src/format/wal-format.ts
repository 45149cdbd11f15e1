// WAL byte layout (docs/storage-format.md). One WAL object holds the records of one group commit:
//
//   header  "OVWL" | u32 version | u32 recordCount | u32 bodyLength | u32 crc32(previous 16 bytes)
//   body    recordCount × ( u32 payloadLength | u32 crc32(payload) | payload )
//
// A put payload is u8 1 | u32 dimension | u32 count | count × (key, metadata JSON, float32 × dimension);
// a delete payload is u8 2 | u32 count | count × key; a marker payload (shared stores only: fences and
// checkpoint commits, docs/scale-out.md) is u8 3 | JSON object. Strings are u32 length + UTF-8. All integers and
// floats little-endian. An object decodes only when every length, count and checksum agrees, so a
// torn object is always detected and rejected whole.
import { ByteReader, ByteWriter, checksum } from "./binary.ts";
import { FramedObject } from "./framed-object.ts";
import { DecodeError } from "../base/errors.ts";
import type { Metadata, VectorRecord } from "../base/types.ts";

// No body checksum in the header: each record carries its own, so a record can be checked (and
// decodeWalRecord can decode one) without the object around it.
const WAL_OBJECT = new FramedObject({
  what: "WAL object",
  magic: "OVWL",
  version: 1,
  fields: [["recordCount", "u32"]],
  bodyLength: "u32",
  bodyChecksum: false,
});
const PUT = 1;
const DELETE = 2;
const MARKER = 3;

/**
 * A record that changes no vector but takes its place in the WAL's numbered order: the fence a new
 * writer of a shared store starts with, and the commit record of a shared store's checkpoint.
 */
export type WalMarker =
  | { fence: { epoch: number; node: string } }
  | { checkpoint: { manifest: number; walFrom: number } };

export type WalRecord =
  | { type: "put"; vectors: VectorRecord[] }
  | { type: "delete"; keys: string[] }
  | { type: "marker"; marker: WalMarker };

function encodePayload(record: WalRecord, dimension: number): Uint8Array {
  if (record.type === "marker") {
    const writer = new ByteWriter(64);
    writer.u8(MARKER);
    writer.string(JSON.stringify(record.marker));
    return writer.finish();
  }
  if (record.type === "delete") {
    const writer = new ByteWriter(16 + record.keys.length * 32);
    writer.u8(DELETE);
    writer.u32(record.keys.length);
    for (const key of record.keys) writer.string(key);
    return writer.finish();
  }
  const writer = new ByteWriter(16 + record.vectors.length * (dimension * 4 + 64));
  writer.u8(PUT);
  writer.u32(dimension);
  writer.u32(record.vectors.length);
  for (const vector of record.vectors) {
    if (vector.data.length !== dimension) {
      throw new RangeError(`vector ${vector.key} has ${vector.data.length} dimensions, the index ${dimension}`);
    }
    writer.string(vector.key);
    writer.string(JSON.stringify(vector.metadata ?? {}));
    writer.floats(vector.data);
  }
  return writer.finish();
}

/** One framed record: u32 length | u32 crc32 | payload. */
export function encodeWalRecord(record: WalRecord, dimension: number): Uint8Array {
  const payload = encodePayload(record, dimension);
  const writer = new ByteWriter(payload.length + 8);
  writer.u32(payload.length);
  writer.u32(checksum(payload));
  writer.bytes(payload);
  return writer.finish().slice();
}

/** Concatenates framed records into one WAL object. */
export function encodeWalObject(records: Uint8Array[]): Uint8Array {
  const bodyLength = records.reduce((sum, record) => sum + record.length, 0);
  const writer = new ByteWriter(WAL_OBJECT.headerBytes + bodyLength);
  WAL_OBJECT.begin(writer, { recordCount: records.length });
  for (const record of records) writer.bytes(record);
  return WAL_OBJECT.seal(writer);
}

function decodeMetadata(json: string): Metadata {
  try {
    const value: unknown = JSON.parse(json);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Metadata;
  } catch {
    // reported below
  }
  throw new DecodeError("metadata is not a JSON object");
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

function decodeMarker(json: string): WalMarker {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new DecodeError("marker is not JSON");
  }
  const { fence, checkpoint } = (value ?? {}) as { fence?: { epoch?: unknown; node?: unknown }; checkpoint?: { manifest?: unknown; walFrom?: unknown } };
  if (fence && isCount(fence.epoch) && typeof fence.node === "string") return { fence: { epoch: fence.epoch, node: fence.node } };
  if (checkpoint && isCount(checkpoint.manifest) && isCount(checkpoint.walFrom)) {
    return { checkpoint: { manifest: checkpoint.manifest, walFrom: checkpoint.walFrom } };
  }
  throw new DecodeError("marker is neither a fence nor a checkpoint commit");
}

function decodePayload(reader: ByteReader): WalRecord {
  const type = reader.u8();
  if (type === MARKER) return { type: "marker", marker: decodeMarker(reader.string()) };
  if (type === DELETE) {
    const count = reader.u32();
    const keys: string[] = [];
    for (let i = 0; i < count; i++) keys.push(reader.string());
    return { type: "delete", keys };
  }
  if (type !== PUT) throw new DecodeError(`unknown record type ${type}`);
  const dimension = reader.u32();
  const count = reader.u32();
  const vectors: VectorRecord[] = [];
  for (let i = 0; i < count; i++) {
    const key = reader.string();
    const metadata = decodeMetadata(reader.string());
    vectors.push({ key, metadata, data: reader.floats(dimension) });
  }
  return { type: "put", vectors };
}

function decodeFramedRecord(reader: ByteReader): WalRecord {
  const length = reader.u32();
  const expectedCrc = reader.u32();
  const payload = reader.bytesView(length);
  if (checksum(payload) !== expectedCrc) throw new DecodeError("record checksum mismatch");
  const payloadReader = new ByteReader(payload);
  const record = decodePayload(payloadReader);
  if (payloadReader.remaining !== 0) throw new DecodeError("record has trailing bytes");
  return record;
}

/** Decodes one framed record as produced by encodeWalRecord. */
export function decodeWalRecord(bytes: Uint8Array): WalRecord {
  const reader = new ByteReader(bytes);
  const record = decodeFramedRecord(reader);
  if (reader.remaining !== 0) throw new DecodeError("record has trailing bytes");
  return record;
}

/** Decodes a whole WAL object; throws DecodeError unless it is complete and intact. */
export function decodeWalObject(bytes: Uint8Array): WalRecord[] {
  const { fields, body } = WAL_OBJECT.open(bytes);
  const records: WalRecord[] = [];
  for (let i = 0; i < fields.recordCount; i++) records.push(decodeFramedRecord(body));
  if (body.remaining !== 0) throw new DecodeError("WAL object has trailing bytes");
  return records;
}
