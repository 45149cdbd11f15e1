// Large-K queries (S3 Vectors allows topK up to 10,000): time per query and recall against brute force
// for K from 10 to 10,000, unfiltered and under filters of several selectivities, on segments with
// graphs plus a memtable. Run: [BENCH_SEARCH=exact|graph] npx tsx packages/engine/bench/large-topk.ts [rows] [dimension]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseS3VectorsFilter, type FilterNode } from "@ossv/protocol";
import { openEngine, type VectorRecord } from "../src/index.ts";
import { seededRandom } from "../src/base/seeded-random.mjs";
import { SEARCH_TUNING } from "../src/search/segment.ts";

// BENCH_SEARCH=exact scans every segment; =graph takes the graph wherever the small-segment rules
// allow, whatever K; unset leaves the engine's own choice.
const FORCED = {
  exact: { exactScanFloats: Infinity, unfilteredExactScanFloats: Infinity },
  graph: { graphScoresPerResult: 0 },
}[process.env.BENCH_SEARCH ?? ""];
Object.assign(SEARCH_TUNING, FORCED ?? {});

const ROWS = Number(process.argv[2] ?? 40_000);
const DIMENSION = Number(process.argv[3] ?? 16);

function records(random: () => number): VectorRecord[] {
  return Array.from({ length: ROWS }, (_, i) => {
    const data = new Float32Array(DIMENSION);
    for (let d = 0; d < DIMENSION; d++) data[d] = random() * 2 - 1;
    return { key: `k${i}`, data, metadata: { group: i % 10, path: `/p${i % 100}/${i}` } };
  });
}

function bruteForce(rows: VectorRecord[], query: Float32Array, k: number, accept: (r: VectorRecord) => boolean): Set<string> {
  const scored: Array<[number, string]> = [];
  for (const row of rows) {
    if (!accept(row)) continue;
    let sum = 0;
    for (let d = 0; d < DIMENSION; d++) sum += ((row.data[d] as number) - (query[d] as number)) ** 2;
    scored.push([sum, row.key]);
  }
  scored.sort((a, b) => a[0] - b[0]);
  return new Set(scored.slice(0, k).map(([, key]) => key));
}

const FILTERS: Array<[string, FilterNode | undefined, (r: VectorRecord) => boolean]> = [
  ["none", undefined, () => true],
  ["90 %", parseS3VectorsFilter({ group: { $ne: 3 } }, { mode: "ENHANCED" }), (r) => r.metadata.group !== 3],
  ["10 %", parseS3VectorsFilter({ group: 3 }, { mode: "ENHANCED" }), (r) => r.metadata.group === 3],
  ["1 % prefix", parseS3VectorsFilter({ path: { $startsWith: "/p7/" } }, { mode: "ENHANCED" }), (r) => String(r.metadata.path).startsWith("/p7/")],
];

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-large-topk-"));
  try {
    const engine = await openEngine({ dataDir, checkpoint: { segmentRows: Math.ceil(ROWS / 2.5), maxSegments: 8, idleMergeMs: 3_600_000 } });
    const { catalog } = engine;
    await catalog.createAccount("1000000000000001");
    await catalog.createBucket({ accountId: "1000000000000001", name: "bench", region: "cn-hangzhou" });
    const index = await catalog.createIndex("1000000000000001", "bench", {
      name: "large", dimension: DIMENSION, distanceMetric: "euclidean", dataType: "float32", nonFilterableMetadataKeys: [],
    }, 100);
    const collection = engine.collection(index);
    const rows = records(seededRandom(1));
    for (let i = 0; i < rows.length; i += 500) await collection.put(rows.slice(i, i + 500));
    await collection.settleBackground();
    console.log(`${ROWS} x ${DIMENSION}: segments ${JSON.stringify(collection.describe().segments.map((s) => [s.rows, s.graph]))}, memtable ${collection.describe().memtableRows}`);
    const random = seededRandom(2);
    for (const [label, filter, accept] of FILTERS) {
      for (const k of [10, 100, 1000, 10_000]) {
        const queries = Array.from({ length: k >= 1000 ? 9 : 21 }, () => {
          const q = new Float32Array(DIMENSION);
          for (let d = 0; d < DIMENSION; d++) q[d] = random() * 2 - 1;
          return q;
        });
        // Ground truth first, so its garbage is not collected inside a timed query.
        const expected = queries.map((vector) => bruteForce(rows, vector, k, accept));
        collection.query({ vector: queries[0] as Float32Array, topK: k, ...(filter && { filter }) }); // warm: filter bitmaps cached
        const times: number[] = [];
        let recall = 0;
        let short = 0;
        queries.forEach((vector, i) => {
          const started = performance.now();
          const hits = collection.query({ vector, topK: k, ...(filter && { filter }) });
          times.push(performance.now() - started);
          const want = expected[i] as Set<string>;
          if (hits.length < want.size) short++;
          recall += hits.filter((h) => want.has(h.key)).length / Math.max(1, want.size);
        });
        const median = times.sort((a, b) => a - b)[Math.floor(times.length / 2)] as number;
        console.log(`filter ${label.padEnd(10)} K=${String(k).padEnd(6)} ${median.toFixed(1).padStart(7)} ms/query (median)  recall ${(recall / queries.length).toFixed(4)}  short ${short}`);
      }
    }
    await engine.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
