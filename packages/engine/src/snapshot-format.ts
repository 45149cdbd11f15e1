// Snapshot byte layout (docs/storage-format.md): the whole state of one collection at one point of its
// WAL, rows in key order.
//
//   header  "OVSN" | u32 version | u32 dimension | u32 count | u64 walFrom | u64 bodyLength
//           | u32 crc32(body) | u32 crc32(previous 36 bytes)                         (40 bytes)
//   body    vectors: count × dimension float32, row after row (one contiguous block, so loading is one
//           copy into the arena), then rows: count × (key, metadata JSON) as u32 length + UTF-8.
import { ByteReader, ByteWriter, checksum } from "./binary.ts";
import { DecodeError } from "./errors.ts";
import { Memtable } from "./memtable.ts";
import type { Metadata } from "./types.ts";

const MAGIC = 0x4e53564f; // "OVSN" as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 40;

export function encodeSnapshot(memtable: Memtable, walFrom: number): Uint8Array {
  const { dimension, count } = memtable;
  const writer = new ByteWriter(HEADER_BYTES + count * (dimension * 4 + 64));
  writer.u32(MAGIC);
  writer.u32(VERSION);
  writer.u32(dimension);
  writer.u32(count);
  writer.u64(walFrom);
  writer.u64(0); // body length, patched below
  writer.u32(0); // body checksum, patched below
  writer.u32(0); // header checksum, patched below
  const slots: number[] = [];
  for (const key of memtable.keysAfter()) slots.push(memtable.slotOf(key) as number);
  for (const slot of slots) writer.floats(memtable.arena.data.subarray(slot * dimension, (slot + 1) * dimension));
  for (const slot of slots) {
    writer.string(memtable.slotKeys[slot] as string);
    writer.string(JSON.stringify(memtable.slotMetadata[slot]));
  }
  const bytes = writer.finish();
  const bodyLength = bytes.length - HEADER_BYTES;
  writer.patchU64(24, bodyLength);
  writer.patchU32(32, checksum(bytes.subarray(HEADER_BYTES)));
  writer.patchU32(36, checksum(bytes.subarray(0, 36)));
  return bytes;
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
