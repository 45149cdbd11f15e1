// The S3 Vectors QueryVectors metadata filter (docs/filters.md#the-s3-vectors-dialect): the same
// MongoDB-style JSON as the OSS dialect, parsed into the same FilterNode AST, so the engine evaluates
// both with one compiler and one set of inverted indexes. What differs from parseFilter():
// - `$startsWith` (a string prefix), allowed only when the query runs in ENHANCED mode;
// - limits: ENHANCED counts "constraints" (one per compared value: a shorthand or operator is one,
//   `$in`/`$nin` one per listed value, `$and`/`$or` nothing themselves) and allows at most 100; the
//   size, instruction and depth limits of the OSS profile do not apply;
// - errors name the JSON pointer of the offending value ("/filter/$or/1/year/$gt") so the server can
//   answer a ValidationException whose fieldList points at it.
// As in the OSS dialect, `{}` matches everything, at the top and inside `$and`/`$or` alike.
// The evaluation rules themselves (implicit $eq, ANDed siblings, any-element matching on arrays,
// $ne/$nin true for a missing key, no cross-type comparison) are the OSS dialect's, unchanged.
import { ApiError } from "../errors.ts";
import type { FilterNode, FilterRange, FilterScalar } from "../filter.ts";
import { describeJson, isFilterScalar, isPlainObject } from "../filter-operands.ts";

/** How an index (or one query, through `queryMode`) evaluates filters. */
export type S3VectorsIndexMode = "CLASSIC" | "ENHANCED";

export interface S3VectorsFilterLimits {
  /** ENHANCED mode: most constraints in one filter (AWS documents 100). */
  readonly maxEnhancedConstraints: number;
  /**
   * CLASSIC mode: most constraints in one filter. AWS documents none; ours bounds what one filter
   * may cost per row (every constraint becomes a test or a bitmap over the whole index).
   */
  readonly maxClassicConstraints: number;
  /**
   * Most `$and`/`$or` nested inside each other. AWS documents none; ours keeps the recursive parse
   * and evaluation far from the stack's limit whatever the request body holds.
   */
  readonly maxDepth: number;
}

export const S3VECTORS_FILTER_LIMITS: S3VectorsFilterLimits = {
  maxEnhancedConstraints: 100,
  maxClassicConstraints: 1024,
  maxDepth: 32,
};

export interface ParseS3VectorsFilterOptions {
  /** The mode the query runs in: the request's queryMode, else the index's mode. */
  mode: S3VectorsIndexMode;
  /** The index's nonFilterableMetadataKeys: a condition on one of them is refused. */
  nonFilterableKeys?: Iterable<string>;
  limits?: Partial<S3VectorsFilterLimits>;
  /** JSON pointer of the filter inside the request, the root of every error path; "/filter" by default. */
  path?: string;
}

/**
 * A filter the S3 Vectors API refuses. It is an ApiError with a 400 status, so a caller that knows
 * only ApiError still answers a client error; the S3 server turns it into a ValidationException with
 * one fieldList entry: `path` (a JSON pointer into the request) and `reason`.
 */
export class S3VectorsFilterError extends ApiError {
  constructor(readonly path: string, readonly reason: string) {
    super("VectorIndexParameterInvalid", `Invalid filter: value at '${path}' ${reason}`);
    this.name = "S3VectorsFilterError";
  }
}

const LEAF_OPERATORS: ReadonlySet<string> = new Set(
  ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists", "$startsWith"],
);

interface ParseState {
  readonly mode: S3VectorsIndexMode;
  readonly nonFilterable: ReadonlySet<string>;
  readonly maxConstraints: number;
  readonly maxDepth: number;
  constraints: number;
}

function fail(path: string, reason: string): never {
  throw new S3VectorsFilterError(path, reason);
}

/** One step of a JSON pointer (RFC 6901): "~" and "/" inside a key are escaped. */
function child(path: string, step: string | number): string {
  return `${path}/${String(step).replaceAll("~", "~0").replaceAll("/", "~1")}`;
}

/**
 * parseS3VectorsFilter() turns the `filter` member of a QueryVectors request into the engine's
 * FilterNode AST, or throws S3VectorsFilterError naming the offending value. A missing filter
 * (undefined or null) and `{}` match everything.
 */
export function parseS3VectorsFilter(json: unknown, options: ParseS3VectorsFilterOptions): FilterNode {
  const root = options.path ?? "/filter";
  if (json === undefined || json === null) return { op: "all" };
  if (!isPlainObject(json)) fail(root, `must be a JSON object, got ${describeJson(json)}`);
  const limits = { ...S3VECTORS_FILTER_LIMITS, ...options.limits };
  const enhanced = options.mode === "ENHANCED";
  const state: ParseState = {
    mode: options.mode,
    nonFilterable: new Set(options.nonFilterableKeys ?? []),
    maxConstraints: enhanced ? limits.maxEnhancedConstraints : limits.maxClassicConstraints,
    maxDepth: limits.maxDepth,
    constraints: 0,
  };
  return parseObject(json, root, 0, state);
}

