// Probe: in-process engine query cost on a bench data set (no HTTP), to split time between the engine
// and the request path. Usage: [PROBE_DIR=DIR] [PROBE_QUANTIZATION=int8|off] npx tsx bench/probe/engine-query.ts [rows] [dimension]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFilter } from "@ossv/protocol";
import { openEngine } from "../../packages/engine/src/index.ts";
import { generateDataset, metadataOf, queryVector, rowOfKey, rowVector, vectorKey } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";
import { K, loadOrComputeTruth } from "../lib/ground-truth.ts";
import { SEARCH_TUNING } from "../../packages/engine/src/search/segment.ts";

const rows = Number(process.argv[2] ?? 200_000);
const dimension = Number(process.argv[3] ?? 128);
// The standard 200k data set's name and seed, so its cached ground truth (bench/.cache) is reused.
const data = generateDataset(datasetSpec(rows === 200_000 && dimension === 128 ? "std-200k-128" : `probe-${rows}-${dimension}`, rows, dimension, 300));
// PROBE_DIR keeps the data directory between runs (ingest and graph builds take a minute at 200k).
const keep = process.env.PROBE_DIR;
const dir = keep ?? (await mkdtemp(join(tmpdir(), "ossv-probe-")));
// PROBE_QUANTIZATION=int8|off|auto: where segments keep their vectors (default: the engine's auto).
const quantization = process.env.PROBE_QUANTIZATION as "int8" | "off" | "auto" | undefined;
const engine = await openEngine({ dataDir: dir, ...(quantization && { quantization }) });
const existing = engine.catalog.getIndex("a", "b", "i");
if (!existing) {
  await engine.catalog.createAccount("a");
  await engine.catalog.createBucket({ accountId: "a", name: "b", region: "r" });
  await engine.catalog.createIndex("a", "b", { name: "i", dimension, distanceMetric: "cosine", dataType: "float32", nonFilterableMetadataKeys: [] }, 100);
}
const index = engine.catalog.getIndex("a", "b", "i")!;
const collection = engine.collection(index);
let t = performance.now();
if (!existing) for (let start = 0; start < rows; start += 500) {
  const batch = [];
  for (let row = start; row < Math.min(rows, start + 500); row++) batch.push({ key: vectorKey(row), data: rowVector(data, row), metadata: metadataOf(data, row) });
  await collection.put(batch);
}
console.log(`put: ${((rows / (performance.now() - t)) * 1000).toFixed(0)} vectors/s`);
t = performance.now();
await new Promise((r) => setTimeout(r, 1500));
await collection.settleBackground();
console.log(`settle: ${((performance.now() - t) / 1000).toFixed(1)} s`, JSON.stringify(collection.describe()));
const truth = loadOrComputeTruth(data, new URL("../.cache", import.meta.url).pathname, console.log);
// PROBE_TUNING='{"minEf":16}' overrides engine search settings for an experiment.
Object.assign(SEARCH_TUNING, JSON.parse(process.env.PROBE_TUNING ?? "{}"));
for (const [name, json] of [["none", undefined], ["category", { category: { $eq: "c3" } }], ["tenant", { tenant: { $eq: "t42" } }]] as const) {
  const filter = json && parseFilter(json);
  // PROBE_QUERIES: timed queries per filter (default 300; paired comparisons want more).
  const n = Number(process.env.PROBE_QUERIES ?? 300);
  for (let q = 0; q < 20; q++) collection.query({ vector: queryVector(data, q), topK: 10, ...(filter && { filter }) });
  t = performance.now();
  for (let q = 0; q < n; q++) collection.query({ vector: queryVector(data, q % 300), topK: 10, ...(filter && { filter }) });
  const ms = (performance.now() - t) / n;
  let found = 0;
  for (let q = 0; q < 300; q++) {
    const hits = collection.query({ vector: queryVector(data, q), topK: K, ...(filter && { filter }) });
    const expected = new Set(truth[name][q]!.slice(0, K));
    found += hits.filter((hit) => expected.has(rowOfKey(hit.record.key))).length;
  }
  console.log(`${name}: ${ms.toFixed(3)} ms/query, ${(1000 / ms).toFixed(0)} q/s, recall@10 ${(found / (300 * K)).toFixed(3)}`);
}
await engine.close();
if (!keep) await rm(dir, { recursive: true, force: true });
