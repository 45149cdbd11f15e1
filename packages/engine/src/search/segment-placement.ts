// Loading a written segment's graph where vector-placement.ts says it belongs: float32 in memory
// inside the graph; int8 codes in memory with the float32 vectors read from the segment object's
// local file; or the graph mapped where the segment object holds it, the vectors read from the file
// too. Used when a segment is loaded (open, a reader's reload) and right after a new one is written
// (flush, merge), the two moments a segment's object exists and its graph bytes are in hand. Codes
// are read straight from the float graph's bytes on a libuv thread, so a segment loaded with codes
// never holds its float graph, and the event loop never waits for a conversion.
import type { DistanceMetric } from "../base/types.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import { decodeSegment, segmentGraphOffset } from "../format/segment-format.ts";
import { openSegmentVectors, type FileVectors } from "./file-vectors.ts";
import { HnswGraph, type BuiltGraph } from "./hnsw-graph.ts";
import type { Segment } from "./segment.ts";
import { placementAfterOpening, placementOf, type Placement } from "./vector-placement.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { readRequired } from "../storage/required-objects.ts";

export interface IndexShape {
  dimension: number;
  distanceMetric: DistanceMetric;
}

/** A loaded graph, and the file its segment reads vectors from when the graph does not hold them. */
export interface PlacedGraph {
  graph: HnswGraph;
  file?: FileVectors;
}

/** Where a stored graph lies in its segment object's file. */
export interface StoredGraph {
  offset: number;
  length: number;
  searchEf: number;
}

/**
 * The file to read segment object `name`'s vectors from, or undefined when the store has no local
 * file of the object (an object store without a cached copy): the segment keeps floats then.
 */
function vectorsFile(store: BlobStore, name: string, index: IndexShape, rows: number): FileVectors | undefined {
  return openSegmentVectors(store, name, rows, index.dimension);
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
 * Maps the graph stored in segment object `name` where it lies, reading the vectors from `file` (the
 * same object); the file is closed if that fails.
 */
export async function mapGraph(index: IndexShape, stored: StoredGraph, rows: number, file: FileVectors): Promise<PlacedGraph> {
  try {
    const location = { path: file.path, offset: stored.offset, length: stored.length };
    return { graph: await HnswGraph.map(location, stored.searchEf, index.distanceMetric, index.dimension, rows), file };
  } catch (error) {
    file.close();
    throw error;
  }
}

/** The graph in the placement asked for, over `file`: codes from the bytes, or mapped from the file. */
async function placeOnDisk(
  store: BlobStore, name: string, index: IndexShape, built: BuiltGraph, stored: StoredGraph, rows: number, placement: Placement, file: FileVectors,
): Promise<PlacedGraph> {
  if (placement === "mapped") return mapGraph(index, stored, rows, file);
  return { graph: await loadCodes(store, name, index, built, rows, file), file };
}

/** Where segment `rows`' graph `built` lies in its object, whose keys and metadata take `recordsBytes`. */
function storedGraph(index: IndexShape, built: BuiltGraph, rows: number, recordsBytes: number): StoredGraph {
  return { offset: segmentGraphOffset(rows, index.dimension, recordsBytes), length: built.bytes.length, searchEf: built.searchEf };
}

/**
 * Loads stored segment `name`'s graph as floats, codes or mapped. `vectors` are the segment's rows,
 * which a cosine graph of floats takes its vectors back from; `recordsBytes` the length of its keys
 * and metadata, which says where the graph lies in the object.
 */
export async function loadPlacedGraph(
  store: BlobStore, name: string, index: IndexShape, built: BuiltGraph, rows: number, vectors: Float32Array, recordsBytes: number,
  placement = placementOf(rows, index.dimension),
): Promise<PlacedGraph> {
  const file = placement === "floats" ? undefined : vectorsFile(store, name, index, rows);
  if (!file) return { graph: await HnswGraph.load(built, index.distanceMetric, index.dimension, rows, vectors) };
  return placeOnDisk(store, name, index, built, storedGraph(index, built, rows, recordsBytes), rows, placement, file);
}

export function attachPlaced(segment: Segment, placed: PlacedGraph): void {
  if (placed.file) segment.attachOnDisk(placed.graph, placed.file);
  else segment.attachGraph(placed.graph);
}

/**
 * After segment `name` is written with the graph `built` (whose float graph the segment has
 * attached): replaces that graph by codes or a mapped one if the segment should keep them. Searches go
 * on over the float graph until the new one is in; a segment that left the collection meanwhile gets
 * nothing.
 */
export async function placeWrittenGraph(store: BlobStore, name: string, index: IndexShape, segment: Segment, built: BuiltGraph): Promise<void> {
  const floats = segment.graph;
  if (!floats || floats.codes || floats.mapped) return;
  const placement = placementOf(segment.rows, index.dimension);
  if (placement === "floats") return;
  const file = vectorsFile(store, name, index, segment.rows);
  if (!file) return;
  const stored = storedGraph(index, built, segment.rows, segment.records.bytes.length);
  const placed = await placeOnDisk(store, name, index, built, stored, segment.rows, placement, file);
  if (segment.retired || segment.graph !== floats) {
    placed.graph.release();
    file.close();
    return;
  }
  segment.attachOnDisk(placed.graph, file);
  // A merge may still be serialising the float graph as its base; the addon frees it when that ends.
  floats.release();
}

/**
 * Moves a segment opened mapped (Segment.placeLater) into memory when placementAfterOpening says it
 * belongs there: its object is read whole, which checks its body's checksum too, its graph loaded as
 * floats or codes and swapped in. Resolves true when the object was read whole (so verified), false
 * when the segment stays mapped. Throws a CorruptionError naming a damaged object.
 */
export async function placeOpenedSegment(store: BlobStore, name: string, index: IndexShape, segment: Segment): Promise<boolean> {
  const mapped = segment.graph;
  if (!mapped?.mapped) return false;
  const objectBytes = segmentGraphOffset(segment.rows, index.dimension, segment.records.bytes.length) + mapped.mappedBytes;
  const placement = placementAfterOpening(segment.rows, index.dimension, objectBytes);
  if (placement === "mapped") return false;
  const contents = await readRequired(store, name, "segment", (bytes) => decodeSegment(bytes, index.dimension));
  const built = { bytes: contents.graph, searchEf: contents.searchEf };
  // Decided before the read: asked again now, the object in hand would count against the budget.
  const placed = await loadPlacedGraph(store, name, index, built, segment.rows, contents.data, contents.records.bytes.length, placement);
  // Before the swap: a float graph's hits are scored with the norms, which a mapped segment reads lazily.
  await runInSteps(segment.fillNormsSteps(contents.data));
  if (segment.retired || segment.graph !== mapped) {
    placed.graph.release();
    placed.file?.close();
    return true;
  }
  segment.replaceMapped(placed.graph, placed.file);
  return true;
}
