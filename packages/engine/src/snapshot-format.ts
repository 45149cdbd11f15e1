// Snapshot byte layout (docs/storage-format.md): the memtable of one collection at one point of its
// WAL, rows in slot order (any order decodes to the same memtable).
//
//   header  "OVSN" | u32 version | u32 dimension | u32 count | u64 walFrom | u64 bodyLength
//           | u32 crc32(body) | u32 crc32(previous 36 bytes)                         (40 bytes)
//   body    vectors: count × dimension float32, row after row (one contiguous block, so loading is one
//           copy into the arena), then rows: count × (key, metadata JSON) as u32 length + UTF-8.
import { ByteReader, ByteWriter, checksum } from "./binary.ts";
import { DecodeError } from "./errors.ts";
import { runAtOnce, runInSteps } from "./event-loop-steps.ts";
import { Memtable } from "./memtable.ts";
import type { Metadata } from "./types.ts";

const MAGIC = 0x4e53564f; // "OVSN" as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 40;

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

/** Cheap and synchronous: typed-array and array copies; metadata objects are never mutated in place. */
export function captureMemtable(memtable: Memtable): MemtableCapture {
  const slots = memtable.arena.highWater;
  return {
    dimension: memtable.dimension,
    data: memtable.arena.data.slice(0, slots * memtable.dimension),
    keys: memtable.slotKeys.slice(0, slots),
    metadata: memtable.slotMetadata.slice(0, slots),
  };
}

function* encodeSteps(capture: MemtableCapture, walFrom: number): Generator<void, Uint8Array> {
  const { dimension } = capture;
  const slots: number[] = [];
  for (let slot = 0; slot < capture.keys.length; slot++) if (capture.keys[slot] !== undefined) slots.push(slot);
  const writer = new ByteWriter(HEADER_BYTES + slots.length * (dimension * 4 + 64));
  for (const value of [MAGIC, VERSION, dimension, slots.length]) writer.u32(value);
  writer.u64(walFrom);
  writer.u64(0); // body length, patched below
  writer.u32(0); // body checksum, patched below
  writer.u32(0); // header checksum, patched below
  for (const [i, slot] of slots.entries()) {
    writer.floats(capture.data.subarray(slot * dimension, (slot + 1) * dimension));
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  for (const [i, slot] of slots.entries()) {
    writer.string(capture.keys[slot] as string);
    writer.string(JSON.stringify(capture.metadata[slot]));
    if (i % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
  }
  const bytes = writer.finish();
  writer.patchU64(24, bytes.length - HEADER_BYTES);
  writer.patchU32(32, checksum(bytes.subarray(HEADER_BYTES)));
  writer.patchU32(36, checksum(bytes.subarray(0, 36)));
  return bytes;
}

/** Encodes a captured memtable, yielding to the event loop between steps. */
export function encodeSnapshotInSteps(capture: MemtableCapture, walFrom: number): Promise<Uint8Array> {
  return runInSteps(encodeSteps(capture, walFrom));
}

export function encodeSnapshot(memtable: Memtable, walFrom: number): Uint8Array {
  return runAtOnce(encodeSteps(captureMemtable(memtable), walFrom));
}

export interface DecodedSnapshot {
  memtable: Memtable;
  walFrom: number;
}

interface SnapshotHeader {
  dimension: number;
  count: number;
  walFrom: number;
}

function decodeHeader(bytes: Uint8Array, reader: ByteReader): SnapshotHeader {
  if (bytes.length < HEADER_BYTES) throw new DecodeError("snapshot shorter than its header");
  const magic = reader.u32();
  const version = reader.u32();
  const dimension = reader.u32();
  const count = reader.u32();
  const walFrom = reader.u64();
  const bodyLength = reader.u64();
  const bodyCrc = reader.u32();
  const headerCrc = reader.u32();
  if (checksum(bytes.subarray(0, 36)) !== headerCrc) throw new DecodeError("snapshot header checksum mismatch");
  if (magic !== MAGIC || version !== VERSION) throw new DecodeError("not a version 1 snapshot");
  if (bytes.length !== HEADER_BYTES + bodyLength) throw new DecodeError("snapshot length does not match its header");
  if (checksum(bytes.subarray(HEADER_BYTES)) !== bodyCrc) throw new DecodeError("snapshot body checksum mismatch");
  return { dimension, count, walFrom };
}

/** Rebuilds the memtable; throws DecodeError unless the snapshot is complete and intact. */
export function decodeSnapshot(bytes: Uint8Array, expectedDimension: number): DecodedSnapshot {
  const reader = new ByteReader(bytes);
  const { dimension, count, walFrom } = decodeHeader(bytes, reader);
  if (dimension !== expectedDimension) throw new DecodeError(`snapshot has dimension ${dimension}, index ${expectedDimension}`);
  const vectors = new ByteReader(bytes, reader.offset, reader.offset + count * dimension * 4);
  const rows = new ByteReader(bytes, reader.offset + count * dimension * 4);
  const memtable = new Memtable(dimension);
  memtable.arena.reserve(count);
  const scratch = new Float32Array(dimension);
  for (let i = 0; i < count; i++) {
    vectors.floatsInto(dimension, scratch);
    const key = rows.string();
    const metadata = JSON.parse(rows.string()) as Metadata;
    memtable.upsert({ key, metadata, data: scratch });
  }
  if (rows.remaining !== 0) throw new DecodeError("snapshot has trailing bytes");
  return { memtable, walFrom };
}
