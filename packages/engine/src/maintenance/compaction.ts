// Compaction: when segments are merged to give back space and keep queries fast, and the task that
// does it. Merging drops deleted and superseded rows, so both disk (after the next manifest) and
// memory are given back, and it keeps the number of graphs a query must visit small.
import type { Segment } from "../search/segment.ts";
import type { Checkpointer } from "./checkpoint.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";
import { mergeSegments } from "./merge.ts";
import { mergeGroups, type SegmentSizePolicy } from "./segment-size.ts";
import { persistSegments } from "./segment-writer.ts";

export interface CompactionPolicy extends SegmentSizePolicy {
  /** Merge when more segments than this exist (the smallest ones go first). */
  maxSegments: number;
  /** Merge a segment once this share of its rows is deleted or superseded. */
  maxDeletedFraction: number;
}

/**
 * The merges worth doing now, each a group of segments to merge into one; with `everything`, of all
 * of them (an explicit compact()). Groups keep to the size limit (segment-size.ts), so an index larger
 * than it stays several segments.
 */
export function pickMerges(segments: readonly Segment[], policy: CompactionPolicy, everything = false): Segment[][] {
  const ready = segments.filter((segment) => segment.id > 0);
  if (everything) return mergeGroups(ready, policy);
  const chosen = new Set(ready.filter((segment) => segment.deletedFraction > policy.maxDeletedFraction));
  if (ready.length > policy.maxSegments) {
    // Merge the smallest until half the budget is left, so the next merges are not right behind.
    const bySize = [...ready].sort((a, b) => a.liveCount - b.liveCount);
    const target = Math.max(2, ready.length - Math.floor(policy.maxSegments / 2) + 1);
    for (const segment of bySize.slice(0, target)) chosen.add(segment);
  }
  return mergeGroups([...chosen], policy);
}

export function needsCompaction(segments: readonly Segment[], policy: CompactionPolicy): boolean {
  return pickMerges(segments, policy).length > 0;
}

/**
 * The compaction task: writes any unwritten segment, merges the segments picked (all of them with
 * `everything`: an explicit compact() or an idle merge) and commits a checkpoint naming the result.
 */
export async function runCompaction(
  context: MaintenanceContext, policy: CompactionPolicy, checkpointer: Checkpointer, everything: boolean,
): Promise<void> {
  await persistSegments(context);
  const merges = pickMerges(context.collection.segments, policy, everything);
  if (merges.length === 0) return;
  for (const group of merges) await mergeSegments(context, group);
  await checkpointer.commit();
}
