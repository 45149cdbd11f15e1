// The reading thread of read-in-worker.ts: opens the source its parent names, reads and parses it,
// and posts the records in batches, each batch's vectors packed into one transferred buffer. It
// stays at most CREDITS batches ahead of what the parent has taken (a credit per batch taken).
//
// Messages out: { kind: "opened", total? }, then { kind: "batch", items, vectors }, then { kind: "end" };
// or { kind: "failed", message } at any point. Messages in: "more" (one credit).
import { parentPort, workerData } from "node:worker_threads";
import { openSource, type SourceSpec } from "./source-spec.ts";
import type { SourceItem } from "./records.ts";
import { BATCH_ITEMS, CREDITS, type PackedItem, type WorkerMessage } from "./read-in-worker.ts";

const port = parentPort!;
let credits = CREDITS;
let wake: (() => void) | undefined;
port.on("message", () => {
  credits++;
  wake?.();
});

async function creditFor(): Promise<void> {
  while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
  wake = undefined;
  credits--;
}

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/** Packs a batch: items without their vectors, the vectors back to back in one buffer. */
function pack(items: SourceItem[]): { packed: PackedItem[]; vectors: Float32Array<ArrayBuffer> } {
  let values = 0;
  for (const item of items) if (item.ok) values += item.record.data.length;
  const vectors = new Float32Array(values);
  let offset = 0;
  const packed = items.map((item): PackedItem => {
    if (!item.ok) return { position: item.error.position, line: item.error.line, error: item.error.message };
    const { position, line, key, data, metadata } = item.record;
    vectors.set(data, offset);
    offset += data.length;
    return { position, line, key, length: data.length, ...(metadata !== undefined ? { metadata } : {}) };
  });
  return { packed, vectors };
}

async function run(): Promise<void> {
  const source = await openSource(workerData as SourceSpec);
  post({ kind: "opened", ...(source.total !== undefined ? { total: source.total } : {}) });
  let batch: SourceItem[] = [];
  const flush = async () => {
    await creditFor();
    const { packed, vectors } = pack(batch);
    batch = [];
    post({ kind: "batch", items: packed, vectors }, [vectors.buffer]);
  };
  for await (const item of source) {
    batch.push(item);
    if (batch.length === BATCH_ITEMS) await flush();
  }
  if (batch.length > 0) await flush();
  post({ kind: "end" });
}

run().catch((error: unknown) => post({ kind: "failed", message: error instanceof Error ? error.message : String(error) }));
