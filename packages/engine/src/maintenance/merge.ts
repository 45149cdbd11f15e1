// Merging segments: the live rows of several segments copied into one new segment, written with its
// graph and swapped in. Compaction merges to give back space and keep the number of graphs small; two
// policies here merge for query speed: a freeze is merged into a written segment at once (freeze-merge),
// and a quiet collection is merged into one segment (idle merge). A merge grows the graph of one of its
// inputs when one qualifies, so it pays only for inserting the other inputs' rows.
import { RowRecordsBuilder } from "../format/row-records.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import { Segment } from "../search/segment.ts";
import type { RowSource } from "../state/collection-state.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";
import { segmentBytesOf, type SegmentSizePolicy } from "./segment-size.ts";
import { persistSegment } from "./segment-writer.ts";

export interface MergePolicy extends SegmentSizePolicy {
  /**
   * A frozen memtable is merged at once into the largest written segment holding at most this many
   * times its rows (0: never), growing that segment's graph instead of building one of its own. A
   * graph grows by inserting the new rows, so a stream of writes ends as one graph paid for about
   * once, rather than as graphs per freeze that a later merge builds again from the start; the bound
   * keeps a small freeze from rewriting a much larger segment, so a row is rewritten a few times at most.
   */
  freezeMergeRatio: number;
  /**
   * After this long without writes (0: never), all segments are merged into one when they hold at
   * most `idleMergeMaxRows` live rows, the ones besides the largest hold at least `idleMergeMinShare`
   * of them, and the result fits `maxSegmentBytes`. A query pays a graph search per segment, so the
   * one graph of a merged collection answers fastest; the share keeps a trickle of new rows from
   * rebuilding a big graph again and again.
   */
  idleMergeMs: number;
  idleMergeMaxRows: number;
  idleMergeMinShare: number;
}

/** The written segment a freeze is merged into (see MergePolicy.freezeMergeRatio), if any. */
export function freezePartner(segments: readonly Segment[], frozen: Segment, policy: MergePolicy): Segment | undefined {
  const limit = policy.freezeMergeRatio * frozen.rows;
  const fits = (segment: Segment) => segmentBytesOf([segment, frozen]) <= policy.maxSegmentBytes;
  return graphBaseOf(segments.filter((segment) => segment.id > 0 && segment.rows <= limit && fits(segment)));
}

/** Whether a quiet collection's segments are worth merging into one (see MergePolicy.idleMergeMs). */
export function worthMergingWhenIdle(segments: readonly Segment[], policy: MergePolicy): boolean {
  if (segments.length < 2) return false;
  const live = segments.map((segment) => segment.liveCount);
  const total = live.reduce((sum, rows) => sum + rows, 0);
  const others = total - Math.max(...live);
  return total <= policy.idleMergeMaxRows && others >= total * policy.idleMergeMinShare && segmentBytesOf(segments) <= policy.maxSegmentBytes;
}

/**
 * Copies the live rows of `chosen` into one new segment, written with its graph, and swaps it in.
 * The graph grows from one input's graph when one qualifies (graphBaseOf), so a merge costs the
 * insertions of its other inputs' rows only.
 */
export async function mergeSegments(context: MaintenanceContext, chosen: readonly Segment[]): Promise<void> {
  const { dimension, nonFilterableMetadataKeys } = context.collection.index;
  const base = graphBaseOf(chosen);
  const inputs = baseFirst(chosen, base);
  const merged = mergeLiveRows(inputs, dimension, nonFilterableMetadataKeys);
  const text = merged.segment && context.collection.mergedTextSteps(inputs, merged.sources);
  if (text) merged.segment!.attachText(await runInSteps(text));
  if (merged.segment) await persistSegment(context, merged.segment, base?.graph);
  context.collection.replaceSegments(chosen, merged.segment, merged.sources);
}

/**
 * The segment whose graph a merge of `segments` can grow instead of building one afresh: the largest
 * with a graph and every row live (its rows then keep their numbers, the graph's labels, as the first
 * rows of the merge). Undefined when none qualifies.
 */
export function graphBaseOf(segments: readonly Segment[]): Segment | undefined {
  let base: Segment | undefined;
  for (const segment of segments) {
    if (!segment.graph || segment.liveCount !== segment.rows) continue;
    if (!base || segment.rows > base.rows) base = segment;
  }
  return base;
}

/** `segments` with `first` moved to the front (mergeLiveRows keeps their order). */
export function baseFirst(segments: readonly Segment[], first: Segment | undefined): Segment[] {
  return first ? [first, ...segments.filter((segment) => segment !== first)] : [...segments];
}

export interface MergedRows {
  segment: Segment | undefined;
  /** For row i of `segment`: the segment and row it was copied from. */
  sources: RowSource[];
}

/** Copies the live rows of `segments` into one new segment (undefined when none are live). */
export function mergeLiveRows(segments: readonly Segment[], dimension: number, nonFilterableKeys: readonly string[]): MergedRows {
  const total = segments.reduce((sum, segment) => sum + segment.liveCount, 0);
  if (total === 0) return { segment: undefined, sources: [] };
  const data = new Float32Array(total * dimension);
  const records = new RowRecordsBuilder();
  const sources: RowSource[] = [];
  for (const segment of segments) {
    for (let row = 0; row < segment.rows; row++) {
      if (segment.deleted[row] === 1) continue;
      data.set(segment.rowVector(row), sources.length * dimension);
      records.addEncoded(segment.records.encodedRow(row)); // copied as bytes, never decoded
      sources.push({ segment, row });
    }
  }
  return { segment: new Segment(dimension, records.finish(), data, nonFilterableKeys), sources };
}
