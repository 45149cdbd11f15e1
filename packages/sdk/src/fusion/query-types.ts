// Request and result types of QueryVectorsFusion (docs/fusion.md#querying). Members keep their wire
// names; an expression is the JSON of the query language, which the builders in query-builders.ts
// assemble.
import type { WireMetadata } from "@ossv/protocol";
import type { ResultMetadata } from "../types.ts";

/** A `query` or `filter` expression: `{field: {$op: operand}}`, `{$and: {clauses}}`, `{$or: {clauses}}`. */
export type FusionExpression = Record<string, unknown>;

export interface FusionKnn {
  field: string;
  queryVector: readonly number[] | Float32Array;
  /** 1–1000, default 10. */
  topK?: number;
  /** ≥ topK. */
  numCandidates?: number;
  filter?: FusionExpression;
  /** Weight of this route's score, ≥ 0, default 1. */
  boost?: number;
}

export type FusionNormalizer = "none" | "minMax" | "l2";

export interface FusionRetrieverComponent {
  retriever: FusionRetriever;
  /** ≥ 0, default 1. */
  weight?: number;
  /** weight retrievers only. */
  normalizer?: FusionNormalizer;
}

export type FusionRetriever =
  | { simple: { query: FusionExpression } }
  | { knn: FusionKnn }
  | { rrf: { k?: number; windowSize?: number; retrievers: FusionRetrieverComponent[] } }
  | { weight: { windowSize?: number; retrievers: FusionRetrieverComponent[] } };

/** One sort key: `{_score: {order}}`, `{_primaryKey: {order}}` or a scalar field. */
export type FusionSort = Record<string, { order?: "asc" | "desc" }>;

export interface QueryVectorsFusionRequest {
  bucket: string;
  indexName: string;
  knn?: FusionKnn[];
  query?: FusionExpression;
  /** Alone with limit, partitionKeys, returnMetadata and returnMetadataFields. */
  retriever?: FusionRetriever;
  /** 1–1000, default 10. */
  limit?: number;
  /** Pure `query` searches only. */
  nextToken?: string;
  partitionKeys?: string[];
  returnMetadata?: boolean;
  returnMetadataFields?: string[];
  sort?: FusionSort[];
}

export interface FusionHit {
  key: string;
  /** Higher is better. */
  score: number;
  metadata?: WireMetadata;
}

export interface QueryVectorsFusionResult extends ResultMetadata {
  vectors: FusionHit[];
  nextToken?: string;
}
