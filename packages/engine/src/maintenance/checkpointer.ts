// Checkpoints bound WAL replay time; flushes and compactions turn rows into searchable segments. All
// three run one at a time in one queue and end the same way, with a commit: capture the state at WAL
// position walFrom synchronously (memtable rows as snapshot N, segment deletion bitmaps as deletion
// object N), create those, then manifest N `{snapshot, walFrom, segments, deletes}`, and only then
// delete what it made unnecessary (WAL objects below walFrom, the previous checkpoint's objects,
// segments merged away). Each step is a new numbered object, so a crash anywhere leaves either the old
// or the new manifest in force with every object it names still present.
//
// Segment objects are written before the manifest that first names them; graphs are built in a worker
// (hnsw-graph.ts) while queries and writes go on, and frozen rows stay searchable exactly meanwhile.
import {
  errorText, retryDelay, type BackgroundFailure, type BackgroundTask, type RetryPolicy, type TaskFailureReporter,
} from "../base/background-failures.ts";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import type { CollectionLayout } from "../storage/collection-layout.ts";
import type { CollectionState } from "../state/collection-state.ts";
import { baseFirst, graphBaseOf, mergeLiveRows, needsCompaction, pickSegments, type CompactionPolicy } from "./compaction.ts";
import { encodeDeletions } from "../format/deletion-format.ts";
import { CorruptionError } from "../base/errors.ts";
import { buildGraph, HnswGraph } from "../search/hnsw-graph.ts";
import { encodeManifest } from "../format/manifest.ts";
import type { Segment } from "../search/segment.ts";
import { encodeSegment } from "../format/segment-format.ts";
import { SerialQueue } from "../base/serial-queue.ts";
import { encodeSnapshotInSteps } from "../format/snapshot-format.ts";

export interface CheckpointPolicy extends CompactionPolicy, RetryPolicy {
  /** Checkpoint once this many WAL objects exist since the last checkpoint. */
  maxWalObjects: number;
  /** ... or once they hold this many bytes. */
  maxWalBytes: number;
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
  /**
   * A frozen memtable is merged at once into the largest written segment holding at most this many
   * times its rows (0: never), growing that segment's graph instead of building one of its own. A
   * graph grows by inserting the new rows, so a stream of writes ends as one graph paid for about
   * once, rather than as graphs per freeze that a later merge builds again from the start; the bound
   * keeps a small freeze from rewriting a much larger segment, so a row is rewritten a few times at most.
   */
  freezeMergeRatio: number;
  /**
   * After this long without writes (0: never), all segments are merged into one when they hold at
   * most `idleMergeMaxRows` live rows and the ones besides the largest hold at least
   * `idleMergeMinShare` of them. A query pays a graph search per segment, so the one graph of a
   * merged collection answers fastest; the share keeps a trickle of new rows from rebuilding a big
   * graph again and again.
   */
  idleMergeMs: number;
  idleMergeMaxRows: number;
  idleMergeMinShare: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  maxWalObjects: 256,
  maxWalBytes: 64 * 1024 * 1024,
  segmentRows: 32_768,
  segmentBytes: 8 * 1024 * 1024,
  idleFlushMs: 1000,
  idleFlushRows: 1024,
  freezeMergeRatio: 4,
  idleMergeMs: 10_000,
  idleMergeMaxRows: 2_000_000,
  idleMergeMinShare: 0.05,
  maxSegments: 8,
  maxDeletedFraction: 0.2,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
};

/** What the manifest in force says, and the WAL objects written since. */
export interface CheckpointState {
  manifestSeq: number;
  walFrom: number;
  walSizes: Map<number, number>;
  /** Ids of the segments the manifest in force names. */
  segmentIds: Set<number>;
  /** The next segment object id to use. */
  nextSegmentId: number;
}

/** "merge" is the idle merge: like an explicit compact(), all segments into one. */
type Task = BackgroundTask;

