// Builders for QueryVectorsFusion's expressions and retrievers, so a typo in an operator is a type
// error rather than a 400: `fq.and(fq.in("brand", ["A"]), fq.range("price", { gte: 100 }))`,
// `fr.rrf([fr.knn({...}), fr.simple(fq.text("title", "headphones"))])`.
import type {
  FusionExpression, FusionKnn, FusionNormalizer, FusionRetriever, FusionRetrieverComponent,
} from "./query-types.ts";

type Scalar = string | number | boolean;
type Boost = { boost?: number };

function withBoost(value: unknown, options: Boost): unknown {
  return options.boost === undefined ? value : { value, boost: options.boost };
}

/** The query language. */
export const fq = {
  and: (...clauses: FusionExpression[]): FusionExpression => ({ $and: { clauses } }),
  or: (...clauses: FusionExpression[]): FusionExpression => ({ $or: { clauses } }),
  eq: (field: string, value: Scalar, options: Boost = {}): FusionExpression => ({ [field]: { $eq: withBoost(value, options) } }),
  ne: (field: string, value: Scalar): FusionExpression => ({ [field]: { $ne: value } }),
  gt: (field: string, value: number | string, options: Boost = {}): FusionExpression => ({ [field]: { $gt: withBoost(value, options) } }),
  gte: (field: string, value: number | string, options: Boost = {}): FusionExpression => ({ [field]: { $gte: withBoost(value, options) } }),
  lt: (field: string, value: number | string, options: Boost = {}): FusionExpression => ({ [field]: { $lt: withBoost(value, options) } }),
  lte: (field: string, value: number | string, options: Boost = {}): FusionExpression => ({ [field]: { $lte: withBoost(value, options) } }),
  in: (field: string, values: Scalar[], options: Boost = {}): FusionExpression =>
    ({ [field]: { $in: options.boost === undefined ? { value: values } : { value: values, boost: options.boost } } }),
  range: (field: string, bounds: Partial<Record<"gt" | "gte" | "lt" | "lte", number | string>>): FusionExpression => ({ [field]: { $range: bounds } }),
  text: (field: string, value: string, options: { operator?: "or" | "and"; minShouldMatch?: string; boost?: number } = {}): FusionExpression =>
    ({ [field]: { $textMatch: { value, ...options } } }),
};

/** Retrievers. */
export const fr = {
  simple: (query: FusionExpression): FusionRetriever => ({ simple: { query } }),
  knn: (knn: FusionKnn): FusionRetriever => ({ knn }),
  component: (retriever: FusionRetriever, weight?: number, normalizer?: FusionNormalizer): FusionRetrieverComponent =>
    ({ retriever, ...(weight !== undefined && { weight }), ...(normalizer !== undefined && { normalizer }) }),
  rrf: (retrievers: Array<FusionRetriever | FusionRetrieverComponent>, options: { k?: number; windowSize?: number } = {}): FusionRetriever =>
    ({ rrf: { ...options, retrievers: retrievers.map(asComponent) } }),
  weight: (retrievers: Array<FusionRetriever | FusionRetrieverComponent>, options: { windowSize?: number } = {}): FusionRetriever =>
    ({ weight: { ...options, retrievers: retrievers.map(asComponent) } }),
};

function asComponent(item: FusionRetriever | FusionRetrieverComponent): FusionRetrieverComponent {
  return "retriever" in item ? item : { retriever: item };
}
