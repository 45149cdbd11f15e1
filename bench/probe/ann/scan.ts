// Probe (docs/ann-choice.md, question 4): brute force as the floor for small segments. On the first n
// rows of a bench data set (n = 4096, 16384, 65536 and all), per query: the engine's float32 WebAssembly
// scan (exact), an int8 scan (WebAssembly SIMD and plain JS) whose top C rows are re-ranked from float32
// in RAM, and an hnswlib float32 graph over the same rows at the reference beam. Recall@10 is against the
// exact top 10 of those n rows; speed is a ratio to the same-size graph, in alternating slices.
// Needs reference.json (and, for all rows, the graph file) of a libraries.ts run of the same shape.
// Usage: npx tsx --expose-gc bench/probe/ann/scan.ts [rows] [dimension] [out.json]
import { readFileSync, writeFileSync } from "node:fs";
import hnswlib from "hnswlib-node";
import { rowVector } from "../../lib/dataset.ts";
import { VectorBlock } from "../../../packages/engine/src/search/kernel/vector-block.ts";
import { answersOf, fmt, GRAPH, hnswPath, loadStudy, qpsRatio, recallAt10, referencePath, workDir, type Reference, type Search, type Study } from "./common.ts";
import { openHnsw } from "./graphs.ts";
import { int8Block, topRows } from "./int8-kernel.ts";

const K = 10;
const CANDIDATES = [10, 20, 40, 100];

function float32Block(study: Study, rows: number): VectorBlock {
  const block = VectorBlock.create(rows, study.dimension);
  if (!block) throw new Error("no WebAssembly SIMD block");
  block.data.set(study.data.vectors.subarray(0, rows * study.dimension));
  for (let r = 0; r < rows; r++) block.rowList[r] = r;
  return block;
}

function graphOver(study: Study, rows: number, dir: string, ef: number): Search {
  if (rows === study.rows) {
    const graph = openHnsw(study, hnswPath(dir)).graph(ef);
    return (q) => graph.search(q, K);
  }
  const index = new hnswlib.HierarchicalNSW("ip", study.dimension);
  index.initIndex(rows, GRAPH.m, GRAPH.efConstruction, GRAPH.seed);
  for (let r = 0; r < rows; r++) index.addPoint(Array.from(rowVector(study.data, r)), r);
  index.setEf(ef);
  return (q) => index.searchKnn(Array.from(q), K).neighbors;
}

function dot(vectors: Float32Array, base: number, query: Float32Array, dimension: number): number {
  let s = 0;
  for (let i = 0; i < dimension; i++) s += (vectors[base + i] as number) * (query[i] as number);
  return s;
}

interface SizeFigures {
  rows: number;
  graphRecall: number;
  graphMsPerQuery: number;
  exactF32Ratio: number;
  int8: { candidates: number; recall: number; wasmRatio: number }[];
  int8JsRatio: number;
}

async function measureSize(study: Study, rows: number, dir: string, ef: number): Promise<SizeFigures> {
  const d = study.dimension;
  const f32 = float32Block(study, rows);
  const exact: Search = (q) => topRows(f32.score(q, rows, false), rows, K);
  const truth = answersOf(study, exact); // the exact top K of these rows (the f32 kernel's scores are exact)
  const graph = graphOver(study, rows, dir, ef);
  const graphRecall = recallAt10(truth, answersOf(study, graph));
  const i8 = await int8Block(study.data.vectors, rows, d);
  const reranked = (candidates: number, scan: (q: Float32Array) => Int32Array): Search => (q) => {
    const rowsFound = topRows(scan(q), rows, candidates);
    const scored = rowsFound.map((row) => ({ row, score: dot(study.data.vectors, row * d, q, d) }));
    scored.sort((a, b) => b.score - a.score);
    return scored.slice(0, K).map((s) => s.row);
  };
  const exactTimed = qpsRatio(study, exact, graph);
  const int8 = CANDIDATES.map((candidates) => {
    const search = reranked(candidates, (q) => i8.scanWasm(q, rows));
    const recall = recallAt10(truth, answersOf(study, search));
    const wasmRatio = qpsRatio(study, search, graph).ratio;
    console.error(`  ${rows} rows: int8 C ${candidates}: recall ${fmt(recall)} ×${fmt(wasmRatio, 2)} of the graph`);
    return { candidates, recall, wasmRatio };
  });
  const int8JsRatio = qpsRatio(study, reranked(40, (q) => i8.scanJs(q, rows)), graph).ratio;
  const figures = { rows, graphRecall, graphMsPerQuery: 1000 / exactTimed.refQps, exactF32Ratio: exactTimed.ratio, int8, int8JsRatio };
  console.error(`  ${rows} rows: graph recall ${fmt(graphRecall)} ${fmt(figures.graphMsPerQuery, 3)} ms; f32 exact ×${fmt(exactTimed.ratio, 2)}; int8 JS (C 40) ×${fmt(int8JsRatio, 2)}`);
  return figures;
}

const [rowsArg, dimArg, out] = process.argv.slice(2);
const study = loadStudy(Number(rowsArg ?? 200_000), Number(dimArg ?? 128));
const dir = workDir(study.rows, study.dimension);
const ref = JSON.parse(readFileSync(referencePath(dir), "utf8")) as Reference;
const started = new Date().toISOString();
const sizes = [4096, 16_384, 65_536, study.rows].filter((n) => n <= study.rows);
const figures: SizeFigures[] = [];
for (const rows of sizes) figures.push(await measureSize(study, rows, dir, ref.ef));
if (out) writeFileSync(out, `${JSON.stringify({ started, finished: new Date().toISOString(), rows: study.rows, dimension: study.dimension, reference: ref, figures }, null, 1)}\n`);
console.log(`\n${study.rows} x ${study.dimension}, ${started}; graphs: hnswlib f32 M ${GRAPH.m} efC ${GRAPH.efConstruction} at ef ${ref.ef}`);
console.log(`| rows | graph recall | graph ms/query | f32 exact scan × graph | ${CANDIDATES.map((c) => `int8 C ${c}: recall, × graph`).join(" | ")} | int8 plain JS (C 40) × graph |`);
console.log(`|---|---|---|---|${CANDIDATES.map(() => "---").join("|")}|---|`);
for (const f of figures) {
  console.log(`| ${f.rows} | ${fmt(f.graphRecall)} | ${fmt(f.graphMsPerQuery, 3)} | ${fmt(f.exactF32Ratio, 2)} | ${f.int8.map((c) => `${fmt(c.recall)}, ${fmt(c.wasmRatio, 2)}`).join(" | ")} | ${fmt(f.int8JsRatio, 2)} |`);
}
