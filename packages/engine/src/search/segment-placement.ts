// Loading a written segment's graph where vector-placement.ts says its vectors belong: float32 in
// memory inside the graph, or int8 codes in memory with the float32 vectors read from the segment
// object's local file. Used when a segment is loaded (open, a reader's reload) and right after a new
// one is written (flush, merge), the two moments a segment's object exists and its graph bytes are in
// hand. Codes are read straight from the float graph's bytes on a libuv thread, so a segment loaded
// with codes never holds its float graph, and the event loop never waits for a conversion.
import type { DistanceMetric } from "../base/types.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { openSegmentVectors, type FileVectors } from "./file-vectors.ts";
import { HnswGraph, type BuiltGraph } from "./hnsw-graph.ts";
import type { Segment } from "./segment.ts";
import { keepsCodes } from "./vector-placement.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { readRequired } from "../storage/required-objects.ts";

interface IndexShape {
  dimension: number;
  distanceMetric: DistanceMetric;
}

/** A loaded graph, and the file its segment reads vectors from when the graph holds codes. */
export interface PlacedGraph {
  graph: HnswGraph;
  file?: FileVectors;
}

/**
 * The file to read segment object `name`'s vectors from, when the segment should keep codes and the
 * store has a local file of the object (an object store without a cached copy has none: floats then).
 */
function codesFile(store: BlobStore, name: string, index: IndexShape, rows: number): FileVectors | undefined {
  return keepsCodes(rows, index.dimension) ? openSegmentVectors(store, name, rows, index.dimension) : undefined;
}

/** Loads graph bytes as codes over `file`; the file is closed if that fails. */
async function loadCodes(store: BlobStore, name: string, index: IndexShape, built: BuiltGraph, rows: number, file: FileVectors): Promise<HnswGraph> {
  const { dimension, distanceMetric } = index;
  // A merge that grows its graph from this one reads the float graph back from the segment object.
  const storedBytes = () => readRequired(store, name, "segment", (bytes) => decodeSegment(bytes, dimension).graph);
  try {
    return await HnswGraph.loadCodes(built, distanceMetric, dimension, rows, storedBytes);
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * Loads stored segment `name`'s graph as floats or codes. `vectors` are the segment's rows, which a
 * cosine graph of floats takes its vectors back from.
 */
export async function loadPlacedGraph(
  store: BlobStore, name: string, index: IndexShape, built: BuiltGraph, rows: number, vectors: Float32Array,
): Promise<PlacedGraph> {
  const file = codesFile(store, name, index, rows);
  if (!file) return { graph: await HnswGraph.load(built, index.distanceMetric, index.dimension, rows, vectors) };
  return { graph: await loadCodes(store, name, index, built, rows, file), file };
}

export function attachPlaced(segment: Segment, placed: PlacedGraph): void {
  if (placed.file) segment.attachCodes(placed.graph, placed.file);
  else segment.attachGraph(placed.graph);
}

/**
 * After segment `name` is written with the graph `built` (whose float graph the segment has
 * attached): replaces that graph by codes if the segment should keep them. Searches go on over the
 * float graph until the codes are in; a segment that left the collection meanwhile gets nothing.
 */
export async function placeWrittenGraph(store: BlobStore, name: string, index: IndexShape, segment: Segment, built: BuiltGraph): Promise<void> {
  const floats = segment.graph;
  if (!floats || floats.codes) return;
  const file = codesFile(store, name, index, segment.rows);
  if (!file) return;
  const codes = await loadCodes(store, name, index, built, segment.rows, file);
  if (segment.retired || segment.graph !== floats) {
    codes.release();
    file.close();
    return;
  }
  segment.attachCodes(codes, file);
  // A merge may still be serialising the float graph as its base; the addon frees it when that ends.
  floats.release();
}
