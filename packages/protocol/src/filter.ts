// The QueryVectors metadata filter (docs/filters.md): parse the Mongo-style JSON into a small AST, then
// compile the AST into closures that run once per candidate row. The AST is exported so an engine can
// also turn it into bitmaps through inverted indexes instead of evaluating it row by row.
//
// The docs leave several points open (docs/filters.md#semantics). Our answers, all [inferred]:
// - several keys in one object, and several operators on one key, are ANDed;
// - a bare value `{"genre": "drama"}` is shorthand for `$eq`;
// - `$ne` and `$nin` are true when the key is missing (MongoDB semantics);
// - no cross-type equality: the number 2020 never equals the string "2020";
// - `$gt/$gte/$lt/$lte` take numbers and compare only with numeric metadata;
// - against an array value, `$eq/$in` and the range operators match if any element matches, and
//   `$ne/$nin` match only if no element does;
// - filtering on a key listed in nonFilterableMetadataKeys is an error, not a silent no-match;
// - limits: "instructions" are operators (shorthand counts as `$eq`) plus one per `$in/$nin` value;
//   "nesting" counts nested `$and/$or`, so 8 levels allow eight of them inside each other.

import { ApiError } from "./errors.ts";
import { describeJson as describe, isFilterScalar as isScalar, isPlainObject } from "./filter-operands.ts";
import { DEFAULT_LIMITS, type LimitsProfile } from "./limits.ts";
import { utf8ByteLength } from "./validate.ts";

export type FilterScalar = string | number | boolean;

/** The empty filter `{}`: every row matches. */
export interface FilterMatchAll {
  readonly op: "all";
}

export interface FilterLogical {
  readonly op: "and" | "or";
  readonly children: readonly FilterNode[];
}

export interface FilterEquality {
  readonly op: "eq" | "ne";
  readonly key: string;
  readonly value: FilterScalar;
}

export interface FilterRange {
  readonly op: "gt" | "gte" | "lt" | "lte";
  readonly key: string;
  readonly value: number;
}

export interface FilterMembership {
  readonly op: "in" | "nin";
  readonly key: string;
  readonly values: readonly FilterScalar[];
}

export interface FilterExists {
  readonly op: "exists";
  readonly key: string;
  readonly exists: boolean;
}

/**
 * A string prefix: true when the value, or any string element of an array value, starts with `prefix`
 * (UTF-16 code units, as String.prototype.startsWith). Only the S3 Vectors dialect produces it
 * (s3vectors/filter.ts); parseFilter() refuses `$startsWith` as an unknown operator.
 */
export interface FilterStartsWith {
  readonly op: "startsWith";
  readonly key: string;
  readonly prefix: string;
}

export type FilterNode =
  | FilterMatchAll | FilterLogical | FilterEquality | FilterRange | FilterMembership | FilterExists | FilterStartsWith;

/** Vector metadata as stored; undefined (a vector without metadata) behaves like `{}`. */
export type FilterPredicate = (metadata: Readonly<Record<string, unknown>> | undefined) => boolean;

export interface ParseFilterOptions {
  /** The index's nonFilterableMetadataKeys: conditions on them are refused. */
  nonFilterableKeys?: Iterable<string>;
  limits?: LimitsProfile;
}

type LeafOperator = "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte" | "$in" | "$nin" | "$exists";
const LEAF_OPERATORS: ReadonlySet<string> = new Set<LeafOperator>(
  ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists"],
);

interface ParseState {
  readonly nonFilterable: ReadonlySet<string>;
  readonly limits: LimitsProfile;
  instructions: number;
}

function fail(reason: string): never {
  throw new ApiError("VectorIndexParameterInvalid", `filter: ${reason}`);
}

/**
 * parseFilter() turns the `filter` member of a QueryVectors body into an AST, checking operators,
 * operand types, the index's non-filterable keys and the profile's size, instruction and nesting
 * limits. A missing filter (undefined or null) and `{}` both match everything. Every failure is an
 * ApiError VectorIndexParameterInvalid whose message starts with "filter: ".
 */
export function parseFilter(json: unknown, options: ParseFilterOptions = {}): FilterNode {
  if (json === undefined || json === null) return { op: "all" };
  if (!isPlainObject(json)) fail(`must be a JSON object, got ${describe(json)}`);
  const limits = options.limits ?? DEFAULT_LIMITS;
  checkSize(json, limits.maxFilterBytes);
  const state: ParseState = { nonFilterable: new Set(options.nonFilterableKeys ?? []), limits, instructions: 0 };
  return parseObject(json, 0, state);
}

function checkSize(json: object, maxBytes: number): void {
  let text: string;
  try {
    text = JSON.stringify(json);
  } catch {
    fail("is not serialisable as JSON");
  }
  const bytes = utf8ByteLength(text);
  if (bytes > maxBytes) fail(`is ${bytes} bytes as compact JSON; at most ${maxBytes} are allowed`);
}