export class Checkpointer {
  private readonly queue = new SerialQueue();
  private readonly scheduled = new Set<Task>();
  private walBytes = 0;
  /**
   * Highest checkpoint number ever attempted. A failed attempt may have left its objects behind, so a
   * retry takes the next number instead of colliding; recovery removes the leftovers.
   */
  private lastAttempt = 0;
  /** Tasks queued or running; drain() waits until none are left, including ones queued meanwhile. */
  private pending = 0;
  /** Set by stop(): automatic tasks are no longer scheduled, and queued ones are skipped. */
  private stopped = false;
  /** The last failed task, kept after a retry succeeds (see background-failures.ts). */
  private lastFailure: BackgroundFailure | undefined;
  /**
   * Set while waiting to retry after a failure. Automatic tasks asked for meanwhile wait in `deferred`
   * for it, so a failing disk is tried again after a growing pause, not on every write.
   */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly deferred = new Set<Task>();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private idleMergeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly layout: CollectionLayout,
    private readonly collection: CollectionState,
    /** The next WAL number: memory holds exactly the WAL objects below it. */
    private readonly nextWalSeq: () => number,
    private readonly policy: CheckpointPolicy,
    private readonly state: CheckpointState,
    private readonly report: TaskFailureReporter,
  ) {
    for (const size of state.walSizes.values()) this.walBytes += size;
    // A recovered collection is as quiet as one whose writes just stopped: its memtable tail and
    // segments get the same idle flush and merge.
    this.armIdleTimers();
  }

  /** Called after each WAL commit (already applied to memory); schedules background work. */
  noteWalObject(seq: number, bytes: number): void {
    this.state.walSizes.set(seq, bytes);
    this.walBytes += bytes;
    if (this.memtableFull()) this.schedule("flush");
    const tooMany = this.state.walSizes.size >= this.policy.maxWalObjects;
    if (tooMany || this.walBytes >= this.policy.maxWalBytes) this.schedule("checkpoint");
    if (needsCompaction(this.collection.segments, this.policy)) this.schedule("compact");
    this.armIdleTimers();
  }

  /** (Re)starts the quiet-period timers after a write; see CheckpointPolicy.idleFlushMs and idleMergeMs. */
  private armIdleTimers(): void {
    if (this.stopped) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (this.collection.memtable.count >= this.policy.idleFlushRows) this.schedule("flush");
    }, this.policy.idleFlushMs);
    this.idleTimer.unref();
    if (this.policy.idleMergeMs <= 0) return;
    clearTimeout(this.idleMergeTimer);
    this.idleMergeTimer = setTimeout(() => {
      this.idleMergeTimer = undefined;
      // Judged when the task runs, after flushes queued before it have frozen their rows.
      this.schedule("merge");
    }, this.policy.idleMergeMs);
    this.idleMergeTimer.unref();
  }

  private worthMergingWhenIdle(): boolean {
    const segments = this.collection.segments;
    if (segments.length < 2) return false;
    const live = segments.map((segment) => segment.liveCount);
    const total = live.reduce((sum, rows) => sum + rows, 0);
    const others = total - Math.max(...live);
    return total <= this.policy.idleMergeMaxRows && others >= total * this.policy.idleMergeMinShare;
  }

  private memtableFull(): boolean {
    const { count, dimension } = this.collection.memtable;
    return count >= this.policy.segmentRows || count * dimension * 4 >= this.policy.segmentBytes;
  }

  private schedule(task: Task): void {
    if (this.scheduled.has(task) || this.stopped) return;
    if (this.retryTimer !== undefined) {
      this.deferred.add(task);
      return;
    }
    this.scheduled.add(task);
    // run() has recorded, reported and scheduled a retry of any failure; nobody else awaits this.
    this.run(task, true).catch(() => undefined);
  }

  private run(task: Task, automatic = false): Promise<void> {
    return this.enqueue(async () => {
      if (automatic) this.scheduled.delete(task);
      if (automatic && this.stopped) return;
      try {
        await this.perform(task, automatic);
      } catch (error) {
        this.noteFailure(task, error);
        throw error;
      }
      if (this.lastFailure?.task === task && !this.lastFailure.resolved) {
        this.lastFailure = { ...this.lastFailure, resolved: true, retryAt: null };
      }
      if (needsCompaction(this.collection.segments, this.policy)) this.schedule("compact");
    });
  }

  private async perform(task: Task, automatic: boolean): Promise<void> {
    if (task === "merge") {
      if (this.worthMergingWhenIdle()) await this.compactNow(true);
    } else if (task === "compact") await this.compactNow(!automatic);
    else await this.checkpointNow(task === "flush");
  }

  /** Records and reports a failed task and, unless closing, tries background work again later. */
  private noteFailure(task: Task, error: unknown): void {
    const previous = this.lastFailure;
    const attempts = previous && !previous.resolved ? previous.attempts + 1 : 1;
    const retryInMs = this.stopped ? null : retryDelay(this.policy, attempts);
    const now = Date.now();
    this.lastFailure = {
      task, error: errorText(error), at: new Date(now).toISOString(), attempts,
      retryAt: retryInMs === null ? null : new Date(now + retryInMs).toISOString(), resolved: false,
    };
    this.report({ task, error, attempts, retryInMs });
    if (retryInMs === null) return;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      const tasks = [task, ...this.deferred];
      this.deferred.clear();
      for (const next of tasks) this.schedule(next);
    }, retryInMs);
    this.retryTimer.unref();
  }

  /** The last failed background task, if any has failed since the collection was opened. */
  get failure(): BackgroundFailure | undefined {
    return this.lastFailure;
  }

  private async enqueue(task: () => Promise<void>): Promise<void> {
    this.pending++;
    try {
      await this.queue.run(task);
    } finally {
      this.pending--;
    }
  }

  /** Writes a checkpoint of the state as it is when the task starts (after queued tasks). */
  checkpoint(): Promise<void> {
    return this.run("checkpoint");
  }

  /** Freezes the memtable into a segment whatever its size, builds its graph and commits. */
  flush(): Promise<void> {
    return this.run("flush");
  }

  /** Merges every segment into one, dropping deleted rows, and commits. */
  compact(): Promise<void> {
    return this.run("compact");
  }

  /** Flushes, checkpoints, merges and compactions queued or running now. */
  get pendingTasks(): number {
    return this.pending;
  }

  /** Resolves once no task is queued or running, including automatic ones that tasks queued. */
  async drain(): Promise<void> {
    while (this.pending > 0) await this.queue.drain();
  }

  /** No more automatic work (the collection is closing); explicit tasks already queued still run. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.idleTimer);
    clearTimeout(this.idleMergeTimer);
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.deferred.clear();
  }

  private async checkpointNow(freeze: boolean): Promise<void> {
    if (this.collection.memtable.count > 0 && (freeze || this.memtableFull())) {
      const frozen = this.collection.freeze();
      const partner = frozen && this.freezePartner(frozen);
      if (frozen && partner) await this.mergeSegments([partner, frozen]);
    }
    await this.persistSegments();
    const unchanged = this.nextWalSeq() === this.state.walFrom && this.state.manifestSeq > 0 && this.sameSegments();
    if (!unchanged) await this.commit();
  }

  private sameSegments(): boolean {
    const segments = this.collection.segments;
    return segments.length === this.state.segmentIds.size && segments.every((segment) => this.state.segmentIds.has(segment.id));
  }

  /** The written segment a freeze is merged into (see CheckpointPolicy.freezeMergeRatio), if any. */
  private freezePartner(frozen: Segment): Segment | undefined {
    const limit = this.policy.freezeMergeRatio * frozen.rows;
    return graphBaseOf(this.collection.segments.filter((segment) => segment.id > 0 && segment.rows <= limit));
  }

  private async compactNow(everything: boolean): Promise<void> {
    await this.persistSegments();
    const chosen = pickSegments(this.collection.segments, this.policy, everything);
    if (chosen.length === 0) return;
    await this.mergeSegments(chosen);
    await this.commit();
  }

  /**
   * Copies the live rows of `chosen` into one new segment, written with its graph, and swaps it in.
   * The graph grows from one input's graph when one qualifies (graphBaseOf), so a merge costs the
   * insertions of its other inputs' rows only.
   */
  private async mergeSegments(chosen: readonly Segment[]): Promise<void> {
    const { dimension, nonFilterableMetadataKeys } = this.collection.index;
    const base = graphBaseOf(chosen);
    const merged = mergeLiveRows(baseFirst(chosen, base), dimension, nonFilterableMetadataKeys);
    if (merged.segment) await this.persistSegment(merged.segment, base?.graph);
    this.collection.replaceSegments(chosen, merged.segment, merged.sources);
  }

  /** Builds graphs for and writes every segment not written yet (new, or left by a failed task). */
  private async persistSegments(): Promise<void> {
    for (const segment of this.collection.segments) if (segment.id === 0) await this.persistSegment(segment);
  }

  /** Builds the segment's graph (growing `base`, whose rows come first, if given) and writes it. */
  private async persistSegment(segment: Segment, base?: HnswGraph): Promise<void> {
    const { distanceMetric: metric, dimension } = this.collection.index;
    if (!segment.pendingGraph) {
      segment.pendingGraph = await buildGraph({ metric, dimension, rows: segment.rows, vectors: segment.data, base });
      segment.attachGraph(await HnswGraph.load(segment.pendingGraph, metric, dimension, segment.rows));
    }
    const id = this.state.nextSegmentId++;
    const { bytes: graph, searchEf } = segment.pendingGraph;
    await this.create(this.layout.segmentName(id), await encodeSegment({ ...segment, graph, searchEf }));
    segment.id = id;
    segment.pendingGraph = undefined;
  }

  private async commit(): Promise<void> {
    // Captured synchronously: snapshot and deletions match exactly the WAL objects below walFrom.
    const walFrom = this.nextWalSeq();
    const segments = [...this.collection.segments];
    const memtable = this.collection.memtable.capture();
    const deletions = encodeDeletions(segments.map((segment) => ({ segmentId: segment.id, deleted: segment.deleted })));
    const count = this.collection.count;
    const seq = Math.max(this.state.manifestSeq, this.lastAttempt) + 1;
    this.lastAttempt = seq;
    await this.create(this.layout.snapshotName(seq), await encodeSnapshotInSteps(memtable, walFrom));
    if (segments.length > 0) await this.create(this.layout.deletesName(seq), deletions);
    const segmentIds = segments.map((segment) => segment.id);
    const deletes = segments.length > 0 ? seq : 0;
    await this.create(this.layout.manifestName(seq), encodeManifest({ seq, snapshot: seq, walFrom, count, segments: segmentIds, deletes }));
    const previous = { manifestSeq: this.state.manifestSeq, segmentIds: this.state.segmentIds };
    this.state.manifestSeq = seq;
    this.state.walFrom = walFrom;
    this.state.segmentIds = new Set(segmentIds);
    await this.prune(previous.manifestSeq, previous.segmentIds, walFrom);
  }

  private async create(name: string, bytes: BlobBody): Promise<void> {
    if (!(await this.store.createIfAbsent(name, bytes))) throw new CorruptionError(name, "exists already: another writer?");
  }

  /** Removes what the new manifest made unnecessary; a failure here only leaves garbage for recovery. */
  private async prune(previousManifest: number, previousSegments: Set<number>, walFrom: number): Promise<void> {
    for (const [seq, size] of [...this.state.walSizes]) {
      if (seq >= walFrom) continue;
      this.state.walSizes.delete(seq);
      this.walBytes -= size;
      await this.store.delete(this.layout.walName(seq));
    }
    if (previousManifest > 0) {
      await this.store.delete(this.layout.manifestName(previousManifest));
      await this.store.delete(this.layout.snapshotName(previousManifest));
      await this.store.delete(this.layout.deletesName(previousManifest));
    }
    for (const id of previousSegments) if (!this.state.segmentIds.has(id)) await this.store.delete(this.layout.segmentName(id));
  }
}
