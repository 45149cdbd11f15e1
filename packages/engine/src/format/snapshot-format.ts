// Snapshot byte layout (docs/storage-format.md): the memtable of one collection at one point of its
// WAL, rows in slot order (any order decodes to the same memtable).
//
//   header  "OVSN" | u32 version | u32 dimension | u32 count | u64 walFrom | u64 bodyLength
//           | u32 crc32(body) | u32 crc32(previous 36 bytes)                         (40 bytes)
//   body    vectors: count × dimension float32, row after row (one contiguous block, so loading is one
//           copy into the arena), then rows: count × (key, metadata JSON) as u32 length + UTF-8.
import { ByteReader, ByteWriter } from "./binary.ts";
import { FramedObject } from "./framed-object.ts";
import { DecodeError } from "../base/errors.ts";
import { runAtOnce, runInSteps } from "../base/event-loop-steps.ts";
import type { Metadata, VectorRecord } from "../base/types.ts";

const SNAPSHOT = new FramedObject({
  what: "snapshot",
  magic: "OVSN",
  version: 1,
  fields: [["dimension", "u32"], ["count", "u32"], ["walFrom", "u64"]],
  bodyLength: "u64",
  bodyChecksum: true,
});

/** Rows encoded per step (see event-loop-steps.ts). */
const ROWS_PER_STEP = 2048;

/** The memtable's rows at one instant, copied so later writes cannot change what gets encoded. */
export interface MemtableCapture {
  dimension: number;
  data: Float32Array;
  /** Per slot the key, undefined for a free slot. */
  keys: (string | undefined)[];
  metadata: (Metadata | undefined)[];
}

/** Where a snapshot's rows are decoded into (the memtable, which sits above this room). */
export interface SnapshotTarget {
  readonly dimension: number;
  reserve(rows: number): void;
  upsert(vector: VectorRecord): void;
}

function* encodeSteps(capture: MemtableCapture, walFrom: number): Generator<void, Uint8Array> {
  const { dimension } = capture;
  const slots: number[] = [];
  for (let slot = 0; slot < capture.keys.length; slot++) if (capture.keys[slot] !== undefined) slots.push(slot);
  const writer = new ByteWriter(SNAPSHOT.headerBytes + slots.length * (dimension * 4 + 64));
  SNAPSHOT.begin(writer, { dimension, count: slots.length, walFrom });
  for (const [i, slot] of slots.entries()) {
    writer.floats(capture.data.subarray(slot * dimension, (slot + 1) * dimension));
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  for (const [i, slot] of slots.entries()) {
    writer.string(capture.keys[slot] as string);
    writer.string(JSON.stringify(capture.metadata[slot]));
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  return SNAPSHOT.seal(writer);
}

/** Encodes a captured memtable, yielding to the event loop between steps. */
export function encodeSnapshotInSteps(capture: MemtableCapture, walFrom: number): Promise<Uint8Array> {
  return runInSteps(encodeSteps(capture, walFrom));
}

export function encodeSnapshot(capture: MemtableCapture, walFrom: number): Uint8Array {
  return runAtOnce(encodeSteps(capture, walFrom));
}

/**
 * Decodes the rows into `target` (an empty memtable of the index's dimension) and returns the WAL
 * sequence the snapshot covers up to; throws DecodeError unless the snapshot is complete and intact,
 * in which case `target` holds part of it and must be thrown away.
 */
export function decodeSnapshotInto(bytes: Uint8Array, target: SnapshotTarget): number {
  const { fields, body } = SNAPSHOT.open(bytes);
  const { dimension, count, walFrom } = fields;
  if (dimension !== target.dimension) throw new DecodeError(`snapshot has dimension ${dimension}, index ${target.dimension}`);
  const vectors = new ByteReader(bytes, body.offset, body.offset + count * dimension * 4);
  const rows = new ByteReader(bytes, body.offset + count * dimension * 4);
  target.reserve(count);
  const scratch = new Float32Array(dimension);
  for (let i = 0; i < count; i++) {
    vectors.floatsInto(dimension, scratch);
    const key = rows.string();
    const metadata = JSON.parse(rows.string()) as Metadata;
    target.upsert({ key, metadata, data: scratch });
  }
  if (rows.remaining !== 0) throw new DecodeError("snapshot has trailing bytes");
  return walFrom;
}
