// A record source read and parsed in a worker thread (read-worker.ts), so that an import's reading
// runs beside its requests instead of between them: the thread that sends then only signs, encodes
// and writes. A 128-d JSON Lines record costs about 15 us to read and parse and about 30 us to send.
//
// The worker posts records in batches of BATCH_ITEMS, each with its vectors packed into one buffer
// that is transferred, not copied; a record's vector is a view of its batch's buffer. The worker
// runs at most CREDITS batches ahead of the records taken, which bounds the memory held. Errors of
// opening or reading reach the caller as they would in-process: from readInWorker, or from the loop.
import { Worker } from "node:worker_threads";
import type { VectorMetadata } from "@ossv/sdk";
import type { RecordSource, SourceItem } from "./records.ts";
import type { SourceSpec } from "./source-spec.ts";

export const BATCH_ITEMS = 500;
export const CREDITS = 4;

/** A record without its vector (`length` values, next in the batch's buffer), or a bad record. */
export type PackedItem =
  | { position: number; line: number; key: string; length: number; metadata?: VectorMetadata }
  | { position: number; line: number; error: string };

export type WorkerMessage =
  | { kind: "opened"; total?: number }
  | { kind: "batch"; items: PackedItem[]; vectors: Float32Array }
  | { kind: "end" }
  | { kind: "failed"; message: string };

/**
 * The worker's entry: the bundled one beside the built CLI, else (running from the TypeScript
 * sources) a starter that loads the TypeScript entry. The second URL is written without "./" so
 * that the build, which checks that every "./" file a bundle opens is in its output, skips it.
 */
const WORKER_ENTRY = import.meta.url.endsWith(".ts")
  ? new URL("read-worker-from-source.mjs", import.meta.url)
  : new URL("./read-worker.mjs", import.meta.url);

/**
 * The messages of a worker as a queue that can be awaited. The worker keeps the process alive only
 * while a message is awaited, so a source that is opened and then never read does not hold it.
 */
class Inbox {
  private readonly queue: (WorkerMessage | Error)[] = [];
  private waiting: (() => void) | undefined;

  constructor(private readonly worker: Worker) {
    worker.unref();
    worker.on("message", (message: WorkerMessage) => this.push(message));
    worker.on("error", (error: Error) => this.push(error));
    worker.on("exit", (code) => this.push(new Error(`the reading thread stopped (exit code ${code})`)));
  }

  private push(entry: WorkerMessage | Error): void {
    this.queue.push(entry);
    this.waiting?.();
  }

  async next(): Promise<WorkerMessage> {
    if (this.queue.length === 0) {
      this.worker.ref();
      while (this.queue.length === 0) await new Promise<void>((resolve) => (this.waiting = resolve));
      this.waiting = undefined;
      this.worker.unref();
    }
    const entry = this.queue.shift()!;
    if (entry instanceof Error) throw entry;
    if (entry.kind === "failed") throw new Error(entry.message);
    return entry;
  }
}

function unpack(items: PackedItem[], vectors: Float32Array): SourceItem[] {
  let offset = 0;
  return items.map((item): SourceItem => {
    if ("error" in item) return { ok: false, error: { position: item.position, line: item.line, message: item.error } };
    const data = vectors.subarray(offset, offset + item.length);
    offset += item.length;
    const { position, line, key, metadata } = item;
    return { ok: true, record: metadata !== undefined ? { position, line, key, data, metadata } : { position, line, key, data } };
  });
}

/** Opens `spec` in a worker thread; rejects as opening it here would (a missing file, a bad header). */
export async function readInWorker(spec: SourceSpec): Promise<RecordSource> {
  const worker = new Worker(WORKER_ENTRY, { workerData: spec });
  const inbox = new Inbox(worker);
  let opened: WorkerMessage;
  try {
    opened = await inbox.next();
  } catch (error) {
    void worker.terminate();
    throw error;
  }
  const total = opened.kind === "opened" ? opened.total : undefined;
  let started = false;
  return {
    ...(total !== undefined ? { total } : {}),
    async *[Symbol.asyncIterator]() {
      if (started) throw new Error("a source read in a worker can be iterated once");
      started = true;
      try {
        for (;;) {
          const message = await inbox.next();
          if (message.kind === "end") return;
          if (message.kind !== "batch") continue;
          worker.postMessage("more");
          yield* unpack(message.items, message.vectors);
        }
      } finally {
        await worker.terminate();
      }
    },
  };
}
