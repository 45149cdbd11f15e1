// Probe (issue 21, stage 1 of our HNSW addon): what does a filter evaluated in C++ (a row bitmap read
// by hnswlib's filter hook) save over hnswlib-node's JS callback, called once per visited node? One
// graph, built once by our addon and loaded into both bindings from the same bytes, answers the same
// queries at 10 % selectivity with the same k and ef; CPU time per query, in alternating slices so
// that both sides see the same machine load. The answers are checked to be identical first.
// Usage: npx tsx bench/probe/hnsw-filter.ts [rows] [dimension] [selectivity]
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import { HnswIndex } from "@ossv/hnsw";

const [rowsArg, dimArg, shareArg] = process.argv.slice(2);
const ROWS = Number(rowsArg ?? 50_000);
const DIMENSION = Number(dimArg ?? 128);
const SHARE = Number(shareArg ?? 0.1);
const K = 10;
const EFS = [64, 128];
const QUERIES = 200;
const SLICES = 6;

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows around 64 centres (embeddings cluster), row-major. */
function clustered(random: () => number, rows: number): Float32Array {
  const centres = Array.from({ length: 64 }, () => Float32Array.from({ length: DIMENSION }, () => random() * 2 - 1));
  const data = new Float32Array(rows * DIMENSION);
  for (let row = 0; row < rows; row++) {
    const centre = centres[Math.floor(random() * centres.length)] as Float32Array;
    for (let i = 0; i < DIMENSION; i++) data[row * DIMENSION + i] = (centre[i] as number) + (random() - 0.5) * 0.5;
  }
  return data;
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

const random = seededRandom(42);
const data = clustered(random, ROWS + QUERIES);
let started = cpuMs();
const ours = new HnswIndex("cosine", DIMENSION);
ours.init(ROWS, 16, 160, 100);
for (let row = 0; row < ROWS; row++) ours.addPoint(data.subarray(row * DIMENSION, (row + 1) * DIMENSION), row);
console.log(`built ${ROWS} x ${DIMENSION} in ${((cpuMs() - started) / 1000).toFixed(1)} CPU s`);
const bytes = ours.serialize();
const theirs = new hnswlib.HierarchicalNSW("cosine", DIMENSION);
const dir = mkdtempSync(join(tmpdir(), "ossv-probe-"));
try {
  writeFileSync(join(dir, "graph.hnsw"), bytes);
  theirs.readIndexSync(join(dir, "graph.hnsw"));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const allowed = Uint8Array.from({ length: ROWS }, () => (random() < SHARE ? 1 : 0));
const accept = (row: number) => allowed[row] === 1;
const queries = Array.from({ length: QUERIES }, (_, q) => data.subarray((ROWS + q) * DIMENSION, (ROWS + q + 1) * DIMENSION));
const arrays = queries.map((query) => Array.from(query));

for (const ef of EFS) {
  theirs.setEf(ef);
  queries.forEach((query, q) => {
    const a = ours.search(query, K, ef, allowed);
    const b = theirs.searchKnn(arrays[q] as number[], K, accept).neighbors;
    if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`query ${q}: ${a} vs ${b}`);
  });
  const sides = {
    "bitmap in C++": () => queries.forEach((query) => ours.search(query, K, ef, allowed)),
    "JS callback": () => arrays.forEach((query) => theirs.searchKnn(query, K, accept)),
    "unfiltered, ours": () => queries.forEach((query) => ours.search(query, K, ef)),
    "unfiltered, hnswlib-node": () => arrays.forEach((query) => theirs.searchKnn(query, K)),
  };
  const spent = Object.fromEntries(Object.keys(sides).map((name) => [name, [] as number[]]));
  for (let slice = 0; slice < SLICES; slice++) {
    for (const [name, pass] of Object.entries(sides)) {
      started = cpuMs();
      pass();
      spent[name]?.push((cpuMs() - started) / QUERIES);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  const perQuery = Object.fromEntries(Object.entries(spent).map(([name, values]) => [name, median(values)]));
  console.log(`ef ${ef}, ${SHARE * 100} % allowed, k ${K}: CPU ms per query (median of ${SLICES} slices of ${QUERIES})`);
  for (const [name, ms] of Object.entries(perQuery)) console.log(`  ${name.padEnd(26)} ${ms.toFixed(3)}`);
  console.log(`  filtered: callback / bitmap = ${((perQuery["JS callback"] as number) / (perQuery["bitmap in C++"] as number)).toFixed(2)}x`);
}
