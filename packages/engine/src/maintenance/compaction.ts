// Compaction planning: which segments to merge, and the merged segment's rows. Merging drops deleted
// and superseded rows, so both disk (after the next manifest) and memory are given back, and it keeps
// the number of graphs a query must visit small.
import { Segment } from "../search/segment.ts";
import type { RowSource } from "../state/collection-state.ts";
import type { Metadata } from "../base/types.ts";

export interface CompactionPolicy {
  /** Merge when more segments than this exist (the smallest ones go first). */
  maxSegments: number;
  /** Merge a segment once this share of its rows is deleted or superseded. */
  maxDeletedFraction: number;
}

/** Segments worth merging now; with `everything`, all of them (an explicit compact()). */
export function pickSegments(segments: readonly Segment[], policy: CompactionPolicy, everything = false): Segment[] {
  const ready = segments.filter((segment) => segment.id > 0);
  if (everything) return ready.length > 1 || ready.some((segment) => segment.liveCount < segment.rows) ? ready : [];
  const chosen = new Set(ready.filter((segment) => segment.deletedFraction > policy.maxDeletedFraction));
  if (ready.length > policy.maxSegments) {
    // Merge the smallest until half the budget is left, so the next merges are not right behind.
    const bySize = [...ready].sort((a, b) => a.liveCount - b.liveCount);
    const target = Math.max(2, ready.length - Math.floor(policy.maxSegments / 2) + 1);
    for (const segment of bySize.slice(0, target)) chosen.add(segment);
  }
  return [...chosen];
}

export function needsCompaction(segments: readonly Segment[], policy: CompactionPolicy): boolean {
  return pickSegments(segments, policy).length > 0;
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
  const keys: string[] = [];
  const metadata: Metadata[] = [];
  const sources: RowSource[] = [];
  for (const segment of segments) {
    for (let row = 0; row < segment.rows; row++) {
      if (segment.deleted[row] === 1) continue;
      data.set(segment.data.subarray(row * dimension, (row + 1) * dimension), keys.length * dimension);
      keys.push(segment.keys[row] as string);
      metadata.push(segment.metadata[row] as Metadata);
      sources.push({ segment, row });
    }
  }
  return { segment: new Segment(dimension, keys, metadata, data, nonFilterableKeys), sources };
}
