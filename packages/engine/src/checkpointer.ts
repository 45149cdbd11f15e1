// Checkpoints bound WAL replay time. When the WAL objects since the last checkpoint pass a count or
// byte threshold, the whole state is written as snapshot N, then manifest N `{snapshot, walFrom}` is
// created, and only then are the WAL objects it covers (and the previous checkpoint) deleted. Each step
// is a new numbered object, so a crash anywhere leaves either the old or the new checkpoint in force,
// with every WAL object either one needs still present.
import type { BlobStore } from "./blob-store.ts";
import type { CollectionLayout } from "./collection-layout.ts";
import { CorruptionError } from "./errors.ts";
import { encodeManifest } from "./manifest.ts";
import type { Memtable } from "./memtable.ts";
import { SerialQueue } from "./serial-queue.ts";
import { encodeSnapshot } from "./snapshot-format.ts";

export interface CheckpointPolicy {
  /** Checkpoint once this many WAL objects exist since the last checkpoint. */
  maxWalObjects: number;
  /** ... or once they hold this many bytes. */
  maxWalBytes: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = { maxWalObjects: 256, maxWalBytes: 64 * 1024 * 1024 };

export interface CheckpointState {
  manifestSeq: number;
  walFrom: number;
  walSizes: Map<number, number>;
}

export class Checkpointer {
  private readonly queue = new SerialQueue();
  private scheduled = false;
  private walBytes = 0;
  /**
   * Highest checkpoint number ever attempted. A failed attempt may have left its objects behind, so a
   * retry takes the next number instead of colliding; recovery removes the leftovers.
   */
  private lastAttempt = 0;
  /** The error of the last automatic checkpoint, if it failed (the WAL still holds everything). */
  lastError: unknown;

  constructor(
    private readonly store: BlobStore,
    private readonly layout: CollectionLayout,
    private readonly memtable: Memtable,
    /** The next WAL number: memory holds exactly the WAL objects below it. */
    private readonly nextWalSeq: () => number,
    private readonly policy: CheckpointPolicy,
    private readonly state: CheckpointState,
  ) {
    for (const size of state.walSizes.values()) this.walBytes += size;
  }

  /** Called after each WAL commit; schedules a checkpoint when a threshold is crossed. */
  noteWalObject(seq: number, bytes: number): void {
    this.state.walSizes.set(seq, bytes);
    this.walBytes += bytes;
    const tooMany = this.state.walSizes.size >= this.policy.maxWalObjects;
    if ((tooMany || this.walBytes >= this.policy.maxWalBytes) && !this.scheduled) {
      this.scheduled = true;
      this.checkpoint().catch((error: unknown) => {
        this.lastError = error;
      });
    }
  }

  /** Writes a checkpoint of the state as it is when the task starts (after queued checkpoints). */
  checkpoint(): Promise<void> {
    return this.queue.run(() => this.writeCheckpoint());
  }

  async drain(): Promise<void> {
    await this.queue.drain();
  }

  private async writeCheckpoint(): Promise<void> {
    this.scheduled = false;
    // Captured synchronously: the snapshot matches exactly the WAL objects below walFrom.
    const walFrom = this.nextWalSeq();
    if (walFrom === this.state.walFrom && this.state.manifestSeq > 0) return;
    const snapshot = encodeSnapshot(this.memtable, walFrom);
    const count = this.memtable.count;
    const seq = Math.max(this.state.manifestSeq, this.lastAttempt) + 1;
    this.lastAttempt = seq;
    await this.create(this.layout.snapshotName(seq), snapshot);
    await this.create(this.layout.manifestName(seq), encodeManifest({ seq, snapshot: seq, walFrom, count }));
    const previous = this.state.manifestSeq;
    this.state.manifestSeq = seq;
    this.state.walFrom = walFrom;
    await this.prune(previous, walFrom);
  }

  private async create(name: string, bytes: Uint8Array): Promise<void> {
    if (!(await this.store.createIfAbsent(name, bytes))) throw new CorruptionError(name, "exists already: another writer?");
  }

  /** Removes what the new checkpoint made unnecessary; a failure here only leaves garbage for recovery. */
  private async prune(previousManifest: number, walFrom: number): Promise<void> {
    for (const [seq, size] of [...this.state.walSizes]) {
      if (seq >= walFrom) continue;
      this.state.walSizes.delete(seq);
      this.walBytes -= size;
      await this.store.delete(this.layout.walName(seq));
    }
    if (previousManifest > 0) {
      await this.store.delete(this.layout.manifestName(previousManifest));
      await this.store.delete(this.layout.snapshotName(previousManifest));
    }
  }
}
