// Group commit. Writes queue up; while one WAL object is being committed, everything that arrives
// waits and then goes out together as the next object (one fsync for many requests). An object is the
// next number, created with createIfAbsent; only after that resolves are its records handed to
// `onDurable` (in order) and the callers' promises resolved.
import { BlobNotCreatedError, type BlobStore } from "../storage/blob-store.ts";
import type { CollectionLayout } from "../storage/collection-layout.ts";
import { CorruptionError, FencedError } from "../base/errors.ts";
import { encodeWalObject } from "../format/wal-format.ts";

/** A single WAL object stays below this size unless one record alone is bigger. */
const MAX_OBJECT_BYTES = 32 * 1024 * 1024;

interface PendingWrite {
  record: Uint8Array;
  /** Resolved with the number of the WAL object that holds the record. */
  resolve: (seq: number) => void;
  reject: (error: unknown) => void;
}

export interface DurableBatch {
  seq: number;
  records: Uint8Array[];
  objectBytes: number;
}

export class WalWriter {
  private readonly pending: PendingWrite[] = [];
  private committing: Promise<void> | undefined;
  /**
   * Set when a commit failed in a way that leaves unknown whether its object exists: its number can
   * then be neither reused nor skipped safely, and later writes fail until the collection is
   * reopened. A commit that failed before its object could exist (BlobNotCreatedError: a full disk,
   * say) sets nothing: its writes are refused, and the next batch tries the same number again.
   */
  private failure: unknown;

  constructor(
    private readonly store: BlobStore,
    private readonly layout: CollectionLayout,
    /** The number the next WAL object gets; memory reflects exactly the objects below it. */
    public nextSeq: number,
    private readonly onDurable: (batch: DurableBatch) => void,
    /** Told how long each successful object creation took (write, fsync, link): the cost every write waits for. */
    private readonly onSync?: (ms: number) => void,
    /**
     * Set on a shared store: a taken number means another node fenced this one (FencedError, then
     * this is called once) rather than a second process on one data directory (CorruptionError).
     */
    private readonly onFenced?: (error: FencedError) => void,
  ) {}

  /** Resolves with the number of the WAL object that holds `record`, once that object is durable. */
  append(record: Uint8Array): Promise<number> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise<number>((resolve, reject) => {
      this.pending.push({ record, resolve, reject });
      if (this.committing === undefined) this.committing = this.commitLoop();
    });
  }

  /** Resolves once every write appended so far has settled. */
  async drain(): Promise<void> {
    while (this.committing !== undefined) await this.committing;
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.pending.length > 0) await this.commitBatch(this.takeBatch());
    } finally {
      this.committing = undefined;
    }
  }

  private takeBatch(): PendingWrite[] {
    let bytes = 0;
    let count = 0;
    for (const write of this.pending) {
      if (count > 0 && bytes + write.record.length > MAX_OBJECT_BYTES) break;
      bytes += write.record.length;
      count++;
    }
    return this.pending.splice(0, count);
  }

  private async commitBatch(batch: PendingWrite[]): Promise<void> {
    const records = batch.map((write) => write.record);
    let seq = this.nextSeq;
    try {
      if (this.failure !== undefined) throw this.failure;
      seq = this.nextSeq;
      const object = encodeWalObject(records);
      const name = this.layout.walName(seq);
      const started = performance.now();
      if (!(await this.store.createIfAbsent(name, object))) {
        if (this.onFenced === undefined) throw new CorruptionError(name, "WAL object exists already: another writer?");
        const fenced = new FencedError(name);
        this.failure = fenced;
        this.onFenced(fenced);
        throw fenced;
      }
      this.onSync?.(performance.now() - started);
      // No await from here on: the number advances and memory changes in one synchronous step.
      this.nextSeq = seq + 1;
      this.onDurable({ seq, records, objectBytes: object.length });
    } catch (error) {
      if (!(error instanceof BlobNotCreatedError)) this.failure ??= error;
      for (const write of batch) write.reject(error);
      return;
    }
    for (const write of batch) write.resolve(seq);
  }
}
