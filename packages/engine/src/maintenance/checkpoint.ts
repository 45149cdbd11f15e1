// Checkpoints bound WAL replay time. Flushes and compactions end the same way, with a commit: capture
// the state at WAL position walFrom synchronously (memtable rows as snapshot N, segment deletion
// bitmaps as deletion object N), create those, then manifest N `{snapshot, walFrom, segments,
// deletes}`, and only then delete what it made unnecessary (WAL objects below walFrom, the previous
// checkpoint's objects, segments merged away). Each step is a new numbered object, so a crash anywhere
// leaves either the old or the new manifest in force with every object it names still present.
import type { Segment } from "../search/segment.ts";
import { encodeDeletions } from "../format/deletion-format.ts";
import { encodeManifest } from "../format/manifest.ts";
import { encodeSnapshotInSteps } from "../format/snapshot-format.ts";
import { invariant } from "../base/invariant.ts";
import { createObject, type MaintenanceContext } from "./maintenance-context.ts";
import { freezeMemtable, type FlushPolicy } from "./flush.ts";
import type { MergePolicy } from "./merge.ts";
import { persistSegments } from "./segment-writer.ts";

export interface WalLimitPolicy {
  /** Checkpoint once this many WAL objects exist since the last checkpoint. */
  maxWalObjects: number;
  /** ... or once they hold this many bytes. */
  maxWalBytes: number;
}

/** Shared stores: taken checkpoint numbers skipped before a checkpoint gives up. */
const TAKEN_NUMBER_ATTEMPTS = 16;

export class Checkpointer {
  private walBytes = 0;
  /**
   * Highest checkpoint number ever attempted. A failed attempt may have left its objects behind, so a
   * retry takes the next number instead of colliding; recovery removes the leftovers.
   */
  private lastAttempt = 0;

  constructor(
    private readonly context: MaintenanceContext,
    private readonly policy: WalLimitPolicy & FlushPolicy & MergePolicy,
  ) {
    for (const size of context.state.walSizes.values()) this.walBytes += size;
    this.lastAttempt = context.state.highestCheckpointNumber ?? 0;
  }

  /** Counts a WAL object committed since the last checkpoint; true once a checkpoint is due. */
  noteWalObject(seq: number, bytes: number): boolean {
    this.context.state.walSizes.set(seq, bytes);
    this.walBytes += bytes;
    return this.context.state.walSizes.size >= this.policy.maxWalObjects || this.walBytes >= this.policy.maxWalBytes;
  }

  /**
   * The checkpoint task, and with `freeze` the flush task: freezes the memtable (when full, or with
   * `freeze` whatever its size), writes every unwritten segment, and commits unless nothing changed
   * since the manifest in force.
   */
  async checkpoint(freeze: boolean): Promise<void> {
    await freezeMemtable(this.context, this.policy, freeze);
    await persistSegments(this.context);
    const { state } = this.context;
    const unchanged = this.context.nextWalSeq() === state.walFrom && state.manifestSeq > 0 && this.sameSegments();
    if (!unchanged) await this.commit();
  }

  private sameSegments(): boolean {
    const { collection: { segments }, state: { segmentIds } } = this.context;
    return segments.length === segmentIds.size && segments.every((segment) => segmentIds.has(segment.id));
  }

  /** Writes snapshot, deletion object and manifest for the state now, then prunes what they replace. */
  async commit(): Promise<void> {
    const { collection, layout, state } = this.context;
    // Captured synchronously: snapshot and deletions match exactly the WAL objects below walFrom.
    const walFrom = this.context.nextWalSeq();
    const segments = [...collection.segments];
    assertWritten(segments);
    const memtable = collection.memtable.capture();
    const deletions = encodeDeletions(segments.map((segment) => ({ segmentId: segment.id, deleted: segment.deleted })));
    const count = collection.count;
    const snapshot = await encodeSnapshotInSteps(memtable, walFrom);
    const segmentIds = segments.map((segment) => segment.id);
    const { shared } = this.context;
    let seq = Math.max(state.manifestSeq, this.lastAttempt) + 1;
    for (let attempt = 1; ; attempt++, seq++) {
      this.lastAttempt = seq;
      const deletes = segments.length > 0 ? seq : 0;
      const manifest = { seq, snapshot: seq, walFrom, count, segments: segmentIds, deletes, ...(shared && { commit: "wal" as const }) };
      const created = await this.createNumber(layout.snapshotName(seq), snapshot)
        && (segments.length === 0 || await this.createNumber(layout.deletesName(seq), deletions))
        && await this.createNumber(layout.manifestName(seq), encodeManifest(manifest));
      if (created) break;
      if (attempt >= TAKEN_NUMBER_ATTEMPTS) throw new Error(`${TAKEN_NUMBER_ATTEMPTS} checkpoint numbers from ${seq - attempt + 1} on were taken in ${layout.root}`);
    }
    // On a shared store the manifest counts only once its commit record is in the WAL, where a
    // fenced writer cannot put one: so a writer that lost the index never prunes (docs/scale-out.md).
    await shared?.commitCheckpoint(seq, walFrom);
    const previous = { manifestSeq: state.manifestSeq, segmentIds: state.segmentIds };
    state.manifestSeq = seq;
    state.walFrom = walFrom;
    state.segmentIds = new Set(segmentIds);
    await this.prune(previous.manifestSeq, previous.segmentIds, walFrom);
  }

  /**
   * Creates `name`, one of the objects of a checkpoint number. On a shared store a taken number is a leftover of
   * a fenced writer, created after this writer's recovery removed the older ones: false, and the
   * checkpoint takes the next number (what it created of this one stays, unnamed, until a recovery
   * removes it). On a store of its own, a taken number means a second writer: stop.
   */
  private async createNumber(name: string, bytes: Uint8Array): Promise<boolean> {
    if (this.context.shared === undefined) {
      await createObject(this.context, name, bytes);
      return true;
    }
    this.context.signal.throwIfAborted();
    return await this.context.store.createIfAbsent(name, bytes);
  }

  /** Removes what the new manifest made unnecessary; a failure here only leaves garbage for recovery. */
  private async prune(previousManifest: number, previousSegments: Set<number>, walFrom: number): Promise<void> {
    const { store, layout, state } = this.context;
    for (const [seq, size] of [...state.walSizes]) {
      if (seq >= walFrom) continue;
      state.walSizes.delete(seq);
      this.walBytes -= size;
      await store.delete(layout.walName(seq));
    }
    if (previousManifest > 0) {
      await store.delete(layout.manifestName(previousManifest));
      await store.delete(layout.snapshotName(previousManifest));
      await store.delete(layout.deletesName(previousManifest));
    }
    for (const id of previousSegments) if (!state.segmentIds.has(id)) await store.delete(layout.segmentName(id));
  }
}

/**
 * A manifest names segments by object id, and id 0 means "not written yet": every task writes its
 * segments before it commits, so one left unwritten here is a bug that would make the manifest name
 * an object that does not exist.
 */
function assertWritten(segments: readonly Segment[]): void {
  const unwritten = segments.filter((segment) => segment.id === 0).length;
  invariant(unwritten === 0, "a checkpoint names only written segments", { unwritten, segments: segments.length });
}
