// Deletion object layout (docs/storage-format.md): the deletion bitmaps of every segment in force at
// one checkpoint. Written as a new numbered object with each manifest, so segments stay immutable and
// a delete costs one bit on disk, not a rewritten segment.
//
//   header  "OVDL" | u32 version | u32 segmentCount | u64 bodyLength | u32 crc32(body)
//           | u32 crc32(previous 24 bytes)                                           (28 bytes)
//   body    segmentCount × ( u64 segmentId | u32 rows | ceil(rows / 8) bytes, bit r = row r deleted )
import { ByteWriter } from "./binary.ts";
import { FramedObject } from "./framed-object.ts";
import { DecodeError } from "../base/errors.ts";

const DELETIONS = new FramedObject({
  what: "deletion object",
  magic: "OVDL",
  version: 1,
  fields: [["segmentCount", "u32"]],
  bodyLength: "u64",
  bodyChecksum: true,
});

export interface SegmentDeletions {
  segmentId: number;
  /** One byte per row, 1 = deleted (the in-memory form; packed to bits on disk). */
  deleted: Uint8Array;
}

export function encodeDeletions(segments: readonly SegmentDeletions[]): Uint8Array {
  const bodyBytes = segments.reduce((sum, segment) => sum + 12 + Math.ceil(segment.deleted.length / 8), 0);
  const writer = new ByteWriter(DELETIONS.headerBytes + bodyBytes);
  DELETIONS.begin(writer, { segmentCount: segments.length });
  for (const { segmentId, deleted } of segments) {
    writer.u64(segmentId);
    writer.u32(deleted.length);
    const packed = new Uint8Array(Math.ceil(deleted.length / 8));
    for (let row = 0; row < deleted.length; row++) if (deleted[row] === 1) packed[row >> 3] = (packed[row >> 3] as number) | (1 << (row & 7));
    writer.bytes(packed);
  }
  return DELETIONS.seal(writer);
}

export function decodeDeletions(bytes: Uint8Array): SegmentDeletions[] {
  const { fields, body } = DELETIONS.open(bytes);
  const segments: SegmentDeletions[] = [];
  for (let i = 0; i < fields.segmentCount; i++) {
    const segmentId = body.u64();
    const rows = body.u32();
    const packed = body.bytesView(Math.ceil(rows / 8));
    const deleted = new Uint8Array(rows);
    for (let row = 0; row < rows; row++) deleted[row] = ((packed[row >> 3] as number) >> (row & 7)) & 1;
    segments.push({ segmentId, deleted });
  }
  if (body.remaining !== 0) throw new DecodeError("deletion object has trailing bytes");
  return segments;
}
