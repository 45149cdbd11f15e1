// Shared pieces of the ANN study probes (docs/ann-choice.md): the bench's standard data sets with their
// cached exact truth, recall@10, timed query loops, and the process's memory split into anonymous
// (heap, malloc) and file-backed (memory-mapped) resident pages.
import { mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDataset, queryVector, type Dataset } from "../../lib/dataset.ts";
import { K, loadOrComputeTruth, type Truth } from "../../lib/ground-truth.ts";
import { datasetSpec } from "../../lib/profile.ts";

/** The bench's hnswlib settings (bench/systems/hnswlib.ts), so figures line up with `npm run bench`. */
export const GRAPH = { m: 16, efConstruction: 128, seed: 100 };
export const RECALL_TARGET = 0.95;

export interface Study {
  data: Dataset;
  truth: Truth;
  rows: number;
  dimension: number;
}

/** The standard data set of this shape (same name and seed as `npm run bench`: its truth cache is reused). */
export function loadStudy(rows: number, dimension: number): Study {
  const standard = (rows === 200_000 && dimension === 128) || (rows === 50_000 && dimension === 768);
  const name = standard ? `std-${rows / 1000}k-${dimension}` : `probe-${rows}-${dimension}`;
  const data = generateDataset(datasetSpec(name, rows, dimension, 300));
  const truth = loadOrComputeTruth(data, new URL("../../.cache", import.meta.url).pathname, console.error);
  return { data, truth, rows, dimension };
}

/** Where the probes keep built indexes and the raw float32 file between runs (outside the repository). */
export function workDir(rows: number, dimension: number): string {
  const dir = process.env.ANN_PROBE_DIR ?? join(tmpdir(), "ossv-ann-probe", `${rows}x${dimension}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Mean recall@10 of `answers` (one row list per query) against the exact top rows in `expected`. */
export function recallAt10(expected: number[][], answers: number[][]): number {
  let found = 0;
  for (let q = 0; q < answers.length; q++) {
    const truth = new Set((expected[q] as number[]).slice(0, K));
    for (const row of (answers[q] as number[]).slice(0, K)) if (truth.has(row)) found++;
  }
  return found / (answers.length * K);
}

export type Search = (query: Float32Array, queryIndex: number) => number[];

export function answersOf(study: Study, search: Search): number[][] {
  const out: number[][] = [];
  for (let q = 0; q < study.data.spec.queries; q++) out.push(search(queryVector(study.data, q), q));
  return out;
}

/** CPU seconds (user + system) this process has used: the machine's other load does not inflate them. */
export function cpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/**
 * Queries per second of one thread cycling through the query set for about `seconds`: per wall-clock
 * second, and per CPU second of this process. Searches here are synchronous on this thread, so the CPU
 * figure is what the query costs, mostly free of the other processes sharing the cores.
 */
export function qps(study: Study, search: Search, seconds: number): { wall: number; cpu: number } {
  const queries = study.data.spec.queries;
  const started = performance.now();
  const cpuStarted = cpuSeconds();
  const until = started + seconds * 1000;
  let done = 0;
  while (performance.now() < until || done < 20) {
    const q = done % queries;
    search(queryVector(study.data, q), q);
    done++;
  }
  return { wall: (done / (performance.now() - started)) * 1000, cpu: done / (cpuSeconds() - cpuStarted) };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

export interface Ratio {
  /** Candidate's queries per CPU second (median of its slices). */
  qps: number;
  refQps: number;
  /** qps / refQps: the figure the study reports. */
  ratio: number;
  /** The same ratio on wall-clock time (more exposed to the other processes' load). */
  wallRatio: number;
}

/**
 * QPS of `candidate` as a ratio to `reference`, measured in alternating slices (A B A B ...) so that
 * what load the CPU-time figure does not absorb (shared caches, memory bandwidth) hits both alike.
 */
export function qpsRatio(study: Study, candidate: Search, reference: Search, sliceSeconds = 0.4, rounds = 5): Ratio {
  const a: { wall: number; cpu: number }[] = [];
  const b: { wall: number; cpu: number }[] = [];
  for (let round = 0; round < rounds; round++) {
    a.push(qps(study, candidate, sliceSeconds));
    b.push(qps(study, reference, sliceSeconds));
  }
  const qa = median(a.map((x) => x.cpu));
  const qb = median(b.map((x) => x.cpu));
  return { qps: qa, refQps: qb, ratio: qa / qb, wallRatio: median(a.map((x) => x.wall)) / median(b.map((x) => x.wall)) };
}

/** Resident memory of this process after a full GC: anonymous and file-backed pages, in bytes. */
export function residentMemory(): { anon: number; file: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const status = readFileSync("/proc/self/status", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN) * 1024;
  return { anon: field("RssAnon"), file: field("RssFile") };
}

/** The hnswlib reference beam chosen by a serve run: the smallest ef whose recall reached the target. */
export interface Reference {
  ef: number;
  recall: number;
}

export const referencePath = (dir: string) => join(dir, "reference.json");
export const hnswPath = (dir: string) => join(dir, "hnswlib-f32.bin");
export const usearchPath = (dir: string, quantization: string) => join(dir, `usearch-${quantization}.usearch`);
/** The float32 vectors as one raw row-major file: what a re-rank reads through the page cache. */
export const float32Path = (dir: string) => join(dir, "vectors.f32");

export function fmt(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : String(value);
}
