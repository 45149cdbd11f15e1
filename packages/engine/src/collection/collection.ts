// One vector index's data behind the Collection interface: WAL writer (durability, group commit),
// collection state (memtable + segments: lookups and queries), list pages (listing) and background
// work (bounded recovery, segment flushes, merges, compaction).
// Writes resolve once their WAL object is durable; they change memory only then, in WAL order, so
// reads see exactly the acknowledged writes.
import {
  logBackgroundFailure, type BackgroundFailure, type BackgroundFailureReporter, type TaskFailureReporter,
} from "../base/background-failures.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { totalMemory, type MemoryUse } from "../base/memory-use.ts";
import type { FencedError } from "../base/errors.ts";
import { BackgroundWork } from "../maintenance/background-work.ts";
import { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "../maintenance/policy.ts";
import type { CheckpointState } from "../maintenance/maintenance-context.ts";
import { CollectionLayout } from "../storage/collection-layout.ts";
import { FIRST_WAL_SEQ, recoverCollection, type RecoveredCollection } from "./collection-recovery.ts";
import { CollectionState } from "../state/collection-state.ts";
import { getRecords, listRecords, listStateKeys, queryState } from "./state-reads.ts";
import { decodeWalRecord, encodeWalRecord } from "../format/wal-format.ts";
import { WalWriter, type DurableBatch } from "./wal-writer.ts";
import { WriteGate } from "../maintenance/write-stall.ts";
import { FieldGraphBuilder } from "../search/field-graphs.ts";
import type { TextMatch } from "../text/bm25.ts";
import {
  EngineError,
  type Collection,
  type IndexRecord,
  type IndexStats,
  type ListKeysPage,
  type ListVectorsOptions,
  type ListVectorsPage,
  type FieldSearch,
  type LiveRowVisitor,
  type QueryHit,
  type QueryOptions,
  type VectorRecord,
} from "../base/types.ts";

type Status = "open" | "dropped" | "closed";

import type { SegmentSummary } from "../state/collection-state.ts";

export type { SegmentSummary };

/** A collection that is an index's writer on a shared store (docs/scale-out.md). */
export interface SharedWriterHooks {
  /** Called once when another node fenced this one: writes fail from then on; the owner steps down. */
  onFenced(error: FencedError): void;
}

/** What a collection tells its owner besides its answers. */
export interface CollectionHooks {
  /** Told of every failed background task; default: a line on stderr. */
  report?: BackgroundFailureReporter;
  /** Told how long each WAL object took to become durable, in milliseconds. */
  onWalSync?: (ms: number) => void;
}

export class DurableCollection implements Collection {
  private status: Status = "open";
  private readonly state: CollectionState;
  private readonly wal: WalWriter;
  private readonly background: BackgroundWork;
  /** Aborted by abandonBackground(): running and queued background work ends without committing. */
  private readonly abandonment = new AbortController();
  private readonly layout: CollectionLayout;
  /** What the manifest in force says (shared with the background work, which updates it). */
  private readonly checkpointState: CheckpointState;
  /** Writes in the order they were made, through the stall (maintenance/write-stall.ts). */
  private readonly writes: WriteGate;
  /** Builds a Fusion index's per-field graphs (search/field-graphs.ts); idle for other indexes. */
  private readonly fieldGraphs: FieldGraphBuilder;

  private constructor(
    store: BlobStore,
    readonly index: IndexRecord,
    recovered: RecoveredCollection,
    policy: CheckpointPolicy,
    hooks: CollectionHooks,
    shared?: SharedWriterHooks,
  ) {
    const layout = new CollectionLayout(index.id);
    const report = hooks.report ?? logBackgroundFailure;
    this.state = recovered.state;
    const onFenced = shared && ((error: FencedError) => shared.onFenced(error));
    this.wal = new WalWriter(store, layout, recovered.nextWalSeq, (batch) => this.applyDurable(batch), hooks.onWalSync, onFenced || undefined);
    const { manifestSeq, walFrom, walSizes, segmentIds, nextSegmentId, highestCheckpointNumber } = recovered;
    const checkpointState = { manifestSeq, walFrom, walSizes, segmentIds, nextSegmentId, highestCheckpointNumber };
    this.layout = layout;
    this.checkpointState = checkpointState;
    const commitCheckpoint = async (manifest: number, walFrom: number) => {
      await this.wal.append(encodeWalRecord({ type: "marker", marker: { checkpoint: { manifest, walFrom } } }, index.dimension));
    };
    const context = {
      store, layout, collection: this.state, nextWalSeq: () => this.wal.nextSeq, state: checkpointState,
      signal: this.abandonment.signal, ...(shared && { shared: { commitCheckpoint } }),
    };
    const reportTask: TaskFailureReporter = (event) => report({ indexId: index.id, indexName: index.name, bucket: index.bucket, ...event });
    this.fieldGraphs = new FieldGraphBuilder(this.state.fieldSpans, reportTask);
    // New segments (flushes, merges) get their field graphs once written; recovered ones from now.
    this.background = new BackgroundWork(context, policy, reportTask, () => this.fieldGraphs.request(this.state.segments));
    this.fieldGraphs.request(this.state.segments);
    this.writes = new WriteGate(
      () => this.background.writesStalled, (deadline) => this.background.roomForWrites(index.name, deadline), () => this.background.stallMs,
    );
  }

  /** Opens an index's collection, recovering it from the store. */
  static async open(
    store: BlobStore, index: IndexRecord, policy = DEFAULT_CHECKPOINT_POLICY, hooks: CollectionHooks = {},
  ): Promise<DurableCollection> {
    const recovered = await recoverCollection(store, new CollectionLayout(index.id), index);
    return new DurableCollection(store, index, recovered, policy, hooks);
  }

  /** The writer of an index on a shared store, from what shared-recovery.ts read after the fence. */
  static sharedWriter(
    store: BlobStore, index: IndexRecord, recovered: RecoveredCollection,
    policy: CheckpointPolicy, hooks: CollectionHooks, shared: SharedWriterHooks,
  ): DurableCollection {
    return new DurableCollection(store, index, recovered, policy, hooks, shared);
  }

  /** A collection for an index created in this process: nothing can be stored for its fresh id yet. */
  static createEmpty(
    store: BlobStore, index: IndexRecord, policy = DEFAULT_CHECKPOINT_POLICY, hooks: CollectionHooks = {},
  ): DurableCollection {
    const empty: RecoveredCollection = {
      state: new CollectionState(index),
      manifestSeq: 0,
      walFrom: FIRST_WAL_SEQ,
      nextWalSeq: FIRST_WAL_SEQ,
      walSizes: new Map(),
      segmentIds: new Set(),
      nextSegmentId: 1,
    };
    return new DurableCollection(store, index, empty, policy, hooks);
  }

  private assertUsable(): void {
    if (this.status === "closed") throw new EngineError("CLOSED", "the engine is closed");
    if (this.status === "dropped") throw new EngineError("NO_SUCH_INDEX", `vector index ${this.index.name} was deleted`);
  }

  private applyDurable(batch: DurableBatch): void {
    for (const encoded of batch.records) {
      const record = decodeWalRecord(encoded);
      this.state.apply(record);
    }
    this.background.noteWalObject(batch.seq, batch.objectBytes);
  }

  /**
   * Appends one encoded WAL record (encodeWalRecord, checked by the caller) and resolves with the
   * number of the WAL object that holds it, once durable: a write forwarded by another node.
   */
  async appendRecord(record: Uint8Array): Promise<number> {
    this.assertUsable();
    // A forwarded record is not decoded here: a delete among them waits for room as a put does.
    return await this.writes.run(true, () => this.appendNow(record));
  }

  /** Appends one encoded record to the WAL, unless the collection was closed or dropped meanwhile. */
  private appendNow(record: Uint8Array): Promise<number> {
    this.assertUsable();
    return this.wal.append(record);
  }

  /** The number of the last WAL object applied to memory (0 before the first). */
  get appliedSeq(): number {
    return this.wal.nextSeq - 1;
  }

  async put(vectors: VectorRecord[]): Promise<void> {
    this.assertUsable();
    if (vectors.length === 0) return;
    const record = encodeWalRecord({ type: "put", vectors }, this.index.dimension);
    await this.writes.run(true, () => this.appendNow(record));
  }

  async delete(keys: string[]): Promise<void> {
    this.assertUsable();
    if (keys.length === 0) return;
    // A delete adds no vector and never waits for room (an index must be able to shrink), only
    // behind a put made before it.
    const record = encodeWalRecord({ type: "delete", keys }, this.index.dimension);
    await this.writes.run(false, () => this.appendNow(record));
  }

  get(keys: string[]): VectorRecord[] {
    this.assertUsable();
    return getRecords(this.state, keys);
  }

  list(options: ListVectorsOptions): ListVectorsPage {
    this.assertUsable();
    return listRecords(this.state, this.index, options);
  }

  forEachLive(visit: LiveRowVisitor): void {
    this.assertUsable();
    this.state.forEachLive(visit);
  }

  forEachFieldCandidate(search: FieldSearch, visit: LiveRowVisitor): void {
    this.assertUsable();
    this.state.forEachFieldCandidate(search, visit);
  }

  textSearch(field: string, match: TextMatch, accept?: (key: string) => boolean): Map<string, number> {
    this.assertUsable();
    return this.state.textSearch(field, match, accept);
  }

  listKeys(options: ListVectorsOptions): ListKeysPage {
    this.assertUsable();
    return listStateKeys(this.state, options);
  }

  query(options: QueryOptions): QueryHit[] {
    this.assertUsable();
    return queryState(this.state, this.index, options);
  }

  count(): number {
    this.assertUsable();
    return this.state.count;
  }

  /** Writes a checkpoint now (normally triggered by WAL size); resolves once it is durable. */
  async checkpoint(): Promise<void> {
    this.assertUsable();
    await this.background.checkpoint();
  }

  /** Freezes the memtable into a segment with a graph now (normally triggered by its size). */
  async flush(): Promise<void> {
    this.assertUsable();
    await this.background.flush();
  }

  /** Merges all segments into one, dropping deleted rows (normally triggered automatically). */
  async compact(): Promise<void> {
    this.assertUsable();
    await this.background.compact();
  }

  /** The state's shape, for tests and diagnostics: segment sizes and whether their graphs are built. */
  describe(): {
    memtableRows: number; backgroundTasks: number; lastBackgroundFailure: BackgroundFailure | null; segments: SegmentSummary[];
    memory: MemoryUse & { total: number };
  } {
    const segments = this.state.segmentSummaries();
    const memory = this.state.memoryUse();
    return {
      memtableRows: this.state.memtable.count,
      backgroundTasks: this.background.pendingTasks,
      lastBackgroundFailure: this.background.failure ?? null,
      segments,
      memory: { ...memory, total: totalMemory(memory) },
    };
  }

  /** Counters for monitoring, O(segments); the caller adds storedBytes, which the store knows. */
  stats(): Omit<IndexStats, "storedBytes"> {
    const running = this.background.running ? 1 : 0;
    return {
      indexId: this.index.id, accountId: this.index.accountId, bucket: this.index.bucket, indexName: this.index.name,
      vectors: this.state.count,
      memtableRows: this.state.memtable.count,
      ...this.state.segmentCounts(),
      backgroundRunning: running,
      backgroundQueued: this.background.pendingTasks - running,
      backgroundFailing: this.background.failure !== undefined && !this.background.failure.resolved,
      memory: this.state.memoryUse(),
    };
  }

  /**
   * The objects that hold every write acknowledged so far: the manifest in force with its snapshot,
   * deletion object and segments, and the WAL from its walFrom up to the last durable object. Read
   * in one synchronous step, so it is one consistent moment; the caller must keep them from being
   * pruned (a checkpoint may supersede them at any later step). Empty for a collection that has
   * stored nothing yet.
   */
  storedObjects(): string[] {
    this.assertUsable();
    const { layout, checkpointState: state } = this;
    const names: string[] = [];
    if (state.manifestSeq > 0) {
      names.push(layout.manifestName(state.manifestSeq), layout.snapshotName(state.manifestSeq));
      if (state.segmentIds.size > 0) names.push(layout.deletesName(state.manifestSeq));
      for (const id of state.segmentIds) names.push(layout.segmentName(id));
    }
    for (let seq = state.walFrom; seq < this.wal.nextSeq; seq++) names.push(layout.walName(seq));
    return names;
  }

  /** Resolves once background flushes, checkpoints and compactions queued so far have finished. */
  async settleBackground(): Promise<void> {
    await this.background.drain();
  }

  /** Waits for in-flight commits and checkpoints, then refuses calls with CLOSED. */
  async close(): Promise<void> {
    await this.settle("closed");
  }

  /** Like close, for an index removed from the catalog: later calls get NO_SUCH_INDEX. */
  async drop(): Promise<void> {
    await this.settle("dropped");
  }

  /**
   * Ends background work at once instead of letting close() wait for it: a graph build is stopped,
   * queued tasks fail without writing, and no commit follows. Nothing acknowledged depends on that
   * work (the WAL holds every write), and what it had written is a leftover recovery removes; the
   * next open schedules the work again. Call close() afterwards as usual.
   */
  abandonBackground(): void {
    this.background.stop();
    this.fieldGraphs.stop();
    this.abandonment.abort(new EngineError("CLOSED", "background work was abandoned: the engine is closing"));
  }

  private async settle(status: Status): Promise<void> {
    if (this.status === "open") this.status = status;
    await this.wal.drain();
    this.background.stop();
    this.fieldGraphs.stop();
    await this.background.drain();
    // Refused from now on (assertUsable), so no reader is left for the segments' files.
    for (const segment of this.state.segments) segment.releaseLater();
  }
}
