// What every background task works on: the collection's store and object names, its state in
// memory, and what the manifest in force says. The flush, merge, compaction and checkpoint files
// take it as an argument, so none of them depends on the coordinator that runs them.
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import type { CollectionLayout } from "../storage/collection-layout.ts";
import type { CollectionState } from "../state/collection-state.ts";
import { CorruptionError } from "../base/errors.ts";

/** What the manifest in force says, and the WAL objects written since. */
export interface CheckpointState {
  manifestSeq: number;
  walFrom: number;
  walSizes: Map<number, number>;
  /** Ids of the segments the manifest in force names. */
  segmentIds: Set<number>;
  /** The next segment object id to use. */
  nextSegmentId: number;
  /**
   * The highest snapshot, deletion object or manifest number present at recovery (shared stores:
   * a fenced writer may have left some above the manifest in force); the next checkpoint goes above.
   */
  highestCheckpointNumber?: number;
}

/** What a collection on a shared store adds to its background work (docs/scale-out.md). */
export interface SharedCommit {
  /**
   * Appends the checkpoint commit record of `manifest` to the WAL and resolves once it is durable:
   * only then is the manifest in force, and may the checkpoint prune. Rejects when this node was fenced.
   */
  commitCheckpoint(manifest: number, walFrom: number): Promise<void>;
}

export interface MaintenanceContext {
  readonly store: BlobStore;
  readonly layout: CollectionLayout;
  readonly collection: CollectionState;
  /** The next WAL number: memory holds exactly the WAL objects below it. */
  readonly nextWalSeq: () => number;
  readonly state: CheckpointState;
  /**
   * Aborted when the collection closes without waiting for its background work (a server stopping):
   * graph builds end at once and no further object is created, so the task's commit never happens.
   * Every step is a new numbered object, so what an abandoned task wrote is a leftover no manifest
   * names, which recovery removes; the work itself runs again after the next open.
   */
  readonly signal: AbortSignal;
  /** Set on a shared store: manifests are committed through the WAL. */
  readonly shared?: SharedCommit;
}

/**
 * Creates a new numbered object. Numbers are never reused, so one that exists already means a second
 * writer on the same directory: stop rather than overwrite it.
 */
export async function createObject(context: MaintenanceContext, name: string, bytes: BlobBody): Promise<void> {
  context.signal.throwIfAborted();
  if (!(await context.store.createIfAbsent(name, bytes))) throw new CorruptionError(name, "exists already: another writer?");
}
