// Attaching a written segment's graph where vector-placement.ts says its vectors belong: float32 in
// memory inside the graph, or int8 codes in memory with the float32 vectors read from the segment
// object's local file. Used when a segment is loaded (open, a reader's reload) and right after a new
// one is written (flush, merge), the two moments a segment's object exists and its graph is in hand.
import type { DistanceMetric } from "../base/types.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { openSegmentVectors } from "./file-vectors.ts";
import type { HnswGraph } from "./hnsw-graph.ts";
import type { Segment } from "./segment.ts";
import { keepsCodes } from "./vector-placement.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { readRequired } from "../storage/required-objects.ts";

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
  // A merge that grows its graph from this one reads the float graph back from the segment object.
  const storedBytes = () => readRequired(store, name, "segment", (bytes) => decodeSegment(bytes, dimension).graph);
  segment.attachCodes(graph.compacted(distanceMetric, dimension, storedBytes), file);
  graph.release();
}
