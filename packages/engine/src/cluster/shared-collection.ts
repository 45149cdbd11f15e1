// One index on a shared store (docs/scale-out.md), as one node sees it: either this node is its
// writer (a DurableCollection that commits to the WAL, fenced by the store) or a reader (an
// IndexReader polling the store). Reads are answered from whichever state this node holds; writes go
// to the writer's WAL, here or through the writer's node. The role changes on a takeover (the writer
// is dead) and when this node finds itself fenced; both happen one at a time, in a queue.
import type { BlobStore } from "../storage/blob-store.ts";
import { SerialQueue } from "../base/serial-queue.ts";
import { FencedError } from "../base/errors.ts";
import { totalMemory } from "../base/memory-use.ts";
import { CollectionLayout } from "../storage/collection-layout.ts";
import { DurableCollection, type CollectionHooks } from "../collection/collection.ts";
import type { CheckpointPolicy } from "../maintenance/policy.ts";
import { getRecords, listRecords, listStateKeys, queryState } from "../collection/state-reads.ts";
import { encodeWalRecord } from "../format/wal-format.ts";
import { fenceAndRecover } from "./fence.ts";
import type { Liveness } from "./heartbeat.ts";
import { IndexReader } from "./index-reader.ts";
import { claimLease, newestLease, pruneLeases, type Lease, type NodeIdentity } from "./lease.ts";
import {
  EngineError, type Collection, type IndexRecord, type IndexStats, type ListKeysPage, type ListVectorsOptions, type ListVectorsPage,
  type FieldSearch, type LiveRowVisitor, type QueryHit, type QueryOptions, type VectorRecord,
} from "../base/types.ts";
import { FieldGraphBuilder } from "../search/field-graphs.ts";
import type { TextMatch } from "../text/bm25.ts";

/** Segment ids carry the writer's epoch, so no two writers ever make the same segment name. */
export const SEGMENT_IDS_PER_EPOCH = 1_000_000_000;

/** What forwarding a write found: the writer's WAL number, or that the node asked is not the writer. */
export class NotWriterError extends Error {
  constructor(message = "this node is not the index's writer") {
    super(message);
    this.name = "NotWriterError";
  }
}

/** What every index of one node shares. */
export interface ClusterContext {
  readonly store: BlobStore;
  readonly me: NodeIdentity;
  readonly liveness: Liveness;
  readonly policy: CheckpointPolicy;
  readonly hooks: CollectionHooks;
  readonly pollMs: number;
  /** ClusterOptions.idleAfterMs: polling of an index stops this long after its last use here. */
  readonly idleAfterMs: number;
  /** The clock idleness is measured by, in ms (default performance.now; tests move their own). */
  readonly now?: () => number;
  /**
   * Sends an encoded WAL record to the writer at `url`; resolves with the number of the WAL object
   * holding it. Throws NotWriterError when that node is not the writer (any more), any other error
   * when the outcome is unknown or the node is unreachable.
   */
  forward(url: string, indexId: string, record: Uint8Array): Promise<number>;
}

type Role = { kind: "reader"; reader: IndexReader } | { kind: "writer"; writer: DurableCollection; lease: Lease };

const unavailable = (why: string) => new EngineError("UNAVAILABLE", `the index's writer is unavailable: ${why}; retry`);

export class SharedCollection implements Collection {
  private role: Role;
  private readonly layout: CollectionLayout;
  private readonly changes = new SerialQueue();
  private timer: ReturnType<typeof setInterval> | undefined;
  private status: "open" | "closed" | "dropped" = "open";
  /** Take the index at the next look whoever holds it (ClusterOptions.takeover); cleared by the takeover. */
  private takeOverNext = false;
  /** When a request last used the index through this node (opening counts). */
  private lastUsedAt: number;
  /**
   * A Fusion index's per-field graphs of the segments this node reads (search/field-graphs.ts); a
   * writer builds its own. Reloads keep the segments they still name, and with them their graphs.
   */
  private readonly readerFieldGraphs: FieldGraphBuilder;

  private constructor(private readonly context: ClusterContext, readonly index: IndexRecord, reader: IndexReader) {
    this.lastUsedAt = this.now();
    this.layout = new CollectionLayout(index.id);
    this.role = { kind: "reader", reader };
    this.startPolling();
    const { report } = context.hooks;
    this.readerFieldGraphs = new FieldGraphBuilder(reader.state.fieldSpans, (event) => report?.({
      ...event, indexId: index.id, indexName: index.name, bucket: index.bucket,
    }));
    this.readerFieldGraphs.request(reader.state.segments);
  }

