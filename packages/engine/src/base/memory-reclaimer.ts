// Giving back the memory of big buffers the engine has dropped, when nothing else would.
//
// Recovery reads each segment object whole, flushes and merges encode whole segments, graph builds
// hand back serialised graphs: hundreds of megabytes in ArrayBuffers that are garbage a moment later.
// V8 frees an ArrayBuffer's memory only in a full collection, and starts one only when JavaScript
// allocates; a server that has just recovered, or whose writes have stopped, allocates almost nothing,
// so the buffers stayed resident. Measured with a 200k x 128 index after a restart: 3.4 KB of RSS per
// vector, 1.6 KB once a full collection had run. So after such work the engine asks for one, a little
// later and coalesced with other requests, and seldom while busy (a full collection pauses the event
// loop for tens of milliseconds).
//
// The C heap keeps what graphs free, too: glibc holds freed blocks in its arenas for reuse, and
// graph builds, merges and int8 compaction free many small ones (hnswlib's upper-level link lists).
// After the collection the reclaimer also asks the C library to hand free memory back
// (@ossv/hnsw trimNativeHeap, glibc's malloc_trim): measured in-process after a 200k x 128 ingest,
// 180 MB of RSS, about 900 B per vector, came back that way. It waits a moment first: V8 frees the
// memory of collected array buffers on another thread after the collection returns, and a trim run
// before that finished kept it. Trimmed at once, a server after a 200k x 128 ingest kept 70-85 MB
// more in its C heap in three runs of four (bench/probe/server-memory.ts).
import { trimNativeHeap } from "@ossv/hnsw";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/** Quiet time after the last request before collecting: one collection for a burst of work. */
const SETTLE_MS = 1_000;
/** The longest a request waits while requests keep coming (a long ingest flushes every second or so). */
const MAX_WAIT_MS = 30_000;
/** From the collection to the trim: time for V8's sweeper to free the collected buffers. */
const TRIM_DELAY_MS = 1_000;

let collectGarbage: (() => void) | undefined | null = null;

/**
 * V8's full collection, or undefined where it cannot be had. Node exposes it only behind a flag; the
 * flag may be set at run time, and a new context then carries the function.
 */
export function fullCollection(): (() => void) | undefined {
  if (collectGarbage === null) {
    try {
      setFlagsFromString("--expose-gc");
      const gc: unknown = runInNewContext("gc");
      collectGarbage = typeof gc === "function" ? (gc as () => void) : undefined;
    } catch {
      collectGarbage = undefined;
    }
  }
  return collectGarbage;
}

export class MemoryReclaimer {
  private settleTimer: ReturnType<typeof setTimeout> | undefined;
  private trimTimer: ReturnType<typeof setTimeout> | undefined;
  private firstRequestAt: number | undefined;

  constructor(
    private readonly settleMs = SETTLE_MS,
    private readonly maxWaitMs = MAX_WAIT_MS,
    private readonly collect: (() => void) | undefined = fullCollection(),
    private readonly clock: () => number = () => performance.now(),
    private readonly trim: () => unknown = trimNativeHeap,
    private readonly trimDelayMs = TRIM_DELAY_MS,
  ) {}

  /** Notes that big buffers were just dropped; a full collection follows once things settle. */
  request(): void {
    if (!this.collect) return;
    const now = this.clock();
    this.firstRequestAt ??= now;
    clearTimeout(this.settleTimer);
    const wait = Math.max(0, Math.min(this.settleMs, this.firstRequestAt + this.maxWaitMs - now));
    this.settleTimer = setTimeout(() => this.run(), wait);
    this.settleTimer.unref(); // never what keeps a process alive
  }

  private run(): void {
    this.settleTimer = undefined;
    this.firstRequestAt = undefined;
    this.collect?.();
    clearTimeout(this.trimTimer);
    this.trimTimer = setTimeout(() => {
      this.trimTimer = undefined;
      this.trim();
    }, this.trimDelayMs);
    this.trimTimer.unref();
  }

  /** Drops a pending collection and trim (a closing engine has nothing left to give back). */
  cancel(): void {
    clearTimeout(this.settleTimer);
    clearTimeout(this.trimTimer);
    this.settleTimer = undefined;
    this.trimTimer = undefined;
    this.firstRequestAt = undefined;
  }
}

/** The process's one reclaimer: collections are process-wide, so requests from every index share it. */
export const memoryReclaimer = new MemoryReclaimer();
