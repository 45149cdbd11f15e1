// One vector index's data behind the Collection interface: WAL writer (durability, group commit),
// memtable (state), search kernel (query), list pages (listing) and checkpointer (bounded recovery).
// Writes resolve once their WAL object is durable; they change memory only then, in WAL order, so
// reads see exactly the acknowledged writes.
import type { BlobStore } from "./blob-store.ts";
import { Checkpointer, DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "./checkpointer.ts";
import { CollectionLayout } from "./collection-layout.ts";
import { FIRST_WAL_SEQ, recoverCollection, type RecoveredCollection } from "./collection-recovery.ts";
import { listKeys } from "./list-pages.ts";
import { Memtable } from "./memtable.ts";
import { scanTopK } from "./search-kernel.ts";
import { decodeWalRecord, encodeWalRecord } from "./wal-format.ts";
import { WalWriter, type DurableBatch } from "./wal-writer.ts";
import {
  EngineError,
  type Collection,
  type IndexRecord,
  type ListVectorsOptions,
  type ListVectorsPage,
  type QueryHit,
  type QueryOptions,
  type VectorRecord,
} from "./types.ts";

type Status = "open" | "dropped" | "closed";

export class DurableCollection implements Collection {
  private status: Status = "open";
  private readonly memtable: Memtable;
  private readonly wal: WalWriter;
  private readonly checkpointer: Checkpointer;

  private constructor(
    store: BlobStore,
    readonly index: IndexRecord,
    recovered: RecoveredCollection,
    policy: CheckpointPolicy,
  ) {
    const layout = new CollectionLayout(index.id);
    this.memtable = recovered.memtable;
    this.wal = new WalWriter(store, layout, recovered.nextWalSeq, (batch) => this.applyDurable(batch));
    const checkpointState = { manifestSeq: recovered.manifestSeq, walFrom: recovered.walFrom, walSizes: recovered.walSizes };
    this.checkpointer = new Checkpointer(store, layout, this.memtable, () => this.wal.nextSeq, policy, checkpointState);
  }

  /** Opens an index's collection, recovering it from the store. */
  static async open(store: BlobStore, index: IndexRecord, policy = DEFAULT_CHECKPOINT_POLICY): Promise<DurableCollection> {
    const recovered = await recoverCollection(store, new CollectionLayout(index.id), index.dimension);
    return new DurableCollection(store, index, recovered, policy);
  }

  /** A collection for an index created in this process: nothing can be stored for its fresh id yet. */
  static createEmpty(store: BlobStore, index: IndexRecord, policy = DEFAULT_CHECKPOINT_POLICY): DurableCollection {
    const empty: RecoveredCollection = {
      memtable: new Memtable(index.dimension),
      manifestSeq: 0,
      walFrom: FIRST_WAL_SEQ,
      nextWalSeq: FIRST_WAL_SEQ,
      walSizes: new Map(),
    };
    return new DurableCollection(store, index, empty, policy);
  }

  private assertUsable(): void {
    if (this.status === "closed") throw new EngineError("CLOSED", "the engine is closed");
    if (this.status === "dropped") throw new EngineError("NO_SUCH_INDEX", `vector index ${this.index.name} was deleted`);
  }

  private applyDurable(batch: DurableBatch): void {
    for (const record of batch.records) this.memtable.apply(decodeWalRecord(record));
    this.checkpointer.noteWalObject(batch.seq, batch.objectBytes);
  }

  async put(vectors: VectorRecord[]): Promise<void> {
    this.assertUsable();
    if (vectors.length === 0) return;
    await this.wal.append(encodeWalRecord({ type: "put", vectors }, this.index.dimension));
  }

  async delete(keys: string[]): Promise<void> {
    this.assertUsable();
    if (keys.length === 0) return;
    await this.wal.append(encodeWalRecord({ type: "delete", keys }, this.index.dimension));
  }

  get(keys: string[]): VectorRecord[] {
    this.assertUsable();
    const found: VectorRecord[] = [];
    for (const key of keys) {
      const record = this.memtable.get(key);
      if (record) found.push(record);
    }
    return found;
  }

  list(options: ListVectorsOptions): ListVectorsPage {
    this.assertUsable();
    const page = listKeys(this.memtable, options);
    const vectors = page.keys.map((key) => this.memtable.get(key) as VectorRecord);
    return page.nextToken === undefined ? { vectors } : { vectors, nextToken: page.nextToken };
  }

  query(options: QueryOptions): QueryHit[] {
    this.assertUsable();
    if (options.vector.length !== this.index.dimension) {
      throw new RangeError(`query vector has ${options.vector.length} dimensions, the index ${this.index.dimension}`);
    }
    if (!Number.isInteger(options.topK) || options.topK < 1) throw new RangeError("topK must be a positive integer");
    const hits = scanTopK({
      arena: this.memtable.arena,
      slotKeys: this.memtable.slotKeys,
      slotMetadata: this.memtable.slotMetadata,
      metric: this.index.distanceMetric,
      vector: options.vector,
      topK: options.topK,
      ...(options.filter && { filter: options.filter }),
    });
    return hits.map(({ slot, distance }) => ({ record: this.memtable.recordAt(slot), distance }));
  }

  count(): number {
    this.assertUsable();
    return this.memtable.count;
  }

  /** Writes a checkpoint now (normally triggered by WAL size); resolves once it is durable. */
  async checkpoint(): Promise<void> {
    this.assertUsable();
    await this.checkpointer.checkpoint();
  }

  /** Waits for in-flight commits and checkpoints, then refuses calls with CLOSED. */
  async close(): Promise<void> {
    await this.settle("closed");
  }

  /** Like close, for an index removed from the catalog: later calls get NO_SUCH_INDEX. */
  async drop(): Promise<void> {
    await this.settle("dropped");
  }

  private async settle(status: Status): Promise<void> {
    if (this.status === "open") this.status = status;
    await this.wal.drain();
    await this.checkpointer.drain();
  }
}
