// The `query` and `filter` language of QueryVectorsFusion (docs/fusion.md#the-query-language): leaves
// `{field: {$op: operand}}` joined by `$and` / `$or`, parsed against the index's schema, and evaluated
// on one document at a time to whether it matches and what it adds to the score. The canonical shapes
// are the Java and Go SDKs'; the Python SDK's older shapes are accepted as aliases.
import type { FilterNode, FusionScalarField, FusionSchema } from "@ossv/protocol";
import type { Metadata } from "@ossv/engine";
import { invalid } from "../../handlers/params.ts";

export type Comparison = "$eq" | "$ne" | "$gt" | "$gte" | "$lt" | "$lte";
type Scalar = string | number | boolean;

export type Expression =
  | { kind: "and" | "or"; clauses: Expression[] }
  | { kind: "compare"; field: FusionScalarField; op: Comparison; value: Scalar; boost?: number }
  | { kind: "in"; field: FusionScalarField; values: Scalar[]; negate: boolean; boost?: number }
  | { kind: "range"; field: FusionScalarField; bounds: Partial<Record<"gt" | "gte" | "lt" | "lte", number | string>>; boost?: number }
  | { kind: "text"; field: FusionScalarField; value: string; operator: "or" | "and"; minShouldMatch?: string | number; boost: number; id: number };

export type TextLeaf = Extract<Expression, { kind: "text" }>;

/** Most clauses in one expression, counted over the whole tree: a bound on the work of one query. */
const MAX_NODES = 1024;
const MAX_DEPTH = 16;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): value is Scalar {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

function readBoost(raw: unknown, where: string): number | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0) throw invalid(`${where}.boost must be a number ≥ 0.`);
  return raw;
}

/** `{value, boost?}` or a bare value (an alias): the value and the boost. */
function valueAndBoost(operand: unknown, where: string): { value: unknown; boost?: number } {
  if (isObject(operand) && "value" in operand) {
    for (const key of Object.keys(operand)) if (key !== "value" && key !== "boost") throw invalid(`${where} does not take "${key}".`);
    const boost = readBoost(operand["boost"], where);
    return boost === undefined ? { value: operand["value"] } : { value: operand["value"], boost };
  }
  return { value: operand };
}

interface ParseState {
  schema: FusionSchema;
  nodes: number;
  texts: TextLeaf[];
}

function fieldOf(state: ParseState, name: string, where: string): FusionScalarField {
  const field = state.schema.fields.find((candidate) => candidate.name === name);
  if (!field) throw invalid(`${where}: "${name}" is not a field of the index.`);
  if (field.type === "vector") throw invalid(`${where}: "${name}" is a vector field; query it with knn.`);
  return field;
}

function checkComparable(field: FusionScalarField, value: unknown, where: string): Scalar {
  if (!isScalar(value)) throw invalid(`${where} must compare with a string, number or boolean.`);
  if (field.type === "string" && !field.exactMatch) throw invalid(`${where}: "${field.name}" has exactMatch false; use $textMatch.`);
  return value;
}

function parseLeaf(state: ParseState, name: string, condition: unknown, where: string): Expression {
  const field = fieldOf(state, name, where);
  // `{"field": "x"}` is $eq.
  if (!isObject(condition)) return { kind: "compare", field, op: "$eq", value: checkComparable(field, condition, where) };
  const entries = Object.entries(condition);
  if (entries.length !== 1) throw invalid(`${where} must hold exactly one operator.`);
  const [op, operand] = entries[0]!;
  const at = `${where}.${op}`;
  switch (op) {
    case "$eq": case "$ne": case "$gt": case "$gte": case "$lt": case "$lte": {
      const { value, boost } = valueAndBoost(operand, at);
      const compared = checkComparable(field, value, at);
      if (op !== "$eq" && op !== "$ne" && typeof compared === "boolean") throw invalid(`${at} needs a number or string.`);
      return { kind: "compare", field, op, value: compared, ...(boost !== undefined && { boost }) };
    }
    case "$in": case "$nin": {
      const { value, boost } = valueAndBoost(operand, at);
      if (!Array.isArray(value) || value.length === 0 || value.length > 1024) throw invalid(`${at} needs an array of 1 to 1024 values.`);
      const values = value.map((item, i) => checkComparable(field, item, `${at}[${i}]`));
      return { kind: "in", field, values, negate: op === "$nin", ...(boost !== undefined && { boost }) };
    }
    case "$range": {
      if (!isObject(operand)) throw invalid(`${at} must be an object of gt, gte, lt, lte.`);
      const bounds: Partial<Record<"gt" | "gte" | "lt" | "lte", number | string>> = {};
      let boost: number | undefined;
      for (const [key, bound] of Object.entries(operand)) {
        const name2 = key.replace(/^\$/, "");
        if (name2 === "boost") { boost = readBoost(bound, at); continue; }
        if (name2 !== "gt" && name2 !== "gte" && name2 !== "lt" && name2 !== "lte") throw invalid(`${at} does not take "${key}".`);
        if (typeof bound !== "string" && !(typeof bound === "number" && Number.isFinite(bound))) throw invalid(`${at}.${key} must be a number or string.`);
        bounds[name2] = bound;
      }
      if (Object.keys(bounds).length === 0) throw invalid(`${at} needs at least one bound.`);
      return { kind: "range", field, bounds, ...(boost !== undefined && { boost }) };
    }
    case "$textMatch":
      return parseTextMatch(state, field, operand, at);
    default:
      throw invalid(`${where}: unknown operator "${op}".`);
  }
}

