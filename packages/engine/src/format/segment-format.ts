// Segment object layout (docs/storage-format.md): one immutable segment, written once, never changed.
// Deletions live elsewhere (deletion-format.ts), so the big object is never rewritten for a delete.
//
//   header  "OVSG" | u32 version | u32 dimension | u32 rows | u32 searchEf | u32 reserved (0)
//           | u64 graphLength | u64 bodyLength | u32 crc32(body) | u32 crc32(previous 44 bytes)
//                                                                                   (48 bytes)
//   body    vectors: rows × dimension float32 (one block), then rows × (key, metadata JSON) as
//           u32 length + UTF-8, then graphLength bytes of the serialised HNSW graph.
import { ByteWriter, littleEndianFloatBytes } from "./binary.ts";
import { FramedObject } from "./framed-object.ts";
import { DecodeError } from "../base/errors.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import type { Metadata } from "../base/types.ts";

const SEGMENT = new FramedObject({
  what: "segment",
  magic: "OVSG",
  version: 1,
  fields: [["dimension", "u32"], ["rows", "u32"], ["searchEf", "u32"], ["reserved", "u32"], ["graphLength", "u64"]],
  bodyLength: "u64",
  bodyChecksum: true,
});

/** Where a segment object's vectors start: right after the header, rows x dimension float32, little-endian. */
export const SEGMENT_VECTORS_OFFSET = SEGMENT.headerBytes;

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

/** What is encoded: a segment's contents, its vectors possibly spread out (search-kernel.ts VectorRows). */
export interface SegmentToEncode extends SegmentContents {
  /** Row r's vector is data[r * stride + offset, + dimension); dense when absent. */
  layout?: { stride: number; offset: number };
}

/**
 * Encodes in steps, yielding to the event loop between them: a segment of 100k rows takes about
 * 200 ms to encode, which in one piece would stall every request for that long. The object comes back
 * as parts to be written back to back (BlobBody), never joined: the vectors part is a view of the
 * segment's own block on little-endian hosts and the graph part is the builder's buffer, so writing a
 * segment no longer holds a second copy of it (one 200k x 128 segment is about 240 MB).
 */
export function encodeSegment(segment: SegmentToEncode): Promise<Uint8Array[]> {
  return runInSteps(encodeSteps(segment));
}

function* encodeSteps(segment: SegmentToEncode): Generator<void, Uint8Array[]> {
  const { dimension, keys, metadata, graph, searchEf } = segment;
  const rows = keys.length;
  const parts: Uint8Array[] = yield* vectorParts(segment);
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
  const header = yield* SEGMENT.headerInSteps({ dimension, rows, searchEf, reserved: 0, graphLength: graph.length }, parts);
  return [header, ...parts];
}

/**
 * The vectors block: a view of dense vectors, or, when they are spread out in a graph's memory,
 * copies made a step's rows at a time (a whole copy would double the segment's vectors in memory).
 */
function* vectorParts(segment: SegmentToEncode): Generator<void, Uint8Array[]> {
  const { dimension, data, layout } = segment;
  const rows = segment.keys.length;
  if (!layout || (layout.stride === dimension && layout.offset === 0)) return [littleEndianFloatBytes(data.subarray(0, rows * dimension))];
  const parts: Uint8Array[] = [];
  for (let start = 0; start < rows; start += ROWS_PER_STEP) {
    const end = Math.min(rows, start + ROWS_PER_STEP);
    const chunk = new Float32Array((end - start) * dimension);
    for (let row = start; row < end; row++) {
      const base = row * layout.stride + layout.offset;
      chunk.set(data.subarray(base, base + dimension), (row - start) * dimension);
    }
    parts.push(littleEndianFloatBytes(chunk));
    yield;
  }
  return parts;
}

/** Throws DecodeError unless the object is complete and intact and has the expected dimension. */
export function decodeSegment(bytes: Uint8Array, expectedDimension: number): SegmentContents {
  const { fields, body } = SEGMENT.open(bytes);
  const { dimension, rows, searchEf, graphLength } = fields;
  if (dimension !== expectedDimension) throw new DecodeError(`segment has dimension ${dimension}, index ${expectedDimension}`);
  const data = body.floats(rows * dimension);
  const keys: string[] = [];
  const metadata: Metadata[] = [];
  for (let row = 0; row < rows; row++) {
    keys.push(body.string());
    metadata.push(JSON.parse(body.string()) as Metadata);
  }
  const graph = body.bytesView(graphLength);
  if (body.remaining !== 0) throw new DecodeError("segment has trailing bytes");
  return { dimension, keys, metadata, data, graph, searchEf };
}