  /**
   * A reader of an index with stored data; with `takeOver`, one that takes the index at its first
   * look even from a writer that looks alive (ClusterOptions.takeover).
   */
  static async open(context: ClusterContext, index: IndexRecord, options: { takeOver?: boolean } = {}): Promise<SharedCollection> {
    const collection = new SharedCollection(context, index, await IndexReader.open(context.store, new CollectionLayout(index.id), index));
    collection.takeOverNext = options.takeOver ?? false;
    return collection;
  }

  /** A reader of an index this node created a moment ago. */
  static created(context: ClusterContext, index: IndexRecord): SharedCollection {
    return new SharedCollection(context, index, IndexReader.empty(context.store, new CollectionLayout(index.id), index));
  }

  get isWriter(): boolean {
    return this.role.kind === "writer";
  }

  /**
   * A reader polls while the index is in use here; an idle one is left alone (each poll is a request
   * the store bills, docs/scale-out.md#costs-of-polling) until freshen() or a write wakes it.
   */
  private startPolling(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      if (this.role.kind === "reader" && !this.idle) this.role.reader.poll().catch((error: unknown) => this.reportPoll(error));
    }, this.context.pollMs);
    this.timer.unref();
  }

  private now(): number {
    return this.context.now?.() ?? performance.now();
  }

  /** No request has used the index through this node for ClusterContext.idleAfterMs. */
  get idle(): boolean {
    return this.now() - this.lastUsedAt > this.context.idleAfterMs;
  }

  /**
   * Called before a read (OssvEngine.readCollection): marks the index in use, and when it was idle, looks at
   * the store first, so the read sees every write acknowledged before it arrived: a writer looks at
   * its lease (the cluster's tick skips idle indexes, so another node may have taken this one
   * meanwhile: then it steps down and reads the index afresh), a reader at the WAL. A look that
   * fails fails the read (the store is unreachable): stale answers are not given silently.
   */
  async freshen(): Promise<void> {
    const wasIdle = this.idle;
    this.lastUsedAt = this.now();
    if (!wasIdle) return;
    try {
      if (this.role.kind === "writer") await this.maintain();
      const role = this.role;
      // Thorough: while idle, a checkpoint may have pruned WAL objects this node never read.
      if (role.kind === "reader") await role.reader.poll(true);
    } catch (error) {
      // The read cannot be answered fresh: a 503 the client retries, not stale data. The next read
      // looks again, since the index is not in use until a look succeeds.
      this.lastUsedAt = Number.NEGATIVE_INFINITY;
      throw new EngineError("UNAVAILABLE", `the object store could not be read (${(error as Error).message}); retry`);
    }
  }

  private reportPoll(error: unknown): void {
    this.context.hooks.report?.({
      task: "poll", indexId: this.index.id, indexName: this.index.name, bucket: this.index.bucket, error,
      attempts: 1, retryInMs: this.context.pollMs,
    });
  }

  private assertUsable(): void {
    if (this.status === "closed") throw new EngineError("CLOSED", "the engine is closed");
    if (this.status === "dropped") throw new EngineError("NO_SUCH_INDEX", `vector index ${this.index.name} was deleted`);
  }

  // ---- writes ----

  async put(vectors: VectorRecord[]): Promise<void> {
    this.assertUsable();
    if (vectors.length === 0) return;
    await this.append(encodeWalRecord({ type: "put", vectors }, this.index.dimension));
  }

  async delete(keys: string[]): Promise<void> {
    this.assertUsable();
    if (keys.length === 0) return;
    await this.append(encodeWalRecord({ type: "delete", keys }, this.index.dimension));
  }

  /**
   * Appends an encoded record to the index's WAL: here when this node is the writer, else through
   * the writer's node, and then waits until this node has applied it. Resolves with its WAL number.
   */
  async append(record: Uint8Array): Promise<number> {
    this.lastUsedAt = this.now();
    for (let attempt = 0; attempt < 3; attempt++) {
      const role = this.role;
      if (role.kind === "writer") {
        try {
          return await role.writer.appendRecord(record);
        } catch (error) {
          // Fenced: nothing of this object was acknowledged; send the record to the new writer.
          if (!(error instanceof FencedError)) throw error;
          await this.changes.drain();
          continue;
        }
      }
      const lease = await this.writerLease();
      if (lease.node === this.context.me.node) continue;
      let seq: number;
      try {
        seq = await this.context.forward(lease.url, this.index.id, record);
      } catch (error) {
        if (error instanceof NotWriterError) continue;
        throw error;
      }
      if (this.role.kind === "reader") await this.role.reader.catchUp(seq);
      return seq;
    }
    throw unavailable("the writer changed while the write was under way");
  }

  /** Appends a record forwarded by another node; NotWriterError when this node is not the writer. */
  async appendForwarded(record: Uint8Array): Promise<number> {
    this.assertUsable();
    const role = this.role;
    if (role.kind !== "writer") throw new NotWriterError();
    try {
      return await role.writer.appendRecord(record);
    } catch (error) {
      if (error instanceof FencedError) throw new NotWriterError(error.message);
      throw error;
    }
  }

  /** The lease of the writer to send writes to; takes the index first when it has no live writer. */
  private async writerLease(): Promise<Lease> {
    await this.changes.drain();
    let lease = await newestLease(this.context.store, this.layout);
    if (this.shouldTake(lease)) {
      await this.changes.run(() => this.takeOver(lease));
      lease = await newestLease(this.context.store, this.layout);
    }
    if (lease === undefined) throw unavailable("no node could take the index");
    if (lease.node !== this.context.me.node && !this.context.liveness.isAlive(lease.node)) throw unavailable("its node is not alive");
    return lease;
  }

  /**
   * Called every cluster tick while the index is in use here (OssvEngine skips idle ones, whose next
   * request looks first: freshen, or a write's writerLease): takes the index when its writer is dead,
   * steps down when another took it.
   */
  async maintain(): Promise<void> {
    if (this.status !== "open") return;
    const lease = await newestLease(this.context.store, this.layout);
    const role = this.role;
    if (role.kind === "writer") {
      if (lease !== undefined && lease.epoch > role.lease.epoch) await this.changes.run(() => this.stepDown());
      return;
    }
    if (this.shouldTake(lease)) await this.changes.run(() => this.takeOver(lease));
  }

  /**
   * A reader takes the index when it has no writer, its writer is dead, or it was told to at start;
   * and when the newest lease is its own: a takeover of this node failed after claiming it, and no
   * other node would take the index from a node that is alive.
   */
  private shouldTake(lease: Lease | undefined): boolean {
    if (this.takeOverNext || lease === undefined || !this.context.liveness.isAlive(lease.node)) return true;
    return lease.node === this.context.me.node && this.role.kind === "reader";
  }

  /** Claims the next lease, fences the WAL, recovers and becomes the writer; nothing if another node won. */
  private async takeOver(seen: Lease | undefined): Promise<void> {
    if (this.status !== "open" || this.role.kind === "writer") {
      this.takeOverNext = false;
      return;
    }
    const { store, me, policy, hooks } = this.context;
    const lease = await claimLease(store, this.layout, seen?.epoch ?? 0, me);
    // Cleared once a claim was decided, won or not (a claim that failed is tried again at the next
    // look); a look that decided to take the index meanwhile queues behind this one and finds it done.
    this.takeOverNext = false;
    if (lease === undefined) return;
    const { recovered, leases } = await fenceAndRecover(store, this.layout, lease, this.index);
    // A newer lease appeared before this node's fence was made: its node takes the index.
    if (recovered === undefined) return;
    recovered.nextSegmentId = Math.max(recovered.nextSegmentId, lease.epoch * SEGMENT_IDS_PER_EPOCH + 1);
    const writer = DurableCollection.sharedWriter(store, this.index, recovered, policy, hooks, {
      onFenced: () => void this.changes.run(() => this.stepDown()).catch(() => undefined),
    });
    if (this.status !== "open") {
      await writer.close();
      return;
    }
    this.role = { kind: "writer", writer, lease };
    // With the fence's listing of the leases: deletes only every LEASES_KEPT takeovers, and a failure
    // is reported and tried again at the next takeover.
    await pruneLeases(store, this.layout, lease.epoch, leases).catch((error: unknown) => this.context.hooks.report?.({
      task: "prune leases", indexId: this.index.id, indexName: this.index.name, bucket: this.index.bucket, error, attempts: 1, retryInMs: null,
    }));
  }

  /** Another node took the index: read it again from the store, then let the old writer go. */
  private async stepDown(): Promise<void> {
    const role = this.role;
    if (role.kind !== "writer") return;
    const reader = await IndexReader.open(this.context.store, this.layout, this.index);
    this.role = { kind: "reader", reader };
    role.writer.abandonBackground();
    await role.writer.close();
  }

  // ---- reads ----

  get(keys: string[]): VectorRecord[] {
    this.assertUsable();
    const role = this.role;
    return role.kind === "writer" ? role.writer.get(keys) : getRecords(role.reader.state, keys);
  }

  list(options: ListVectorsOptions): ListVectorsPage {
    this.assertUsable();
    const role = this.role;
    return role.kind === "writer" ? role.writer.list(options) : listRecords(role.reader.state, this.index, options);
  }

  forEachLive(visit: LiveRowVisitor): void {
    this.assertUsable();
    const role = this.role;
    if (role.kind === "writer") role.writer.forEachLive(visit);
    else role.reader.state.forEachLive(visit);
  }

  forEachFieldCandidate(search: FieldSearch, visit: LiveRowVisitor): void {
    this.assertUsable();
    const role = this.role;
    if (role.kind === "writer") {
      role.writer.forEachFieldCandidate(search, visit);
      return;
    }
    role.reader.state.forEachFieldCandidate(search, visit);
    // Segments a reload brought are met here first: their graphs come for the queries after.
    this.readerFieldGraphs.request(role.reader.state.segments);
  }

  textSearch(field: string, match: TextMatch, accept?: (key: string) => boolean): Map<string, number> {
    this.assertUsable();
    const role = this.role;
    return role.kind === "writer" ? role.writer.textSearch(field, match, accept) : role.reader.state.textSearch(field, match, accept);
  }

  listKeys(options: ListVectorsOptions): ListKeysPage {
    this.assertUsable();
    const role = this.role;
    return role.kind === "writer" ? role.writer.listKeys(options) : listStateKeys(role.reader.state, options);
  }

  query(options: QueryOptions): QueryHit[] {
    this.assertUsable();
    const role = this.role;
    return role.kind === "writer" ? role.writer.query(options) : queryState(role.reader.state, this.index, options);
  }

  count(): number {
    this.assertUsable();
    const role = this.role;
    return role.kind === "writer" ? role.writer.count() : role.reader.state.count;
  }

  async compact(): Promise<void> {
    await this.writerOnly("compaction").compact();
  }

  /** Writes a checkpoint now, as DurableCollection.checkpoint (tests and diagnostics); writer only. */
  async checkpoint(): Promise<void> {
    await this.writerOnly("a checkpoint").checkpoint();
  }

  /** Freezes the memtable into a segment now, as DurableCollection.flush; writer only. */
  async flush(): Promise<void> {
    await this.writerOnly("a flush").flush();
  }

  private writerOnly(what: string): DurableCollection {
    this.assertUsable();
    const role = this.role;
    if (role.kind !== "writer") throw unavailable(`${what} runs on the index's writer, which is another node`);
    return role.writer;
  }

  describe(): ReturnType<Collection["describe"]> {
    const role = this.role;
    if (role.kind === "writer") return role.writer.describe();
    const { state } = role.reader;
    const memory = state.memoryUse();
    return {
      memtableRows: state.memtable.count, backgroundTasks: 0, lastBackgroundFailure: null, segments: state.segmentSummaries(),
      memory: { ...memory, total: totalMemory(memory) },
    };
  }

  stats(): Omit<IndexStats, "storedBytes"> {
    const role = this.role;
    if (role.kind === "writer") return role.writer.stats();
    const { state } = role.reader;
    return {
      indexId: this.index.id, accountId: this.index.accountId, bucket: this.index.bucket, indexName: this.index.name,
      vectors: state.count, memtableRows: state.memtable.count, ...state.segmentCounts(),
      backgroundRunning: 0, backgroundQueued: 0, backgroundFailing: false, memory: state.memoryUse(),
    };
  }

  storedObjects(): string[] {
    throw new EngineError("UNAVAILABLE", "backups of a shared object store are not supported: copy the bucket instead");
  }

  abandonBackground(): void {
    if (this.role.kind === "writer") this.role.writer.abandonBackground();
  }

  async close(): Promise<void> {
    await this.settle("closed");
  }

  /** The index was deleted from the catalog: stop, and remove what this node's writer may have added. */
  async drop(): Promise<void> {
    const wasWriter = this.role.kind === "writer";
    await this.settle("dropped");
    if (wasWriter) await this.context.store.deletePrefix(this.layout.root);
  }

  private async settle(status: "closed" | "dropped"): Promise<void> {
    if (this.status === "open") this.status = status;
    clearInterval(this.timer);
    this.readerFieldGraphs.stop();
    await this.changes.drain();
    if (this.role.kind === "writer") await (status === "dropped" ? this.role.writer.drop() : this.role.writer.close());
    else for (const segment of this.role.reader.state.segments) segment.releaseLater();
  }
}