function parseTextMatch(state: ParseState, field: FusionScalarField, operand: unknown, where: string): TextLeaf {
  if (!field.text) throw invalid(`${where}: "${field.name}" has no full text enabled.`);
  const spec = typeof operand === "string" ? { value: operand } : operand;
  if (!isObject(spec)) throw invalid(`${where} must be {"value": "..."} or a string.`);
  for (const key of Object.keys(spec)) {
    if (!["value", "operator", "minShouldMatch", "boost"].includes(key)) throw invalid(`${where} does not take "${key}".`);
  }
  const value = spec["value"];
  if (typeof value !== "string" || value.length === 0 || value.length > 4096) throw invalid(`${where}.value must be a string of 1 to 4096 characters.`);
  const operator = spec["operator"] ?? "or";
  if (operator !== "or" && operator !== "and") throw invalid(`${where}.operator must be "or" or "and".`);
  const minShouldMatch = spec["minShouldMatch"];
  if (minShouldMatch !== undefined && !(typeof minShouldMatch === "string" && /^\d+%?$/.test(minShouldMatch))
    && !(typeof minShouldMatch === "number" && Number.isInteger(minShouldMatch) && minShouldMatch >= 0)) {
    throw invalid(`${where}.minShouldMatch must be a count or a percentage like "75%".`);
  }
  const leaf: TextLeaf = {
    kind: "text", field, value, operator, boost: readBoost(spec["boost"], where) ?? 1, id: state.texts.length,
    ...(minShouldMatch !== undefined && { minShouldMatch: minShouldMatch }),
  };
  state.texts.push(leaf);
  return leaf;
}

function parseNode(state: ParseState, raw: unknown, where: string, depth: number): Expression {
  if (++state.nodes > MAX_NODES) throw invalid(`The expression has more than ${MAX_NODES} clauses.`);
  if (depth > MAX_DEPTH) throw invalid(`The expression nests deeper than ${MAX_DEPTH} levels.`);
  if (!isObject(raw)) throw invalid(`${where} must be an object.`);
  const entries = Object.entries(raw);
  if (entries.length !== 1) throw invalid(`${where} must hold exactly one field or $and/$or; join several with $and.`);
  const [name, value] = entries[0]!;
  if (name === "$and" || name === "$or") {
    // `{"$and": {"clauses": [...]}}`, or the Python SDK's `{"$and": [...]}`.
    const list = isObject(value) && Object.keys(value).length === 1 ? value["clauses"] : value;
    if (!Array.isArray(list) || list.length === 0) throw invalid(`${where}.${name} needs {"clauses": [ ... ]} with at least one clause.`);
    const clauses = list.map((clause, i) => parseNode(state, clause, `${where}.${name}.clauses[${i}]`, depth + 1));
    return { kind: name === "$and" ? "and" : "or", clauses };
  }
  if (name.startsWith("$")) throw invalid(`${where}: unknown operator "${name}".`);
  return parseLeaf(state, name, value, where);
}

export interface ParsedExpression {
  root: Expression;
  texts: TextLeaf[];
}