function countInstructions(state: ParseState, count: number): void {
  state.instructions += count;
  const max = state.limits.maxFilterInstructions;
  if (state.instructions > max) fail(`has more than ${max} instructions (operators plus $in/$nin values)`);
}

/** An object of conditions: `{}` matches all, one entry is itself, several entries are ANDed. */
function parseObject(object: Record<string, unknown>, depth: number, state: ParseState): FilterNode {
  const nodes = Object.entries(object).map(([key, value]) => parseEntry(key, value, depth, state));
  if (nodes.length === 0) return { op: "all" };
  return nodes.length === 1 ? nodes[0] as FilterNode : { op: "and", children: nodes };
}

function parseEntry(key: string, value: unknown, depth: number, state: ParseState): FilterNode {
  if (key === "$and" || key === "$or") return parseLogical(key, value, depth, state);
  if (key.startsWith("$")) {
    if (LEAF_OPERATORS.has(key)) fail(`${key} must be applied to a metadata key, as in {"year": {"${key}": ...}}`);
    fail(`unknown operator ${key}`);
  }
  if (state.nonFilterable.has(key)) {
    fail(`"${key}" is listed in the index's nonFilterableMetadataKeys and cannot be filtered on`);
  }
  return parseCondition(key, value, state);
}

function parseLogical(operator: "$and" | "$or", value: unknown, depth: number, state: ParseState): FilterLogical {
  countInstructions(state, 1);
  const max = state.limits.maxFilterDepth;
  if (depth + 1 > max) fail(`$and/$or are nested more than ${max} levels deep`);
  if (!Array.isArray(value)) fail(`${operator} takes an array of filters, got ${describe(value)}`);
  if (value.length === 0) fail(`${operator} takes a non-empty array of filters`);
  const children = value.map((child: unknown, i) => {
    if (!isPlainObject(child)) fail(`${operator}[${i}] must be a filter object, got ${describe(child)}`);
    return parseObject(child, depth + 1, state);
  });
  return { op: operator === "$and" ? "and" : "or", children };
}

/** The value of a metadata key: a bare scalar (shorthand for $eq) or an object of operators. */
function parseCondition(key: string, condition: unknown, state: ParseState): FilterNode {
  if (!isPlainObject(condition)) {
    if (!isScalar(condition)) {
      fail(`the condition on "${key}" must be a string, number, boolean or an object of operators, got ${describe(condition)}`);
    }
    return parseOperator(key, "$eq", condition, state);
  }
  const operators = Object.keys(condition);
  if (operators.length === 0) fail(`the condition on "${key}" is empty; give an operator such as {"$eq": ...}`);
  const nodes = operators.map((operator) => parseOperator(key, operator, condition[operator], state));
  return nodes.length === 1 ? nodes[0] as FilterNode : { op: "and", children: nodes };
}

function parseOperator(key: string, operator: string, operand: unknown, state: ParseState): FilterNode {
  countInstructions(state, 1);
  const where = `${operator} on "${key}"`;
  switch (operator) {
    case "$eq":
    case "$ne":
      if (!isScalar(operand)) fail(`${where} needs a string, number or boolean, got ${describe(operand)}`);
      return { op: operator === "$eq" ? "eq" : "ne", key, value: operand };
    case "$gt":
    case "$gte":
    case "$lt":
    case "$lte":
      if (typeof operand !== "number" || !Number.isFinite(operand)) fail(`${where} needs a number, got ${describe(operand)}`);
      return { op: operator.slice(1) as FilterRange["op"], key, value: operand };
    case "$in":
    case "$nin":
      return { op: operator === "$in" ? "in" : "nin", key, values: parseList(where, operand, state) };
    case "$exists":
      if (typeof operand !== "boolean") fail(`${where} needs true or false, got ${describe(operand)}`);
      return { op: "exists", key, exists: operand };
    case "$and":
    case "$or":
      return fail(`${operator} cannot be used inside the condition on "${key}"; put the conditions in a top-level ${operator}`);
    default:
      if (!operator.startsWith("$")) {
        fail(`the condition on "${key}" has "${operator}", which is not an operator (nested fields are not supported)`);
      }
      return fail(`unknown operator ${operator} in the condition on "${key}"`);
  }
}

function parseList(where: string, operand: unknown, state: ParseState): FilterScalar[] {
  if (!Array.isArray(operand)) fail(`${where} needs an array of values, got ${describe(operand)}`);
  if (operand.length === 0) fail(`${where} needs a non-empty array`);
  countInstructions(state, operand.length);
  operand.forEach((item: unknown, i) => {
    if (!isScalar(item)) fail(`${where}: item ${i} must be a string, number or boolean, got ${describe(item)}`);
  });
  return [...(operand as FilterScalar[])];
}

