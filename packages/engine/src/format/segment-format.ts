// Segment object layout (docs/storage-format.md): one immutable segment, written once, never changed.
// Deletions live elsewhere (deletion-format.ts), so the big object is never rewritten for a delete.
//
//   header  "OVSG" | u32 version | u32 dimension | u32 rows | u32 searchEf | u32 textLength
//           | u64 graphLength | u64 bodyLength | u32 crc32(body) | u32 crc32(previous 44 bytes)
//                                                                                   (48 bytes)
//   body    vectors: rows × dimension float32 (one block), then rows × (key, metadata JSON) as
//           u32 length + UTF-8, then graphLength bytes of the serialised HNSW graph, then, in
//           version 2, textLength bytes of full-text postings (text-section.ts).
//
// Version 2 is written only for a segment with postings (a Fusion index with text fields); every
// other segment is written as version 1, where textLength (then called reserved) is 0, so builds
// from before the text section still read them.
import { littleEndianFloatBytes } from "./binary.ts";
import { FramedObject } from "./framed-object.ts";
import { DecodeError } from "../base/errors.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import { RowRecords } from "./row-records.ts";
import { decodeSegmentText, encodeSegmentText } from "./text-section.ts";
import type { SegmentText } from "../text/segment-text.ts";

const SEGMENT = new FramedObject({
  what: "segment",
  magic: "OVSG",
  version: 2,
  oldestVersion: 1,
  fields: [["dimension", "u32"], ["rows", "u32"], ["searchEf", "u32"], ["textLength", "u32"], ["graphLength", "u64"]],
  bodyLength: "u64",
  bodyChecksum: true,
});

/**
 * Graph bytes per row besides the vector: hnswlib's level-0 links (M = 16: 32 links and a count,
 * 132 bytes), the label (8), the upper levels' links (68 bytes for the one row in 16 that has any)
 * and their length field (4): 148, rounded up.
 */
const GRAPH_ROW_BYTES = 160;

/**
 * About how many bytes a row takes in a segment object: its vector twice (the block and the graph's
 * copy), its graph links, and its key and metadata record of `recordBytes`.
 */
export function segmentRowBytes(dimension: number, recordBytes: number): number {
  return dimension * 8 + GRAPH_ROW_BYTES + recordBytes;
}

/** Where the graph starts in a segment object of `rows` x `dimension` whose keys and metadata take `recordsBytes`. */
export function segmentGraphOffset(rows: number, dimension: number, recordsBytes: number): number {
  return SEGMENT.headerBytes + rows * dimension * 4 + recordsBytes;
}

/** Where a segment object's vectors start: right after the header, rows x dimension float32, little-endian. */
export const SEGMENT_VECTORS_OFFSET = SEGMENT.headerBytes;

export interface SegmentContents {
  dimension: number;
  /** The rows' keys and metadata, held in the very encoding the object stores them in. */
  records: RowRecords;
  data: Float32Array;
  graph: Uint8Array;
  /** The query beam calibrated when the graph was built. */
  searchEf: number;
  /** A Fusion index's full-text postings, when it has text fields. */
  text?: SegmentText | undefined;
}

/** Rows whose vectors are copied per step (see event-loop-steps.ts): a few milliseconds of work each. */
const ROWS_PER_STEP = 2048;

/** What is encoded: a segment's contents, its vectors possibly spread out (search-kernel.ts VectorRows). */
export interface SegmentToEncode extends SegmentContents {
  /** Row r's vector is data[r * stride + offset, + dimension); dense when absent. */
  layout?: { stride: number; offset: number };
}

/**
 * Encodes in steps, yielding to the event loop between them, so a large segment never stalls requests
 * for long. The object comes back as parts to be written back to back (BlobBody), never joined: the
 * vectors part is a view of the segment's own block on little-endian hosts, the keys and metadata
 * part the segment's records themselves and the graph part the builder's buffer, so writing a segment
 * holds no second copy of it (one 200k x 128 segment is about 240 MB).
 */
export function encodeSegment(segment: SegmentToEncode): Promise<Uint8Array[]> {
  return runInSteps(encodeSteps(segment));
}

