// Probe: the engine's memory at rest, in-process (no HTTP), for quick comparisons between versions.
// The bench of record is `npm run bench` (memory_after_ingest, against raw hnswlib in the same run).
//
//   npx tsx --expose-gc bench/probe/memory-at-rest.ts ingest DIR [rows] [dimension]
//   npx tsx --expose-gc bench/probe/memory-at-rest.ts rest DIR
//
// `ingest` loads the bench's data set into a new engine at DIR, waits until its graphs are built and
// compacted into one segment, and closes. `rest` opens DIR in a fresh process and prints the resident
// memory the index adds once everything is loaded and collected, per vector, beside what the engine
// accounts for by part.
import v8 from "node:v8";
import { trimNativeHeap } from "@ossv/hnsw";
import { openEngine } from "../../packages/engine/src/index.ts";
import { generateDataset, metadataOf, rowVector, vectorKey } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";

const [mode, dir, rowsArg, dimensionArg] = process.argv.slice(2);
if ((mode !== "ingest" && mode !== "rest") || !dir) throw new Error("usage: memory-at-rest.ts ingest|rest DIR [rows] [dimension]");
// PROBE_QUANTIZATION=int8|off|auto: where segments keep their vectors at rest (default: the engine's auto).
const quantization = process.env.PROBE_QUANTIZATION as "int8" | "off" | "auto" | undefined;
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with --expose-gc");

async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return process.memoryUsage().rss;
}

if (mode === "ingest") {
  const rows = Number(rowsArg ?? 200_000);
  const dimension = Number(dimensionArg ?? 128);
  const data = generateDataset(datasetSpec(`probe-${rows}-${dimension}`, rows, dimension, 300));
  const before = await settledRss();
  const externalBefore = process.memoryUsage().external;
  const engine = await openEngine({ dataDir: dir, ...(quantization && { quantization }) });
  await engine.catalog.createAccount("a");
  await engine.catalog.createBucket({ accountId: "a", name: "b", region: "r" });
  await engine.catalog.createIndex("a", "b", { name: "i", dimension, distanceMetric: "cosine", dataType: "float32", nonFilterableMetadataKeys: [] }, 100);
  const collection = engine.collection(engine.catalog.getIndex("a", "b", "i")!);
  for (let start = 0; start < rows; start += 500) {
    const batch = [];
    for (let row = start; row < Math.min(rows, start + 500); row++) batch.push({ key: vectorKey(row), data: rowVector(data, row), metadata: metadataOf(data, row) });
    await collection.put(batch);
  }
  await collection.flush();
  await collection.compact();
  await collection.settleBackground();
  console.log(JSON.stringify(collection.describe()));
  // What the process still holds after its ingest, by where it lives: the bench's "after ingest" row
  // is this, through HTTP. Collected and trimmed as the server's reclaimer does once work settles.
  const rss = (await settledRss()) - before;
  trimNativeHeap();
  const heap = v8.getHeapStatistics();
  const { external, arrayBuffers } = process.memoryUsage();
  const perVector = (bytes: number) => Math.round(bytes / rows);
  const stats = engine.indexStats()[0]!;
  console.log(JSON.stringify({
    after_ingest_rss_bytes_per_vector: perVector(rss), after_trim_rss_bytes_per_vector: perVector(process.memoryUsage().rss - before),
    js_heap_used: perVector(heap.used_heap_size), js_heap_total: perVector(heap.total_heap_size), external_added: perVector(external - externalBefore), array_buffers: perVector(arrayBuffers),
    accounted: Object.fromEntries(Object.entries(stats.memory).map(([part, bytes]) => [part, perVector(bytes)])),
  }));
  await engine.close();
} else {
  const before = await settledRss();
  const started = performance.now();
  const engine = await openEngine({ dataDir: dir, ...(quantization && { quantization }) });
  const collection = await engine.readCollection(engine.catalog.getIndex("a", "b", "i")!);
  const opened = performance.now() - started;
  const rss = (await settledRss()) - before;
  const stats = engine.indexStats()[0]!;
  const perVector = (bytes: number) => Math.round(bytes / collection.count());
  const parts = Object.fromEntries(Object.entries(stats.memory).map(([part, bytes]) => [part, perVector(bytes)]));
  console.log(JSON.stringify({ vectors: collection.count(), open_s: +(opened / 1000).toFixed(2), rss_bytes_per_vector: perVector(rss), accounted_bytes_per_vector: parts }));
  await engine.close();
}