type Metadata = Readonly<Record<string, unknown>>;
type Test = (metadata: Metadata) => boolean;
type ValueReader = (metadata: Metadata) => unknown;

const EMPTY_METADATA: Metadata = Object.freeze({});
const MATCH_ALL: FilterPredicate = () => true;

/**
 * compileFilter() builds a predicate from an AST. Everything that can be decided once (operand sets,
 * comparison functions, key lookups) is decided here, so a call allocates nothing.
 */
export function compileFilter(node: FilterNode): FilterPredicate {
  if (node.op === "all") return MATCH_ALL;
  const test = compileNode(node);
  return (metadata) => test(metadata ?? EMPTY_METADATA);
}

const compiledFilters = new WeakMap<FilterNode, FilterPredicate>();

/** evaluateFilter() tests one metadata object; the compiled form of `node` is cached for reuse. */
export function evaluateFilter(node: FilterNode, metadata: Metadata | undefined): boolean {
  let predicate = compiledFilters.get(node);
  if (predicate === undefined) {
    predicate = compileFilter(node);
    compiledFilters.set(node, predicate);
  }
  return predicate(metadata);
}

function compileNode(node: FilterNode): Test {
  switch (node.op) {
    case "all": return () => true;
    case "and": return compileAnd(node.children.map(compileNode));
    case "or": return compileOr(node.children.map(compileNode));
    case "eq": return compileEquals(readerFor(node.key), node.value);
    case "ne": return negate(compileEquals(readerFor(node.key), node.value));
    case "in": return compileMembership(readerFor(node.key), new Set(node.values));
    case "nin": return negate(compileMembership(readerFor(node.key), new Set(node.values)));
    case "exists": return compileExists(readerFor(node.key), node.exists);
    case "startsWith": return compileStartsWith(readerFor(node.key), node.prefix);
    default: return compileRange(readerFor(node.key), RANGE_TESTS[node.op], node.value);
  }
}

// A key such as "constructor" or "toString" would otherwise read Object.prototype members for rows
// that lack it; only such keys pay for the own-property check.
function readerFor(key: string): ValueReader {
  if (key in Object.prototype) return (metadata) => (Object.hasOwn(metadata, key) ? metadata[key] : undefined);
  return (metadata) => metadata[key];
}

function compileAnd(tests: Test[]): Test {
  if (tests.length === 1) return tests[0] as Test;
  const [first, second] = tests as [Test, Test];
  if (tests.length === 2) return (metadata) => first(metadata) && second(metadata);
  return (metadata) => {
    for (let i = 0; i < tests.length; i++) if (!(tests[i] as Test)(metadata)) return false;
    return true;
  };
}

function compileOr(tests: Test[]): Test {
  if (tests.length === 1) return tests[0] as Test;
  const [first, second] = tests as [Test, Test];
  if (tests.length === 2) return (metadata) => first(metadata) || second(metadata);
  return (metadata) => {
    for (let i = 0; i < tests.length; i++) if ((tests[i] as Test)(metadata)) return true;
    return false;
  };
}

function negate(test: Test): Test {
  return (metadata) => !test(metadata);
}

// Strict equality keeps types apart: 2020 !== "2020", true !== "true".
function compileEquals(read: ValueReader, expected: FilterScalar): Test {
  return (metadata) => {
    const value = read(metadata);
    return value === expected || (Array.isArray(value) && value.includes(expected));
  };
}

function compileMembership(read: ValueReader, allowed: ReadonlySet<unknown>): Test {
  return (metadata) => {
    const value = read(metadata);
    if (!Array.isArray(value)) return allowed.has(value);
    for (let i = 0; i < value.length; i++) if (allowed.has(value[i])) return true;
    return false;
  };
}

function compileExists(read: ValueReader, expected: boolean): Test {
  return expected ? (metadata) => read(metadata) !== undefined : (metadata) => read(metadata) === undefined;
}

// Like the range operators, a prefix never matches across types: the number 2020 does not start with "20".
function compileStartsWith(read: ValueReader, prefix: string): Test {
  return (metadata) => {
    const value = read(metadata);
    if (typeof value === "string") return value.startsWith(prefix);
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "string" && item.startsWith(prefix)) return true;
    }
    return false;
  };
}

type Compare = (actual: number, bound: number) => boolean;
const RANGE_TESTS: Readonly<Record<FilterRange["op"], Compare>> = {
  gt: (actual, bound) => actual > bound,
  gte: (actual, bound) => actual >= bound,
  lt: (actual, bound) => actual < bound,
  lte: (actual, bound) => actual <= bound,
};

function compileRange(read: ValueReader, compare: Compare, bound: number): Test {
  return (metadata) => {
    const value = read(metadata);
    if (typeof value === "number") return compare(value, bound);
    if (!Array.isArray(value)) return false;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "number" && compare(item, bound)) return true;
    }
    return false;
  };
}