function* encodeSteps(segment: SegmentToEncode): Generator<void, Uint8Array[]> {
  const { dimension, records, graph, searchEf } = segment;
  const rows = records.rows;
  const parts: Uint8Array[] = yield* vectorParts(segment);
  parts.push(records.bytes, graph);
  const text = segment.text ? encodeSegmentText(segment.text) : undefined;
  if (text) parts.push(text);
  const fields = { dimension, rows, searchEf, textLength: text?.length ?? 0, graphLength: graph.length };
  const header = yield* SEGMENT.headerInSteps(fields, parts, text ? 2 : 1);
  return [header, ...parts];
}

/**
 * The vectors block: a view of dense vectors, or, when they are spread out in a graph's memory,
 * copies made a step's rows at a time (a whole copy would double the segment's vectors in memory).
 */
function* vectorParts(segment: SegmentToEncode): Generator<void, Uint8Array[]> {
  const { dimension, data, layout } = segment;
  const rows = segment.records.rows;
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

/** Where a segment object's parts lie, read from its header alone (segmentLayout). */
export interface SegmentLayout {
  dimension: number;
  rows: number;
  searchEf: number;
  /** The keys and metadata records: `recordsLength` bytes from `recordsOffset`. */
  recordsOffset: number;
  recordsLength: number;
  /** The serialised HNSW graph: `graphLength` bytes from `graphOffset`. */
  graphOffset: number;
  graphLength: number;
  /** The full-text postings (text/segment-text.ts): `textLength` bytes from `textOffset`, up to the object's end; 0 when none. */
  textOffset: number;
  textLength: number;
  /** What the whole body must checksum to (verified by whoever reads it all: segment-file.ts). */
  bodyChecksum: number;
}

/** The header bytes a segment object begins with, all that segmentLayout needs. */
export const SEGMENT_HEADER_BYTES = SEGMENT.headerBytes;

/**
 * A segment object's layout from its first SEGMENT_HEADER_BYTES bytes and its length: throws
 * DecodeError unless the header is intact, of the expected dimension, and its parts fit the object.
 * The body is not checked here.
 */
export function segmentLayout(header: Uint8Array, objectLength: number, expectedDimension: number): SegmentLayout {
  const { version, fields, bodyLength, bodyChecksum } = SEGMENT.openHeader(header, objectLength);
  const { dimension, rows, searchEf, graphLength, textLength } = fields;
  checkShape(version, dimension, expectedDimension, textLength);
  const vectorBytes = rows * dimension * 4;
  const recordsLength = bodyLength - vectorBytes - graphLength - textLength;
  // Each record takes at least its two 4-byte lengths.
  if (recordsLength < rows * 8) throw new DecodeError("segment's parts are longer than its body");
  const recordsOffset = SEGMENT.headerBytes + vectorBytes;
  const graphOffset = recordsOffset + recordsLength;
  return {
    dimension, rows, searchEf, recordsOffset, recordsLength, graphOffset, graphLength, textOffset: graphOffset + graphLength, textLength,
    bodyChecksum: bodyChecksum as number,
  };
}

/** Throws DecodeError unless the object is complete and intact and has the expected dimension. */
export function decodeSegment(bytes: Uint8Array, expectedDimension: number): SegmentContents {
  const { version, fields, body } = SEGMENT.open(bytes);
  const { dimension, rows, searchEf, graphLength, textLength } = fields;
  checkShape(version, dimension, expectedDimension, textLength);
  const data = body.floats(rows * dimension);
  const records = RowRecords.read(body, rows);
  const graph = body.bytesView(graphLength);
  const text = textLength > 0 ? decodeSegmentText(body.bytesView(textLength), rows) : undefined;
  if (body.remaining !== 0) throw new DecodeError("segment has trailing bytes");
  return { dimension, records, data, graph, searchEf, text };
}

function checkShape(version: number, dimension: number, expectedDimension: number, textLength: number): void {
  if (dimension !== expectedDimension) throw new DecodeError(`segment has dimension ${dimension}, index ${expectedDimension}`);
  if (version === 1 && textLength !== 0) throw new DecodeError("segment of version 1 has a text section");
  if (version === 2 && textLength === 0) throw new DecodeError("segment of version 2 has no text section");
}
