// Segment object layout (docs/storage-format.md): one immutable segment, written once, never changed.
// Deletions live elsewhere (deletion-format.ts), so the big object is never rewritten for a delete.
//
//   header  "OVSG" | u32 version | u32 dimension | u32 rows | u64 graphLength | u64 bodyLength
//           | u32 crc32(body) | u32 crc32(previous 36 bytes)                         (40 bytes)
//   body    vectors: rows × dimension float32 (one block), then rows × (key, metadata JSON) as
//           u32 length + UTF-8, then graphLength bytes of the serialised HNSW graph.
import { ByteReader, ByteWriter, checksum } from "./binary.ts";
import { DecodeError } from "./errors.ts";
import type { Metadata } from "./types.ts";

const MAGIC = 0x4753564f; // "OVSG" as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 40;

export interface SegmentContents {
  dimension: number;
  keys: readonly string[];
  metadata: readonly Metadata[];
  data: Float32Array;
  graph: Uint8Array;
}

export function encodeSegment(segment: SegmentContents): Uint8Array {
  const { dimension, keys, metadata, data, graph } = segment;
  const rows = keys.length;
  const writer = new ByteWriter(HEADER_BYTES + rows * (dimension * 4 + 64) + graph.length);
  writer.u32(MAGIC);
  writer.u32(VERSION);
  writer.u32(dimension);
  writer.u32(rows);
  writer.u64(graph.length);
  writer.u64(0); // body length, patched below
  writer.u32(0); // body checksum, patched below
  writer.u32(0); // header checksum, patched below
  writer.floats(data.subarray(0, rows * dimension));
  for (let row = 0; row < rows; row++) {
    writer.string(keys[row] as string);
    writer.string(JSON.stringify(metadata[row]));
  }
  writer.bytes(graph);
  const bytes = writer.finish();
  writer.patchU64(24, bytes.length - HEADER_BYTES);
  writer.patchU32(32, checksum(bytes.subarray(HEADER_BYTES)));
  writer.patchU32(36, checksum(bytes.subarray(0, 36)));
  return bytes;
}

/** Throws DecodeError unless the object is complete and intact and has the expected dimension. */
export function decodeSegment(bytes: Uint8Array, expectedDimension: number): SegmentContents {
  if (bytes.length < HEADER_BYTES) throw new DecodeError("segment shorter than its header");
  const reader = new ByteReader(bytes);
  const [magic, version, dimension, rows] = [reader.u32(), reader.u32(), reader.u32(), reader.u32()];
  const graphLength = reader.u64();
  const bodyLength = reader.u64();
  const bodyCrc = reader.u32();
  const headerCrc = reader.u32();
  if (checksum(bytes.subarray(0, 36)) !== headerCrc) throw new DecodeError("segment header checksum mismatch");
  if (magic !== MAGIC || version !== VERSION) throw new DecodeError("not a version 1 segment");
  if (bytes.length !== HEADER_BYTES + bodyLength) throw new DecodeError("segment length does not match its header");
  if (checksum(bytes.subarray(HEADER_BYTES)) !== bodyCrc) throw new DecodeError("segment body checksum mismatch");
  if (dimension !== expectedDimension) throw new DecodeError(`segment has dimension ${dimension}, index ${expectedDimension}`);
  const data = reader.floats(rows * dimension);
  const keys: string[] = [];
  const metadata: Metadata[] = [];
  for (let row = 0; row < rows; row++) {
    keys.push(reader.string());
    metadata.push(JSON.parse(reader.string()) as Metadata);
  }
  const graph = reader.bytesView(graphLength);
  if (reader.remaining !== 0) throw new DecodeError("segment has trailing bytes");
  return { dimension, keys, metadata, data, graph };
}
