// The plain in-memory model the model tests hold the engine and the server to: a Map of rows, exact
// search by brute force in float64, and a filter evaluator written from docs/filters.md's table. It
// shares no code with the engine or protocol on purpose: an oracle that reused their evaluation
// would agree with their bugs.
import type { WireMetadata, WireMetadataScalar } from "@ossv/protocol";
import type { FilterJson } from "./generators.ts";

export type Metric = "euclidean" | "cosine";

export interface ModelRow {
  data: Float32Array;
  metadata: WireMetadata;
}

export interface ModelHit {
  key: string;
  distance: number;
}

/** Metadata as it comes back after storage: JSON semantics (-0 becomes 0), own properties only. */
export function jsonNormalised<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Byte order of the keys' UTF-8, the order ListVectors promises. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

export class VectorModel {
  readonly rows = new Map<string, ModelRow>();

  constructor(readonly metric: Metric) {}

  put(vectors: ReadonlyArray<{ key: string; data: Float32Array; metadata: WireMetadata }>): void {
    for (const { key, data, metadata } of vectors) this.rows.set(key, { data: data.slice(), metadata: jsonNormalised(metadata) });
  }

  delete(keys: readonly string[]): void {
    for (const key of keys) this.rows.delete(key);
  }

  sortedKeys(): string[] {
    return [...this.rows.keys()].sort(compareUtf8);
  }

  distance(key: string, query: Float32Array): number {
    const row = this.rows.get(key);
    if (!row) throw new Error(`model has no row ${JSON.stringify(key)}`);
    return modelDistance(this.metric, row.data, query);
  }

  /** Keys whose metadata the filter accepts. */
  matching(filter: FilterJson | undefined): string[] {
    return [...this.rows].filter(([, row]) => filter === undefined || filterMatches(filter, row.metadata)).map(([key]) => key);
  }

  /** The exact top-k by brute force: ascending distance (ties in any order; callers allow for them). */
  exactTopK(query: Float32Array, topK: number, filter: FilterJson | undefined): ModelHit[] {
    return this.matching(filter)
      .map((key) => ({ key, distance: this.distance(key, query) }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, topK);
  }
}

/** Euclidean (not squared) or 1 - cosine similarity, in float64, the straightforward way. */
export function modelDistance(metric: Metric, a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let normA = 0;
  let normB = 0;
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    normA += x * x;
    normB += y * y;
    squared += (x - y) * (x - y);
  }
  if (metric === "euclidean") return Math.sqrt(squared);
  // A zero vector has no direction: it counts as orthogonal (docs: distance 1).
  if (normA === 0 || normB === 0) return 1;
  return Math.max(0, 1 - dot / (Math.sqrt(normA) * Math.sqrt(normB)));
}

/**
 * How far a reported distance may be from the model's: the engine sums in another order (float64
 * throughout, so the difference is rounding only); 1e-9 relative is far above that and far below
 * any real mistake (a wrong row, a float32 truncation, a lost value).
 */
export function distancesAgree(reported: number, model: number): boolean {
  return Math.abs(reported - model) <= 1e-9 * Math.max(1, Math.abs(model));
}

// ---- filters, from docs/filters.md -----------------------------------------------------------------

type Value = WireMetadataScalar | WireMetadataScalar[] | undefined;

/** The values a condition looks at: none for a missing key, each element of an array, else the value. */
function elements(value: Value): WireMetadataScalar[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function isScalar(value: unknown): value is WireMetadataScalar {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** Several entries of one object are ANDed; $and / $or take lists of filters. */
export function filterMatches(filter: FilterJson, metadata: WireMetadata): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === "$and") return (condition as FilterJson[]).every((child) => filterMatches(child, metadata));
    if (key === "$or") return (condition as FilterJson[]).some((child) => filterMatches(child, metadata));
    const value: Value = Object.hasOwn(metadata, key) ? metadata[key] : undefined;
    if (isScalar(condition)) return operatorHolds("$eq", condition, value);
    return Object.entries(condition as Record<string, unknown>).every(([op, operand]) => operatorHolds(op, operand, value));
  });
}

function operatorHolds(op: string, operand: unknown, value: Value): boolean {
  const items = elements(value);
  switch (op) {
    // No cross-type equality: === keeps 2020 and "2020" apart.
    case "$eq": return items.some((item) => item === operand);
    case "$ne": return !items.some((item) => item === operand);
    case "$in": return items.some((item) => (operand as unknown[]).some((allowed) => allowed === item));
    case "$nin": return !items.some((item) => (operand as unknown[]).some((allowed) => allowed === item));
    case "$gt": return items.some((item) => typeof item === "number" && item > (operand as number));
    case "$gte": return items.some((item) => typeof item === "number" && item >= (operand as number));
    case "$lt": return items.some((item) => typeof item === "number" && item < (operand as number));
    case "$lte": return items.some((item) => typeof item === "number" && item <= (operand as number));
    // An empty array is present.
    case "$exists": return (value !== undefined) === operand;
    // S3 Vectors only: a string, or a string element, whose first code units are the prefix's.
    case "$startsWith": {
      const prefix = operand as string;
      return items.some((item) => typeof item === "string" && item.slice(0, prefix.length) === prefix);
    }
    default: throw new Error(`model: unknown filter operator ${op}`);
  }
}
