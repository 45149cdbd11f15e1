// Flushing: when the memtable is frozen into a segment. Every query scans the memtable row by row,
// so it is frozen once it is big (segmentRows, segmentBytes) or once writes have gone quiet
// (idleFlushMs); the frozen segment is searched exactly until its graph is built and it is written
// (segment-writer.ts), merged first into a written segment when the freeze-merge policy finds one.
import type { CollectionState } from "../state/collection-state.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";
import { freezePartner, mergeSegments, type MergePolicy } from "./merge.ts";

export interface FlushPolicy {
  /** Freeze the memtable into a segment (and build its graph) once it holds this many rows ... */
  segmentRows: number;
  /**
   * ... or this many bytes of vectors. Every query scans the memtable exactly, and a scan costs by
   * bytes (docs/architecture.md#exact-scans: memory bandwidth), so this bound keeps that scan to a few
   * milliseconds.
   */
  segmentBytes: number;
  /**
   * When no write has come for this long, a memtable of at least `idleFlushRows` rows is frozen too:
   * the rows written last would otherwise be scanned exactly by every query until the next burst of
   * writes fills the memtable, however long that takes.
   */
  idleFlushMs: number;
  idleFlushRows: number;
}

export function memtableFull(collection: CollectionState, policy: FlushPolicy): boolean {
  const { count, dimension } = collection.memtable;
  return count >= policy.segmentRows || count * dimension * 4 >= policy.segmentBytes;
}

/** Whether a memtable left alone for idleFlushMs is worth freezing. */
export function idleFlushDue(collection: CollectionState, policy: FlushPolicy): boolean {
  return collection.memtable.count >= policy.idleFlushRows;
}

/**
 * Freezes the memtable into a segment when it is full, or whatever its size with `force` (a flush),
 * and merges the frozen segment into its freeze-merge partner if it has one (the merge writes the
 * result). A frozen segment not merged is written by the checkpoint that follows.
 */
export async function freezeMemtable(
  context: MaintenanceContext, policy: FlushPolicy & MergePolicy, force: boolean,
): Promise<void> {
  const { collection } = context;
  if (collection.memtable.count === 0 || !(force || memtableFull(collection, policy))) return;
  const frozen = collection.freeze(policy.maxSegmentBytes);
  // A memtable that had to be split is at least one whole segment's worth: nothing to merge it into.
  const single = frozen.length === 1 ? frozen[0] : undefined;
  const partner = single && freezePartner(collection.segments, single, policy);
  if (single && partner) await mergeSegments(context, [partner, single]);
}
