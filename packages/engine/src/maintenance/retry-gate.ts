// What follows a failed background task: the failure is kept for describe() and reported (the
// collection's onBackgroundFailure, a line on stderr by default), and background work pauses before
// it is tried again, the pause doubling with each failure in a row (retryBaseMs up to retryMaxMs).
// Automatic tasks asked for during the pause wait behind this gate, so a failing disk is tried again
// after a growing pause, not on every write.
import {
  errorText, retryDelay, type BackgroundFailure, type BackgroundTask, type RetryPolicy, type TaskFailureReporter,
} from "../base/background-failures.ts";

export class RetryGate {
  /** The last failed task, kept after a retry succeeds (see background-failures.ts). */
  private lastFailure: BackgroundFailure | undefined;
  /** Set while waiting to retry after a failure; tasks asked for meanwhile wait in `deferred`. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly deferred = new Set<BackgroundTask>();

  constructor(
    private readonly policy: RetryPolicy,
    private readonly report: TaskFailureReporter,
    /** Asks for a task again once the pause is over. */
    private readonly reschedule: (task: BackgroundTask) => void,
  ) {}

  /** The last failed background task, if any has failed since the collection was opened. */
  get failure(): BackgroundFailure | undefined {
    return this.lastFailure;
  }

  /** While pausing after a failure, keeps `task` to be asked for when the pause ends, and says so. */
  defer(task: BackgroundTask): boolean {
    if (this.retryTimer === undefined) return false;
    this.deferred.add(task);
    return true;
  }

  /** A task succeeded: a failure of the same task is resolved. */
  succeeded(task: BackgroundTask): void {
    if (this.lastFailure?.task === task && !this.lastFailure.resolved) {
      this.lastFailure = { ...this.lastFailure, resolved: true, retryAt: null };
    }
  }

  /** Records and reports a failed task and, unless `closing`, tries background work again later. */
  failed(task: BackgroundTask, error: unknown, closing: boolean): void {
    const previous = this.lastFailure;
    const attempts = previous && !previous.resolved ? previous.attempts + 1 : 1;
    const retryInMs = closing ? null : retryDelay(this.policy, attempts);
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
      for (const next of tasks) this.reschedule(next);
    }, retryInMs);
    this.retryTimer.unref();
  }

  /**
   * Records and reports a failed task that is not tried again, and does not pause other work: one
   * whose next attempt would only find the same thing (a damaged segment's checksum).
   */
  failedForGood(task: BackgroundTask, error: unknown): void {
    const previous = this.lastFailure;
    const attempts = previous && !previous.resolved && previous.task === task ? previous.attempts + 1 : 1;
    this.lastFailure = { task, error: errorText(error), at: new Date().toISOString(), attempts, retryAt: null, resolved: false };
    this.report({ task, error, attempts, retryInMs: null });
  }

  /** No more retries (the collection is closing). */
  stop(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.deferred.clear();
  }
}
