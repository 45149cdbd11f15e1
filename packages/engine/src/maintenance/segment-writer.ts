// Writing a segment, the step flushes and merges both end with: build its HNSW graph, then create
// the segment object under the next id. Segment objects are written before the manifest that first
// names them; graphs are built in a worker (hnsw-graph.ts) while queries and writes go on, and frozen
// rows stay searchable exactly meanwhile.
import { buildGraph, HnswGraph } from "../search/hnsw-graph.ts";
import type { Segment } from "../search/segment.ts";
import { encodeSegment } from "../format/segment-format.ts";
import { createObject, type MaintenanceContext } from "./maintenance-context.ts";
import { placeWrittenGraph } from "../search/segment-placement.ts";

/** Builds graphs for and writes every segment not written yet (new, or left by a failed task). */
export async function persistSegments(context: MaintenanceContext): Promise<void> {
  for (const segment of context.collection.segments) if (segment.id === 0) await persistSegment(context, segment);
}

/**
 * Builds the segment's graph (growing `base`, whose rows come first, if given) and writes it. A graph
 * built by an attempt whose write failed is kept, so the retry only writes.
 */
export async function persistSegment(context: MaintenanceContext, segment: Segment, base?: HnswGraph): Promise<void> {
  const { distanceMetric: metric, dimension } = context.collection.index;
  if (!segment.pendingGraph) {
    const vectors = segment.denseVectors(); // the segment's own array: it has no graph yet
    segment.pendingGraph = await buildGraph({ metric, dimension, rows: segment.rows, vectors, base, signal: context.signal });
    segment.attachGraph(await HnswGraph.load(segment.pendingGraph, metric, dimension, segment.rows, vectors));
  }
  const id = context.state.nextSegmentId++;
  const built = segment.pendingGraph;
  const { records, data, stride, offset } = segment;
  const contents = { dimension, records, data, layout: { stride, offset }, graph: built.bytes, searchEf: built.searchEf, text: segment.text };
  const name = context.layout.segmentName(id);
  await createObject(context, name, await encodeSegment(contents));
  segment.id = id;
  segment.pendingGraph = undefined;
  // Written: its vectors can now be read from the object instead of held (vector-placement.ts).
  await placeWrittenGraph(context.store, name, context.collection.index, segment, built);
}
