// Attaching a written segment's graph where vector-placement.ts says its vectors belong: float32 in
// memory inside the graph, or int8 codes in memory with the float32 vectors read from the segment
// object's local file. Used when a segment is loaded (open, a reader's reload) and right after a new
// one is written (flush, merge), the two moments a segment's object exists and its graph is in hand.
import { CorruptionError, DecodeError } from "../base/errors.ts";
import type { DistanceMetric } from "../base/types.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { openSegmentVectors } from "./file-vectors.ts";
import type { HnswGraph } from "./hnsw-graph.ts";
import type { Segment } from "./segment.ts";
import { keepsCodes } from "./vector-placement.ts";
import type { BlobStore } from "../storage/blob-store.ts";

/**
 * Attaches `graph` (a float32 graph of `segment`, stored as object `name`) to the segment, or a
 * compacted copy of it when the segment should keep codes and the store has a local file of the
 * object to read the vectors from. The float graph is released then: the caller must not use it.
 */
export function placeGraph(
  store: BlobStore, name: string, index: { dimension: number; distanceMetric: DistanceMetric }, segment: Segment, graph: HnswGraph,
): void {
  const { dimension, distanceMetric } = index;
  const file = keepsCodes(segment.rows, dimension) ? openSegmentVectors(store, name, segment.rows, dimension) : undefined;
  if (!file) {
    if (segment.graph !== graph) segment.attachGraph(graph);
    return;
  }
  segment.attachCodes(graph.compacted(distanceMetric, dimension, () => storedGraphBytes(store, name, dimension)), file);
  graph.release();
}

/** The serialised float graph a segment object carries (a merge grows its new graph from it). */
async function storedGraphBytes(store: BlobStore, name: string, dimension: number): Promise<Uint8Array> {
  const bytes = await store.get(name);
  if (!bytes) throw new CorruptionError(name, "segment is missing");
  try {
    return decodeSegment(bytes, dimension).graph;
  } catch (error) {
    if (error instanceof DecodeError) throw new CorruptionError(name, `unreadable segment: ${error.message}`);
    throw error;
  }
}
