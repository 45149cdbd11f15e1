// A collection's background work, what the collection talks to: it notes each WAL commit, decides
// which task is due (flush.ts, checkpoint.ts, compaction.ts, and merge.ts after a quiet period), and
// runs the tasks one at a time in one queue, since each ends with a commit that takes the next
// checkpoint number. A failed task goes to the retry gate (retry-gate.ts). drain() and stop() let the
// collection wait for the work and end it when closing; the context's signal abandons it instead.
import type { BackgroundFailure, BackgroundTask, TaskFailureReporter } from "../base/background-failures.ts";
import { CorruptionError } from "../base/errors.ts";
import { memoryReclaimer } from "../base/memory-reclaimer.ts";
import { SerialQueue } from "../base/serial-queue.ts";
import { Checkpointer } from "./checkpoint.ts";
import { needsCompaction, runCompaction } from "./compaction.ts";
import { idleFlushDue, memtableFull } from "./flush.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";
import { worthMergingWhenIdle } from "./merge.ts";
import type { CheckpointPolicy } from "./policy.ts";
import { RetryGate } from "./retry-gate.ts";
import { verificationDue, verifySegments } from "./verify.ts";
import { roomForWrites, writesStalled } from "./write-stall.ts";


export class BackgroundWork {
  private readonly queue = new SerialQueue();
  private readonly scheduled = new Set<BackgroundTask>();
  private readonly checkpointer: Checkpointer;
  private readonly gate: RetryGate;
  /** Tasks queued or running; drain() waits until none are left, including ones queued meanwhile. */
  private pending = 0;
  /** Whether a task is running now (the queue runs one at a time). */
  private active = false;
  /** Set by stop(): automatic tasks are no longer scheduled, and queued ones are skipped. */
  private stopped = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private idleMergeTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly context: MaintenanceContext,
    private readonly policy: CheckpointPolicy,
    report: TaskFailureReporter,
    /** Called after each task that succeeded: the segments may have changed. */
    private readonly afterTask: () => void = () => undefined,
  ) {
    this.checkpointer = new Checkpointer(context, policy);
    this.gate = new RetryGate(policy, report, (task) => this.schedule(task));
    // A recovered collection is as quiet as one whose writes just stopped: its memtable tail and
    // segments get the same idle flush and merge.
    this.armIdleTimers();
    // Segments opened from their files without reading them whole have their bodies checked now.
    if (verificationDue(context)) this.schedule("verify");
  }

  /** Called after each WAL commit (already applied to memory); schedules background work. */
  noteWalObject(seq: number, bytes: number): void {
    const checkpointDue = this.checkpointer.noteWalObject(seq, bytes);
    if (memtableFull(this.context.collection, this.policy)) this.schedule("flush");
    if (checkpointDue) this.schedule("checkpoint");
    if (needsCompaction(this.context.collection.segments, this.policy)) this.schedule("compact");
    this.armIdleTimers();
  }

  /** (Re)starts the quiet-period timers after a write; see CheckpointPolicy.idleFlushMs and idleMergeMs. */
  private armIdleTimers(): void {
    if (this.stopped) return;
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      if (idleFlushDue(this.context.collection, this.policy)) this.schedule("flush");
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

  private schedule(task: BackgroundTask): void {
    if (this.scheduled.has(task) || this.stopped) return;
    if (this.gate.defer(task)) return;
    this.scheduled.add(task);
    // run() has recorded, reported and scheduled a retry of any failure; nobody else awaits this.
    this.run(task, true).catch(() => undefined);
  }

  private run(task: BackgroundTask, automatic = false): Promise<void> {
    return this.enqueue(async () => {
      if (automatic) this.scheduled.delete(task);
      if (automatic && this.stopped) return;
      try {
        await this.perform(task, automatic);
      } catch (error) {
        // Abandoned on purpose (the collection is closing without waiting): not a failure to report.
        if (this.context.signal.aborted) throw error;
        // Damage found by a verification is reported once, not retried: reading the object again
        // finds the same damage, and the pause after a failure would hold back flushes and checkpoints.
        if (task === "verify" && error instanceof CorruptionError) this.gate.failedForGood(task, error);
        else this.gate.failed(task, error, this.stopped);
        throw error;
      } finally {
        // Every task encodes or drops whole snapshots, segments or graphs (base/memory-reclaimer.ts).
        memoryReclaimer.request();
      }
      this.gate.succeeded(task);
      this.afterTask();
      if (needsCompaction(this.context.collection.segments, this.policy)) this.schedule("compact");
    });
  }

  private async perform(task: BackgroundTask, automatic: boolean): Promise<void> {
    if (task === "verify") await verifySegments(this.context);
    else if (task === "merge") {
      if (worthMergingWhenIdle(this.context.collection.segments, this.policy)) await this.runCompaction(true);
    } else if (task === "compact") await this.runCompaction(!automatic);
    else await this.checkpointer.checkpoint(task === "flush");
  }

  private runCompaction(everything: boolean): Promise<void> {
    return runCompaction(this.context, this.policy, this.checkpointer, everything);
  }

  private async enqueue(task: () => Promise<void>): Promise<void> {
    this.pending++;
    try {
      await this.queue.run(async () => {
        this.active = true;
        try {
          await task();
        } finally {
          this.active = false;
        }
      });
    } finally {
      this.pending--;
    }
  }

  /** The last failed background task, if any has failed since the collection was opened. */
  get failure(): BackgroundFailure | undefined {
    return this.gate.failure;
  }

  /** Whether too many rows wait for a graph for a put to go ahead now (write-stall.ts). */
  get writesStalled(): boolean {
    return writesStalled(this.context.collection, this.policy);
  }

  /** Resolves once builds have made room for a put, or throws UNAVAILABLE when none was made in time. */
  roomForWrites(indexName: string, deadline: number): Promise<void> {
    return roomForWrites(this.context.collection, this.policy, () => this.schedule("flush"), indexName, deadline);
  }

  get stallMs(): number {
    return this.policy.stallMs;
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

  /** Whether one of them is running now (the rest of pendingTasks are waiting their turn). */
  get running(): boolean {
    return this.active;
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
    this.gate.stop();
  }
}
