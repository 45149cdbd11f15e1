// Shared by the addon's tests: seeded data, hnswlib-node (the reference binding) on the same rows,
// and an exact nearest-neighbour model.
import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import { HnswIndex, type HnswSpace } from "./index.js";

/** The spaces hnswlib-node has too ("cosine-raw" is ours: cosine-raw.test.ts; the int8 ones: int8.test.ts). */
export type ReferenceSpace = Exclude<HnswSpace, "cosine-raw" | "l2-int8" | "cosine-int8">;
export const SPACES: readonly ReferenceSpace[] = ["l2", "ip", "cosine"];

/** OSSV_SEED replays a failure; otherwise a fresh seed, printed so a failure can be replayed. */
export function seedFromEnv(label: string): number {
  const given = process.env.OSSV_SEED;
  const seed = given !== undefined ? Number(given) : Math.floor(Math.random() * 0x7fffffff);
  console.log(`# ${label}: seed ${seed} (replay with OSSV_SEED=${seed})`);
  return seed;
}

/** Mulberry32: small, seeded, good enough for test data. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `rows` vectors around a few centres, as embeddings cluster; row-major. */
export function clusteredRows(random: () => number, rows: number, dimension: number, clusters = 8): Float32Array {
  const centres = Array.from({ length: clusters }, () => Float32Array.from({ length: dimension }, () => random() * 2 - 1));
  const data = new Float32Array(rows * dimension);
  for (let row = 0; row < rows; row++) {
    const centre = centres[Math.floor(random() * clusters)] as Float32Array;
    for (let i = 0; i < dimension; i++) data[row * dimension + i] = (centre[i] as number) + (random() - 0.5) * 0.4;
  }
  return data;
}

export const rowOf = (data: Float32Array, dimension: number, row: number): Float32Array =>
  data.subarray(row * dimension, (row + 1) * dimension);

/** The graph's distance in float64: squared L2, or 1 - inner product (of unit vectors for cosine). */
export function distance(space: HnswSpace, a: Float32Array, b: Float32Array): number {
  if (space === "l2") return a.reduce((sum, value, i) => sum + (value - (b[i] as number)) ** 2, 0);
  const dot = a.reduce((sum, value, i) => sum + value * (b[i] as number), 0);
  if (space === "ip") return 1 - dot;
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((sum, value) => sum + value * value, 0)) || 1;
  return 1 - dot / (norm(a) * norm(b));
}

/** Distances of the k nearest rows that `allowed` lets through, nearest first. */
export function exactDistances(space: HnswSpace, data: Float32Array, dimension: number, query: Float32Array, k: number, allowed: (row: number) => boolean): number[] {
  const all: number[] = [];
  for (let row = 0; row < data.length / dimension; row++) if (allowed(row)) all.push(distance(space, query, rowOf(data, dimension, row)));
  return all.sort((a, b) => a - b).slice(0, k);
}

export interface Params {
  m: number;
  efConstruction: number;
  seed: number;
}

/** Our graph over rows 0..rows-1. */
export function ourGraph(space: HnswSpace, data: Float32Array, dimension: number, rows: number, params: Params): HnswIndex {
  const graph = new HnswIndex(space, dimension);
  graph.init(Math.max(rows, 1), params.m, params.efConstruction, params.seed);
  for (let row = 0; row < rows; row++) graph.addPoint(rowOf(data, dimension, row), row);
  return graph;
}

export type Reference = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** hnswlib-node's graph over the same rows. */
export function referenceGraph(space: ReferenceSpace, data: Float32Array, dimension: number, rows: number, params: Params): Reference {
  const graph = new hnswlib.HierarchicalNSW(space, dimension);
  graph.initIndex({ maxElements: Math.max(rows, 1), m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed });
  for (let row = 0; row < rows; row++) graph.addPoint(Array.from(rowOf(data, dimension, row)), row);
  return graph;
}

/** hnswlib-node reads and writes only files: its bytes go through a temp directory. */
export function withTempFile<T>(use: (path: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "ossv-hnsw-test-"));
  try {
    return use(join(dir, "graph.hnsw"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const referenceBytes = (graph: Reference): Uint8Array =>
  withTempFile((path) => {
    graph.writeIndexSync(path);
    return new Uint8Array(readFileSync(path));
  });

export function referenceFromBytes(space: ReferenceSpace, dimension: number, bytes: Uint8Array): Reference {
  const graph = new hnswlib.HierarchicalNSW(space, dimension);
  withTempFile((path) => {
    writeFileSync(path, bytes);
    graph.readIndexSync(path);
  });
  return graph;
}

/** The engine's kernel (packages/engine/src/search/search-kernel.ts): four accumulators in double. */
export function kernelScore(row: Float32Array, query: Float32Array, euclidean: boolean): number {
  const s = [0, 0, 0, 0];
  let i = 0;
  for (; i + 3 < row.length; i += 4) {
    for (let lane = 0; lane < 4; lane++) {
      const a = row[i + lane] as number;
      const b = query[i + lane] as number;
      s[lane] = (s[lane] as number) + (euclidean ? (a - b) * (a - b) : a * b);
    }
  }
  for (; i < row.length; i++) {
    const a = row[i] as number;
    const b = query[i] as number;
    s[0] = (s[0] as number) + (euclidean ? (a - b) * (a - b) : a * b);
  }
  return ((s[0] as number) + (s[1] as number)) + ((s[2] as number) + (s[3] as number));
}

/** Any finite float32, some rows all zero (no direction), some tiny or huge in scale. */
export const finiteRows = (dimension: number, rows: number) =>
  fc.array(fc.oneof(
    { weight: 8, arbitrary: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: dimension, maxLength: dimension }) },
    { weight: 1, arbitrary: fc.constant(new Array<number>(dimension).fill(0)) },
    { weight: 1, arbitrary: fc.array(fc.float({ noNaN: true, min: Math.fround(-1e-20), max: Math.fround(1e-20) }), { minLength: dimension, maxLength: dimension }) },
  ), { minLength: rows, maxLength: rows }).map((list) => Float32Array.from(list.flat()));