/** An object of conditions: `{}` matches everything, one entry is itself, several are ANDed. */
function parseObject(object: Record<string, unknown>, path: string, depth: number, state: ParseState): FilterNode {
  const entries = Object.entries(object);
  if (entries.length === 0) return { op: "all" };
  const nodes = entries.map(([key, value]) => parseEntry(key, value, child(path, key), depth, state));
  return nodes.length === 1 ? nodes[0] as FilterNode : { op: "and", children: nodes };
}

function parseEntry(key: string, value: unknown, path: string, depth: number, state: ParseState): FilterNode {
  if (key === "$and" || key === "$or") return parseLogical(key, value, path, depth, state);
  if (key.startsWith("$")) {
    if (LEAF_OPERATORS.has(key)) fail(path, `is an operator where a metadata key belongs; write {"<key>": {"${key}": ...}}`);
    fail(path, `is an unknown operator ${key}`);
  }
  if (state.nonFilterable.has(key)) fail(path, `names "${key}", a non-filterable metadata key of this index`);
  return parseCondition(key, value, path, state);
}

function parseLogical(operator: "$and" | "$or", value: unknown, path: string, depth: number, state: ParseState): FilterNode {
  if (depth + 1 > state.maxDepth) fail(path, `nests $and/$or more than ${state.maxDepth} levels deep`);
  if (!Array.isArray(value)) fail(path, `must be an array of filters for ${operator}, got ${describeJson(value)}`);
  if (value.length === 0) fail(path, `must be a non-empty array of filters for ${operator}`);
  const children = value.map((item: unknown, i) => {
    const itemPath = child(path, i);
    if (!isPlainObject(item)) fail(itemPath, `must be a filter object, got ${describeJson(item)}`);
    return parseObject(item, itemPath, depth + 1, state);
  });
  return { op: operator === "$and" ? "and" : "or", children };
}

/** A metadata key's condition: a bare value (implicit $eq) or an object of operators, ANDed. */
function parseCondition(key: string, condition: unknown, path: string, state: ParseState): FilterNode {
  if (!isPlainObject(condition)) {
    if (isFilterScalar(condition)) return parseOperator(key, "$eq", condition, path, state);
    const hint = Array.isArray(condition) ? " (use {\"$in\": [...]} to match any of several values)" : "";
    fail(path, `must be a string, number, boolean or an object of operators, got ${describeJson(condition)}${hint}`);
  }
  const operators = Object.keys(condition);
  if (operators.length === 0) fail(path, `is an empty condition; give an operator such as {"$eq": ...}`);
  const nodes = operators.map((operator) => parseOperator(key, operator, condition[operator], child(path, operator), state));
  return nodes.length === 1 ? nodes[0] as FilterNode : { op: "and", children: nodes };
}

function parseOperator(key: string, operator: string, operand: unknown, path: string, state: ParseState): FilterNode {
  switch (operator) {
    case "$eq":
    case "$ne":
      count(state, 1, path);
      if (!isFilterScalar(operand)) fail(path, `must be a string, number or boolean for ${operator}, got ${describeJson(operand)}`);
      return { op: operator === "$eq" ? "eq" : "ne", key, value: operand };
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      count(state, 1, path);
      if (typeof operand !== "number" || !Number.isFinite(operand)) fail(path, `must be a number for ${operator}, got ${describeJson(operand)}`);
      return { op: operator.slice(1) as FilterRange["op"], key, value: operand };
    case "$in":
    case "$nin":
      return { op: operator === "$in" ? "in" : "nin", key, values: parseList(operator, operand, path, state) };
    case "$exists":
      count(state, 1, path);
      if (typeof operand !== "boolean") fail(path, `must be true or false for $exists, got ${describeJson(operand)}`);
      return { op: "exists", key, exists: operand };
    case "$startsWith":
      if (state.mode !== "ENHANCED") fail(path, "uses $startsWith, which needs ENHANCED mode (the index's mode or the request's queryMode)");
      count(state, 1, path);
      if (typeof operand !== "string") fail(path, `must be a string for $startsWith, got ${describeJson(operand)}`);
      return { op: "startsWith", key, prefix: operand };
    case "$and":
    case "$or":
      return fail(path, `is ${operator} inside the condition on "${key}"; put ${operator} at the level of the metadata keys`);
    default:
      if (!operator.startsWith("$")) fail(path, `is not an operator (the condition on "${key}" cannot name nested fields)`);
      return fail(path, `is an unknown operator ${operator}`);
  }
}

function parseList(operator: string, operand: unknown, path: string, state: ParseState): FilterScalar[] {
  if (!Array.isArray(operand)) fail(path, `must be an array of values for ${operator}, got ${describeJson(operand)}`);
  if (operand.length === 0) fail(path, `must be a non-empty array for ${operator}`);
  count(state, operand.length, path);
  operand.forEach((item: unknown, i) => {
    if (!isFilterScalar(item)) fail(child(path, i), `must be a string, number or boolean, got ${describeJson(item)}`);
  });
  return [...(operand as FilterScalar[])];
}

function count(state: ParseState, constraints: number, path: string): void {
  state.constraints += constraints;
  if (state.constraints <= state.maxConstraints) return;
  const rule = "each compared value counts one: a value or operator, and every item of an $in or $nin list";
  fail(path, `takes the filter past ${state.maxConstraints} constraints, the most ${state.mode} mode allows (${rule})`);
}
