// Segment object layout (docs/storage-format.md): one immutable segment, written once, never changed.
// Deletions live elsewhere (deletion-format.ts), so the big object is never rewritten for a delete.
//
//   header  "OVSG" | u32 version | u32 dimension | u32 rows | u32 searchEf | u32 reserved (0)
//           | u64 graphLength | u64 bodyLength | u32 crc32(body) | u32 crc32(previous 44 bytes)
//                                                                                   (48 bytes)
//   body    vectors: rows × dimension float32 (one block), then rows × (key, metadata JSON) as
//           u32 length + UTF-8, then graphLength bytes of the serialised HNSW graph.
import { ByteReader, ByteWriter, checksum, littleEndianFloatBytes } from "./binary.ts";
import { DecodeError } from "../base/errors.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import type { Metadata } from "../base/types.ts";

const MAGIC = 0x4753564f; // "OVSG" as a little-endian u32
const VERSION = 1;
const HEADER_BYTES = 48;

export interface SegmentContents {
  dimension: number;
  keys: readonly string[];
  metadata: readonly Metadata[];
  data: Float32Array;
  graph: Uint8Array;
  /** The query beam calibrated when the graph was built. */
  searchEf: number;
}

/** Rows encoded per step (see event-loop-steps.ts): a few milliseconds of work each. */
const ROWS_PER_STEP = 2048;
/** Bytes checksummed per step. */
const CHECKSUM_STEP_BYTES = 4 << 20;

/**
 * Encodes in steps, yielding to the event loop between them: a segment of 100k rows takes about
 * 200 ms to encode, which in one piece would stall every request for that long. The object comes back
 * as parts to be written back to back (BlobBody), never joined: the vectors part is a view of the
 * segment's own block on little-endian hosts and the graph part is the builder's buffer, so writing a
 * segment no longer holds a second copy of it (one 200k x 128 segment is about 240 MB).
 */
export function encodeSegment(segment: SegmentContents): Promise<Uint8Array[]> {
  return runInSteps(encodeSteps(segment));
}

function* encodeSteps(segment: SegmentContents): Generator<void, Uint8Array[]> {
  const { dimension, keys, metadata, data, graph, searchEf } = segment;
  const rows = keys.length;
  const parts: Uint8Array[] = [littleEndianFloatBytes(data.subarray(0, rows * dimension))];
  for (let start = 0; start < rows; start += ROWS_PER_STEP) {
    const writer = new ByteWriter(ROWS_PER_STEP * 64);
    for (let row = start; row < Math.min(rows, start + ROWS_PER_STEP); row++) {
      writer.string(keys[row] as string);
      writer.string(JSON.stringify(metadata[row]));
    }
    parts.push(writer.finish());
    yield;
  }
  parts.push(graph);
  return yield* withHeader(parts, { dimension, rows, searchEf, graphLength: graph.length });
}

/** The header (which checksums the body, a few MB per step) followed by the body parts. */
function* withHeader(
  parts: Uint8Array[], fields: { dimension: number; rows: number; searchEf: number; graphLength: number },
): Generator<void, Uint8Array[]> {
  let bodyLength = 0;
  let bodyCrc = 0;
  for (const part of parts) {
    bodyLength += part.length;
    for (let at = 0; at < part.length; at += CHECKSUM_STEP_BYTES) {
      bodyCrc = checksum(part.subarray(at, at + CHECKSUM_STEP_BYTES), bodyCrc);
      yield;
    }
  }
  const header = new ByteWriter(HEADER_BYTES);
  for (const value of [MAGIC, VERSION, fields.dimension, fields.rows, fields.searchEf, 0]) header.u32(value);
  header.u64(fields.graphLength);
  header.u64(bodyLength);
  header.u32(bodyCrc);
  header.u32(0); // header checksum, patched below
  const headerBytes = header.finish();
  header.patchU32(44, checksum(headerBytes.subarray(0, 44)));
  return [headerBytes, ...parts];
}

/** Throws DecodeError unless the object is complete and intact and has the expected dimension. */
export function decodeSegment(bytes: Uint8Array, expectedDimension: number): SegmentContents {
  if (bytes.length < HEADER_BYTES) throw new DecodeError("segment shorter than its header");
  const reader = new ByteReader(bytes);
  const [magic, version, dimension, rows, searchEf] = [reader.u32(), reader.u32(), reader.u32(), reader.u32(), reader.u32()];
  reader.u32(); // reserved
  const graphLength = reader.u64();
  const bodyLength = reader.u64();
  const bodyCrc = reader.u32();
  const headerCrc = reader.u32();
  if (checksum(bytes.subarray(0, 44)) !== headerCrc) throw new DecodeError("segment header checksum mismatch");
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
  return { dimension, keys, metadata, data, graph, searchEf };
}
