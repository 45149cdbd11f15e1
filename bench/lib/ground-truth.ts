// Exact ground truth by brute force: the top GROUND_TRUTH_DEPTH rows per query and filter, ranked by
// dot product (= cosine on unit vectors). Computed once per data set spec and cached in bench/.cache/.
// The depth beyond 10 lets the post-delete truth be derived by skipping deleted rows, instead of
// scanning again; a query whose deep list runs out of live rows falls back to an exact scan.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { FILTER_KINDS, queryVector, rowMatches, type Dataset, type DatasetSpec, type FilterKind } from "./dataset.ts";

export const GROUND_TRUTH_DEPTH = 100;
export const K = 10;
const CACHE_FORMAT = 1; // bump when the generator or this file changes what the truth would be

export type Truth = Record<FilterKind, number[][]>;

function dotRow(vectors: Float32Array, base: number, query: Float32Array, dimension: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dimension; i += 4) {
    s0 += (vectors[base + i] as number) * (query[i] as number);
    s1 += (vectors[base + i + 1] as number) * (query[i + 1] as number);
    s2 += (vectors[base + i + 2] as number) * (query[i + 2] as number);
    s3 += (vectors[base + i + 3] as number) * (query[i + 3] as number);
  }
  for (; i < dimension; i++) s0 += (vectors[base + i] as number) * (query[i] as number);
  return s0 + s1 + (s2 + s3);
}

/** Exact top-`depth` rows that pass `accept`, best first. A sorted insertion list: depth is small. */
export function exactTopRows(data: Dataset, query: Float32Array, depth: number, accept: (row: number) => boolean): number[] {
  const dimension = data.spec.dimension;
  const rows: number[] = [];
  const scores: number[] = [];
  for (let row = 0; row < data.spec.count; row++) {
    if (!accept(row)) continue;
    const score = dotRow(data.vectors, row * dimension, query, dimension);
    if (rows.length === depth && score <= (scores[depth - 1] as number)) continue;
    let at = Math.min(rows.length, depth - 1);
    while (at > 0 && (scores[at - 1] as number) < score) at--;
    rows.splice(at, 0, row);
    scores.splice(at, 0, score);
    if (rows.length > depth) {
      rows.pop();
      scores.pop();
    }
  }
  return rows;
}

function cachePath(cacheDir: string, spec: DatasetSpec): string {
  const hash = createHash("sha256").update(JSON.stringify({ spec, CACHE_FORMAT, GROUND_TRUTH_DEPTH })).digest("hex");
  return join(cacheDir, `truth-${spec.name}-${hash.slice(0, 12)}.json`);
}

function computeTruth(data: Dataset): Truth {
  const truth = { none: [], category: [], tenant: [] } as Truth;
  for (const kind of FILTER_KINDS) {
    for (let q = 0; q < data.spec.queries; q++) {
      truth[kind].push(exactTopRows(data, queryVector(data, q), GROUND_TRUTH_DEPTH, (row) => rowMatches(data, kind, row)));
    }
  }
  return truth;
}

/** The cached truth for this spec, or a freshly computed (and then cached) one. */
export function loadOrComputeTruth(data: Dataset, cacheDir: string, log: (line: string) => void): Truth {
  const path = cachePath(cacheDir, data.spec);
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8")) as Truth;
  const started = performance.now();
  const truth = computeTruth(data);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path, JSON.stringify(truth));
  log(`  ground truth: ${((performance.now() - started) / 1000).toFixed(1)} s, cached in ${path}`);
  return truth;
}

/** The true top-K of the rows that survive `isDeleted`, derived from the deep list when it suffices. */
export function truthAfterDelete(data: Dataset, truth: Truth, kind: FilterKind, isDeleted: (row: number) => boolean): number[][] {
  return truth[kind].map((deep, q) => {
    const live = deep.filter((row) => !isDeleted(row));
    if (live.length >= K || deep.length < GROUND_TRUTH_DEPTH) return live.slice(0, K);
    return exactTopRows(data, queryVector(data, q), K, (row) => rowMatches(data, kind, row) && !isDeleted(row));
  });
}

/** How many rows pass the filter (to know when a short answer is a fault). */
export function matchingRows(data: Dataset, kind: FilterKind, isDeleted: (row: number) => boolean = () => false): number {
  let count = 0;
  for (let row = 0; row < data.spec.count; row++) if (rowMatches(data, kind, row) && !isDeleted(row)) count++;
  return count;
}