export function parseExpression(raw: unknown, schema: FusionSchema, where: string): ParsedExpression {
  const state: ParseState = { schema, nodes: 0, texts: [] };
  return { root: parseNode(state, raw, where, 0), texts: state.texts };
}

/** What a document's values for a field are, as a list (an array field holds several). */
function valuesOf(metadata: Readonly<Metadata>, field: FusionScalarField): Scalar[] {
  const value = metadata[field.name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function compare(a: Scalar, b: Scalar): number | undefined {
  if (typeof a !== typeof b) return undefined;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether `op` holds for a comparison's order; NaN (values of different types) holds only for $ne. */
function comparisonHolds(op: Comparison, order: number | undefined): boolean {
  if (order === undefined || Number.isNaN(order)) return op === "$ne";
  switch (op) {
    case "$eq": return order === 0;
    case "$ne": return order !== 0;
    case "$gt": return order > 0;
    case "$gte": return order >= 0;
    case "$lt": return order < 0;
    case "$lte": return order <= 0;
  }
}

export interface Evaluation {
  match: boolean;
  score: number;
}

const NO = { match: false, score: 0 } as const;

/**
 * Whether the document matches, and its score: a $textMatch adds boost × BM25 (from `textScores`, by
 * leaf id), another leaf adds its boost only when one is given, $and and $or add their matching
 * clauses' scores. The metadata is read only when a leaf other than $textMatch needs it.
 */
export function evaluate(node: Expression, key: string, metadata: () => Readonly<Metadata>, textScores: ReadonlyArray<ReadonlyMap<string, number>>): Evaluation {
  switch (node.kind) {
    case "and": {
      let score = 0;
      for (const clause of node.clauses) {
        const result = evaluate(clause, key, metadata, textScores);
        if (!result.match) return NO;
        score += result.score;
      }
      return { match: true, score };
    }
    case "or": {
      let score = 0;
      let match = false;
      for (const clause of node.clauses) {
        const result = evaluate(clause, key, metadata, textScores);
        if (result.match) { match = true; score += result.score; }
      }
      return match ? { match, score } : NO;
    }
    case "text": {
      const bm25 = textScores[node.id]!.get(key);
      return bm25 === undefined ? NO : { match: true, score: node.boost * bm25 };
    }
    case "compare": {
      const values = valuesOf(metadata(), node.field);
      const match = node.op === "$ne"
        ? values.every((value) => comparisonHolds("$ne", compare(value, node.value)))
        : values.some((value) => comparisonHolds(node.op, compare(value, node.value)));
      return match ? { match, score: node.boost ?? 0 } : NO;
    }
    case "in": {
      const found = valuesOf(metadata(), node.field).some((value) => node.values.includes(value));
      return found !== node.negate ? { match: true, score: node.boost ?? 0 } : NO;
    }
    case "range": {
      const { bounds } = node;
      const within = (value: Scalar) => (["gt", "gte", "lt", "lte"] as const).every((bound) => {
        const limit = bounds[bound];
        return limit === undefined || comparisonHolds(`$${bound}`, compare(value, limit) ?? Number.NaN);
      });
      const match = valuesOf(metadata(), node.field).some(within);
      return match ? { match, score: node.boost ?? 0 } : NO;
    }
  }
}

/**
 * A filter of the engine's Standard language that every document `node` matches also passes (it may
 * pass more): its `$eq` and `$in` leaves, which mean the same in both languages (strict equality of
 * one type, an array matching when any element does), under `$and` (a clause left out only widens
 * it) and `$or` (only when every clause has one). Undefined when nothing of `node` can be said so.
 * The engine answers it from its inverted metadata indexes (FieldSearch.prefilter).
 */
export function prefilterOf(node: Expression): FilterNode | undefined {
  switch (node.kind) {
    case "compare":
      return node.op === "$eq" ? { op: "eq", key: node.field.name, value: node.value } : undefined;
    case "in":
      return node.negate ? undefined : { op: "in", key: node.field.name, values: node.values };
    case "and": {
      const children = node.clauses.map(prefilterOf).filter((child): child is FilterNode => child !== undefined);
      return children.length === 0 ? undefined : children.length === 1 ? children[0] : { op: "and", children };
    }
    case "or": {
      const children = node.clauses.map(prefilterOf);
      return children.every((child): child is FilterNode => child !== undefined) ? { op: "or", children } : undefined;
    }
    default:
      return undefined;
  }
}
