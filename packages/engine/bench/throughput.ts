// Rough engine throughput on this machine: durable put batches (sequential and concurrent, so group
// commit shows), exact query over N×128, reopen time. Run: npx tsx packages/engine/bench/throughput.ts
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFilter } from "@ossv/protocol";
import { openEngine, type DurableCollection, type IndexRecord, type VectorRecord } from "../src/index.ts";

const DIMENSION = 128;
const BATCH = 500;

function batch(start: number): VectorRecord[] {
  return Array.from({ length: BATCH }, (_, i) => {
    const data = new Float32Array(DIMENSION);
    for (let d = 0; d < DIMENSION; d++) data[d] = Math.sin((start + i) * 0.37 + d);
    return { key: `key-${start + i}`, data, metadata: { group: (start + i) % 10, title: "some text" } };
  });
}

async function timed(label: string, work: () => Promise<number>): Promise<void> {
  const started = performance.now();
  const count = await work();
  const seconds = (performance.now() - started) / 1000;
  console.log(`${label}: ${(count / seconds).toFixed(1)}/s (${count} in ${seconds.toFixed(2)} s)`);
}

async function measureWrites(collection: DurableCollection): Promise<void> {
  const batches = Array.from({ length: 40 }, (_, b) => batch(b * BATCH));
  await timed("put 500x128 batches, one at a time", async () => {
    for (const vectors of batches.slice(0, 20)) await collection.put(vectors);
    return 20;
  });
  await timed("put 500x128 batches, 20 concurrent", async () => {
    await Promise.all(batches.slice(20).map((vectors) => collection.put(vectors)));
    return 20;
  });
  const singles = batch(100_000).slice(0, 200);
  await timed("put single vectors, 200 concurrent", async () => {
    await Promise.all(singles.map((single) => collection.put([single])));
    return 200;
  });
}

async function measureQueries(collection: DurableCollection): Promise<void> {
  const query = batch(7)[0]?.data as Float32Array;
  await timed(`exact query top-10 over ${collection.count()}x128`, async () => {
    for (let q = 0; q < 100; q++) collection.query({ vector: query, topK: 10 });
    return 100;
  });
  await timed("exact query top-10, 10% filter", async () => {
    for (let q = 0; q < 100; q++) collection.query({ vector: query, topK: 10, filter: parseFilter({ group: { $eq: 3 } }) });
    return 100;
  });
}

async function measureReopen(dataDir: string, index: IndexRecord): Promise<void> {
  let started = performance.now();
  let engine = await openEngine({ dataDir });
  console.log(`reopen (WAL replay of ${engine.collection(index).count()} rows): ${(performance.now() - started).toFixed(0)} ms`);
  started = performance.now();
  await engine.collection(index).checkpoint();
  console.log(`checkpoint: ${(performance.now() - started).toFixed(0)} ms`);
  await engine.close();
  started = performance.now();
  engine = await openEngine({ dataDir });
  console.log(`reopen (from snapshot): ${(performance.now() - started).toFixed(0)} ms`);
  await engine.close();
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-bench-"));
  try {
    const engine = await openEngine({ dataDir });
    await engine.catalog.createAccount("1");
    await engine.catalog.createBucket({ accountId: "1", name: "b", region: "r" });
    const spec = { name: "i", dimension: DIMENSION, distanceMetric: "cosine" as const, dataType: "float32" as const };
    const index = await engine.catalog.createIndex("1", "b", { ...spec, nonFilterableMetadataKeys: [] }, 10);
    await measureWrites(engine.collection(index));
    await measureQueries(engine.collection(index));
    await engine.close();
    await measureReopen(dataDir, index);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
