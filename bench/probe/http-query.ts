// Probe: `ossv serve` in its own process driven through @ossv/sdk, as the bench does, but only ingest
// and queries, on a data directory that can be kept between runs (PROBE_DIR), for quick iteration on
// the request path. Usage: [PROBE_DIR=dir] [PROBE_CPU_PROF=dir] [PROBE_SERVER_ARGS="--quantization int8"]
// [PROBE_WARMUP=seconds] npx tsx bench/probe/http-query.ts [rows] [dimension]
import { mkdtemp, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient, VectorsClient } from "@ossv/sdk";
import { generateDataset, metadataOf, queryVector, rowOfKey, rowVector, vectorKey } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";
import { BENCH_ACCOUNT, startOssvServer } from "../systems/ossv-server.ts";
import { ossvFilter } from "../systems/ossv-calls.ts";

const rows = Number(process.argv[2] ?? 200_000);
const dimension = Number(process.argv[3] ?? 128);
const data = generateDataset(datasetSpec("probe", rows, dimension, 300));
const keep = process.env.PROBE_DIR;
const dir = keep ?? (await mkdtemp(join(tmpdir(), "ossv-probe-")));
const fresh = !existsSync(join(dir, "catalog"));
const server = await startOssvServer(dir, { args: (process.env.PROBE_SERVER_ARGS ?? "").split(" ").filter(Boolean) });
const endpoint = `http://127.0.0.1:${server.port}`;
const credentials = { accessKeyId: BENCH_ACCOUNT.accessKeyId, accessKeySecret: BENCH_ACCOUNT.accessKeySecret };
const client = new VectorsClient({ region: "cn-hangzhou", accountId: BENCH_ACCOUNT.accountId, endpoint, credentials, retry: false });
const admin = new AdminClient({ endpoint, region: "cn-hangzhou", credentials });
const target = { bucket: "bench", indexName: "main" };

async function runClients(clients: number, seconds: number, one: (i: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) await one(done++);
  }));
  return done / ((performance.now() - started) / 1000);
}

if (fresh) {
  await client.putVectorBucket({ bucket: "bench" });
  await client.putVectorIndex({ ...target, dataType: "float32", dimension, distanceMetric: "cosine" });
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let start = (next += 500) - 500; start < rows; start = (next += 500) - 500) {
      const batch = [];
      for (let row = start; row < Math.min(rows, start + 500); row++) batch.push({ key: vectorKey(row), data: { float32: rowVector(data, row) }, metadata: metadataOf(data, row) });
      await client.putVectors({ ...target, vectors: batch });
    }
  }));
  console.log(`ingest, 4 writers: ${(rows / ((performance.now() - started) / 1000)).toFixed(0)} vectors/s`);
}
// As the bench does: merge the segments into one graph before measuring (PROBE_NO_COMPACT=1 skips it).
if (!process.env.PROBE_NO_COMPACT) await admin.compactIndex("bench", "main");
for (;;) {
  const shape = (await admin.describeIndex("bench", "main")) as { memtableRows: number; segments: { rows: number; graph: boolean }[] };
  if (shape.segments.every((s) => s.graph) && shape.memtableRows < 1024) {
    console.log(`settled: ${shape.segments.map((s) => s.rows).join(", ")} rows in segments, ${shape.memtableRows} in the memtable`);
    break;
  }
  await new Promise((r) => setTimeout(r, 500));
}
const seconds = Number(process.env.PROBE_SECONDS ?? 3);
for (const kind of ["none", "category", "tenant"] as const) {
  const filter = ossvFilter(kind);
  const query = (i: number) => client.queryVectors({ ...target, queryVector: { float32: queryVector(data, i % 300) }, topK: 10, ...(filter && { filter }) })
    .then((answer) => answer.vectors.map((v) => rowOfKey(v.key)));
  await runClients(1, Number(process.env.PROBE_WARMUP ?? 0.3), query);
  const c1 = await runClients(1, seconds, query);
  const c8 = await runClients(8, seconds, query);
  console.log(`${kind}: c1 ${c1.toFixed(0)} q/s, c8 ${c8.toFixed(0)} q/s`);
}
await server.stop();
if (!keep) await rm(dir, { recursive: true, force: true });
