// Exact (brute-force) top-K search over rows of vectors (the memtable's arena or a segment). The filter runs first and decides which rows are
// ranked at all, so a filtered query returns the true top-K of the matching rows and never comes up
// short while K rows match. Inner loops use typed arrays only and allocate nothing per row.
//
// Ranking scores: euclidean ranks by the squared distance (the square root is monotonic and taken only
// for the K results); cosine ranks by 1 - cos similarity directly.
import { TopK } from "./top-k.ts";
import type { DistanceMetric } from "../base/types.ts";

/**
 * Scores many rows in one call, bit for bit as scoreRow would: a WebAssembly block's SIMD kernel
 * (kernel/vector-block.ts) or a graph's native one (hnsw-graph.ts).
 */
export interface RowScorer {
  /** Row numbers to score: the caller writes up to `rows` of them, then calls score(). */
  readonly rowList: Int32Array;
  /** Dot products, or squared L2 distances when `euclidean`, of the first `count` listed rows: a view valid until the next call. */
  score(query: Float32Array, count: number, euclidean: boolean): Float64Array;
}

/**
 * Vectors with per-row norms: the memtable's arena, a segment's vector block, or the memory of the
 * graph that holds a segment's vectors. Row r's vector is data[r * stride + offset, + dimension).
 */
export interface VectorRows {
  readonly data: Float32Array;
  readonly norms: Float64Array;
  readonly dimension: number;
  /** Floats from one row's vector to the next: the dimension in a dense block, more inside a graph. */
  readonly stride: number;
  /** Floats before row 0's vector. */
  readonly offset: number;
  /** Rows [0, rows) may be live; the others are never looked at. */
  readonly rows: number;
  /** Set when the rows can be scored in bulk by faster code than the plain JavaScript loop here. */
  readonly scorer?: RowScorer | undefined;
}

export interface ScanInput {
  vectors: VectorRows;
  /** Whether a row is left out: a free memtable slot, a deleted segment row. */
  skips: (slot: number) => boolean;
  /** A row's key: equal scores are ordered by key. */
  keyOf: (slot: number) => string;
  metric: DistanceMetric;
  vector: Float32Array;
  topK: number;
  /** Whether a row passes the query's filter (the memtable's rows; a segment narrows by onlyRows instead). */
  filter?: (slot: number) => boolean;
  /** Scan only these rows (ascending), e.g. the few a filter allows; still skipping free ones. */
  onlyRows?: Int32Array;
}

export interface ScoredSlot {
  slot: number;
  distance: number;
}

// Four independent accumulators let the CPU overlap the multiply-adds (about 1.5x over one).
function squaredDistance(data: Float32Array, base: number, query: Float32Array, dimension: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dimension; i += 4) {
    const d0 = (data[base + i] as number) - (query[i] as number);
    const d1 = (data[base + i + 1] as number) - (query[i + 1] as number);
    const d2 = (data[base + i + 2] as number) - (query[i + 2] as number);
    const d3 = (data[base + i + 3] as number) - (query[i + 3] as number);
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dimension; i++) {
    const d = (data[base + i] as number) - (query[i] as number);
    s0 += d * d;
  }
  return s0 + s1 + (s2 + s3);
}

function dot(data: Float32Array, base: number, query: Float32Array, dimension: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dimension; i += 4) {
    s0 += (data[base + i] as number) * (query[i] as number);
    s1 += (data[base + i + 1] as number) * (query[i + 1] as number);
    s2 += (data[base + i + 2] as number) * (query[i + 2] as number);
    s3 += (data[base + i + 3] as number) * (query[i + 3] as number);
  }
  for (; i < dimension; i++) s0 += (data[base + i] as number) * (query[i] as number);
  return s0 + s1 + (s2 + s3);
}

/** 1 - cos similarity; a zero vector has no direction and counts as orthogonal (distance 1). */
function cosineDistance(dotProduct: number, normA: number, normB: number): number {
  const denominator = normA * normB;
  // 1 - cos rounds to a tiny negative for identical directions; a distance is never below 0.
  return denominator === 0 ? 1 : Math.max(0, 1 - dotProduct / denominator);
}

export function vectorNorm(vector: Float32Array): number {
  return Math.sqrt(dot(vector, 0, vector, vector.length));
}

/**
 * The ranking score of one row: squared L2 for euclidean, 1 - cos for cosine. Graph hits are scored
 * again with this, so every source of a query ranks with the very same arithmetic as the exact scan.
 */
export function scoreRow(rows: VectorRows, row: number, vector: Float32Array, queryNorm: number, metric: DistanceMetric): number {
  const base = row * rows.stride + rows.offset;
  if (metric === "euclidean") return squaredDistance(rows.data, base, vector, rows.dimension);
  return cosineDistance(dot(rows.data, base, vector, rows.dimension), rows.norms[row] as number, queryNorm);
}

/** Turns a ranking score into the distance the API reports. */
export function scoreToDistance(score: number, metric: DistanceMetric): number {
  return metric === "euclidean" ? Math.sqrt(score) : score;
}

export function scanTopK(input: ScanInput): ScoredSlot[] {
  const { vectors, metric } = input;
  const heap = new TopK(input.topK, input.keyOf);
  const euclidean = metric === "euclidean";
  if (vectors.scorer) scanWithScorer(input, vectors.scorer, heap);
  else scanPlain(input, heap);
  return heap.sorted().map(({ slot, score }) => ({ slot, distance: euclidean ? Math.sqrt(score) : score }));
}

/** Whether a row takes part in the scan: live, and accepted by the filter when there is one. */
function eligible(input: ScanInput, slot: number): boolean {
  if (input.skips(slot)) return false;
  return input.filter === undefined || input.filter(slot);
}

function scanPlain(input: ScanInput, heap: TopK): void {
  const { vectors, metric, vector, onlyRows } = input;
  const { data, norms, dimension, stride, offset } = vectors;
  const queryNorm = vectorNorm(vector);
  const euclidean = metric === "euclidean";
  const end = onlyRows ? onlyRows.length : vectors.rows;
  for (let i = 0; i < end; i++) {
    const slot = onlyRows ? (onlyRows[i] as number) : i;
    if (!eligible(input, slot)) continue;
    const base = slot * stride + offset;
    const score = euclidean
      ? squaredDistance(data, base, vector, dimension)
      : cosineDistance(dot(data, base, vector, dimension), norms[slot] as number, queryNorm);
    if (score <= heap.threshold) heap.offer(slot, score);
  }
}

/** The same scan with the rows' raw scores computed in one call of the scorer. */
function scanWithScorer(input: ScanInput, scorer: RowScorer, heap: TopK): void {
  const { vectors, metric, vector, onlyRows } = input;
  const rowList = scorer.rowList;
  let count = 0;
  const end = onlyRows ? onlyRows.length : vectors.rows;
  for (let i = 0; i < end; i++) {
    const slot = onlyRows ? (onlyRows[i] as number) : i;
    if (eligible(input, slot)) rowList[count++] = slot;
  }
  const euclidean = metric === "euclidean";
  const raw = scorer.score(vector, count, euclidean);
  const norms = vectors.norms;
  const queryNorm = vectorNorm(vector);
  for (let j = 0; j < count; j++) {
    const slot = rowList[j] as number;
    const score = euclidean ? (raw[j] as number) : cosineDistance(raw[j] as number, norms[slot] as number, queryNorm);
    if (score <= heap.threshold) heap.offer(slot, score);
  }
}
