// Deletion object layout (docs/storage-format.md): the deletion bitmaps of every segment in force at
// one checkpoint. Written as a new numbered object with each manifest, so segments stay immutable and
// a delete costs one bit on disk, not a rewritten segment.
//
//   header  "OVDL" | u32 version | u32 segmentCount | u64 bodyLength | u32 crc32(body)
//           | u32 crc32(previous 24 bytes)                                           (28 bytes)
//   body    segmentCount × ( u64 segmentId | u32 rows | ceil(rows / 8) bytes, bit r = row r deleted )
import { ByteReader, ByteWriter, checksum } from "./binary.ts";
import { DecodeError } from "../base/errors.ts";

const MAGIC = 0x4c44564f; // "OVDL" as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 28;

export interface SegmentDeletions {
  segmentId: number;
  /** One byte per row, 1 = deleted (the in-memory form; packed to bits on disk). */
  deleted: Uint8Array;
}

export function encodeDeletions(segments: readonly SegmentDeletions[]): Uint8Array {
  const bodyBytes = segments.reduce((sum, segment) => sum + 12 + Math.ceil(segment.deleted.length / 8), 0);
  const writer = new ByteWriter(HEADER_BYTES + bodyBytes);
  writer.u32(MAGIC);
  writer.u32(VERSION);
  writer.u32(segments.length);
  writer.u64(0); // body length, patched below
  writer.u32(0); // body checksum, patched below
  writer.u32(0); // header checksum, patched below
  for (const { segmentId, deleted } of segments) {
    writer.u64(segmentId);
    writer.u32(deleted.length);
    const packed = new Uint8Array(Math.ceil(deleted.length / 8));
    for (let row = 0; row < deleted.length; row++) if (deleted[row] === 1) packed[row >> 3] = (packed[row >> 3] as number) | (1 << (row & 7));
    writer.bytes(packed);
  }
  const bytes = writer.finish();
  writer.patchU64(12, bytes.length - HEADER_BYTES);
  writer.patchU32(20, checksum(bytes.subarray(HEADER_BYTES)));
  writer.patchU32(24, checksum(bytes.subarray(0, 24)));
  return bytes;
}

export function decodeDeletions(bytes: Uint8Array): SegmentDeletions[] {
  if (bytes.length < HEADER_BYTES) throw new DecodeError("deletion object shorter than its header");
  const reader = new ByteReader(bytes);
  const [magic, version, count] = [reader.u32(), reader.u32(), reader.u32()];
  const bodyLength = reader.u64();
  const bodyCrc = reader.u32();
  const headerCrc = reader.u32();
  if (checksum(bytes.subarray(0, 24)) !== headerCrc) throw new DecodeError("deletion header checksum mismatch");
  if (magic !== MAGIC || version !== VERSION) throw new DecodeError("not a version 1 deletion object");
  if (bytes.length !== HEADER_BYTES + bodyLength) throw new DecodeError("deletion object length does not match its header");
  if (checksum(bytes.subarray(HEADER_BYTES)) !== bodyCrc) throw new DecodeError("deletion body checksum mismatch");
  const segments: SegmentDeletions[] = [];
  for (let i = 0; i < count; i++) {
    const segmentId = reader.u64();
    const rows = reader.u32();
    const packed = reader.bytesView(Math.ceil(rows / 8));
    const deleted = new Uint8Array(rows);
    for (let row = 0; row < rows; row++) deleted[row] = ((packed[row >> 3] as number) >> (row & 7)) & 1;
    segments.push({ segmentId, deleted });
  }
  if (reader.remaining !== 0) throw new DecodeError("deletion object has trailing bytes");
  return segments;
}
