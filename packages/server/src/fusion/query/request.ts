// The members of a QueryVectorsFusion request (docs/fusion.md#querying), checked against the schema,
// with the combinations the service refuses refused here too.
import type { FusionSchema } from "@ossv/protocol";
import { validateFloat32Vector } from "@ossv/protocol";
import { checkInteger, invalid, optionalBoolean, optionalString } from "../../handlers/params.ts";
import { fieldValues } from "../documents.ts";
import type { FieldSlot, FusionLayout } from "../layout.ts";
import { parseExpression, type ParsedExpression } from "./expression.ts";

export const QUERY_LIMITS = {
  maxKnn: 3, maxLimit: 1000, maxTopK: 1000, maxNumCandidates: 10_000, maxWindowSize: 10_000,
  maxComponents: 3, maxDepth: 2, maxSort: 3, maxPartitionKeys: 100, defaultLimit: 10, defaultTopK: 10,
  defaultWindowSize: 100, defaultRrfK: 50, maxRrfK: 65_536,
} as const;

export interface KnnRoute {
  slot: FieldSlot;
  vector: Float32Array;
  topK: number;
  /** The least beam of a field graph's search (0 when the request names none). */
  numCandidates: number;
  filter?: ParsedExpression;
  boost: number;
}

export type Normalizer = "none" | "minMax" | "l2";

export type RetrieverNode =
  | { kind: "simple"; query: ParsedExpression }
  | { kind: "knn"; knn: KnnRoute }
  | { kind: "rrf" | "weight"; k: number; windowSize: number; components: Array<{ node: RetrieverNode; weight: number; normalizer: Normalizer }> };

export interface SortKey {
  key: string;
  descending: boolean;
}

export interface FusionQuery {
  knn: KnnRoute[];
  query?: ParsedExpression;
  retriever?: RetrieverNode;
  limit: number;
  nextToken?: string;
  partitionKeys?: string[];
  returnMetadata: boolean;
  returnMetadataFields?: string[];
  sort?: SortKey[];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function present(body: Record<string, unknown>, key: string): boolean {
  return body[key] !== undefined && body[key] !== null;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw invalid(`${where} does not take "${key}".`);
}

function readWeight(raw: unknown, where: string): number {
  if (raw === undefined || raw === null) return 1;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0) throw invalid(`${where} must be a number ≥ 0.`);
  return raw;
}

function readKnn(raw: unknown, layout: FusionLayout, where: string): KnnRoute {
  if (!isObject(raw)) throw invalid(`${where} must be an object.`);
  onlyKeys(raw, ["field", "queryVector", "topK", "numCandidates", "filter", "boost"], where);
  const name = raw["field"];
  if (typeof name !== "string") throw invalid(`${where}.field must name a vector field.`);
  const slot = layout.slots.find((candidate) => candidate.field.name === name);
  if (!slot) throw invalid(`${where}.field "${name}" is not a vector field of the index.`);
  const metric = slot.field.distanceMetric === "cosine" ? "cosine" : "euclidean";
  const vector = validateFloat32Vector(fieldValues(raw["queryVector"]), slot.field.dimension, metric, `${where}.queryVector`);
  const topK = raw["topK"] === undefined ? QUERY_LIMITS.defaultTopK : checkInteger(raw["topK"], `${where}.topK`, 1, QUERY_LIMITS.maxTopK);
  let numCandidates = 0;
  if (raw["numCandidates"] !== undefined) {
    numCandidates = checkInteger(raw["numCandidates"], `${where}.numCandidates`, 1, QUERY_LIMITS.maxNumCandidates);
    if (numCandidates < topK) throw invalid(`${where}.numCandidates (${numCandidates}) must be at least topK (${topK}).`);
  }
  const route: KnnRoute = { slot, vector, topK, numCandidates, boost: readWeight(raw["boost"], `${where}.boost`) };
  if (present(raw, "filter")) route.filter = parseExpression(raw["filter"], layout.schema, `${where}.filter`);
  return route;
}

function readKnnList(raw: unknown, layout: FusionLayout): KnnRoute[] {
  // Java and Go send an array; the Python SDK passes a single object through, which the service took.
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length < 1 || list.length > QUERY_LIMITS.maxKnn) throw invalid(`"knn" must have 1 to ${QUERY_LIMITS.maxKnn} entries.`);
  const routes = list.map((item, i) => readKnn(item, layout, `knn[${i}]`));
  const fields = new Set(routes.map((route) => route.slot.field.name));
  if (fields.size !== routes.length) throw invalid(`"knn" names the same vector field twice.`);
  return routes;
}

const NORMALIZERS: readonly Normalizer[] = ["none", "minMax", "l2"];

function readCompound(kind: "rrf" | "weight", raw: unknown, layout: FusionLayout, where: string, depth: number): RetrieverNode {
  if (!isObject(raw)) throw invalid(`${where} must be an object.`);
  onlyKeys(raw, kind === "rrf" ? ["k", "windowSize", "retrievers", "components"] : ["windowSize", "retrievers", "components"], where);
  // The Python SDK names the list `components`.
  const list = raw["retrievers"] ?? raw["components"];
  if (!Array.isArray(list) || list.length < 1 || list.length > QUERY_LIMITS.maxComponents) {
    throw invalid(`${where}.retrievers must have 1 to ${QUERY_LIMITS.maxComponents} components.`);
  }
  const k = raw["k"] === undefined ? QUERY_LIMITS.defaultRrfK : checkInteger(raw["k"], `${where}.k`, 1, QUERY_LIMITS.maxRrfK);
  const windowSize = raw["windowSize"] === undefined ? QUERY_LIMITS.defaultWindowSize
    : checkInteger(raw["windowSize"], `${where}.windowSize`, 1, QUERY_LIMITS.maxWindowSize);
  const components = list.map((item, i) => {
    const at = `${where}.retrievers[${i}]`;
    if (!isObject(item)) throw invalid(`${at} must be an object.`);
    onlyKeys(item, ["retriever", "weight", "normalizer"], at);
    const normalizer = item["normalizer"] ?? "none";
    // Under rrf a normalizer means nothing (ranks are fused, not scores); it is checked, then unused.
    if (!NORMALIZERS.includes(normalizer as Normalizer)) throw invalid(`${at}.normalizer must be one of ${NORMALIZERS.join(", ")}.`);
    return { node: readRetriever(item["retriever"], layout, `${at}.retriever`, depth + 1), weight: readWeight(item["weight"], `${at}.weight`), normalizer: normalizer as Normalizer };
  });
  return { kind, k, windowSize, components };
}

function readRetriever(raw: unknown, layout: FusionLayout, where: string, depth: number): RetrieverNode {
  if (!isObject(raw)) throw invalid(`${where} must be an object.`);
  const keys = Object.keys(raw);
  if (keys.length !== 1) throw invalid(`${where} must hold exactly one of simple, knn, rrf, weight.`);
  const kind = keys[0]!;
  const body = raw[kind];
  if (kind === "simple") {
    if (!isObject(body)) throw invalid(`${where}.simple must be an object.`);
    onlyKeys(body, ["query"], `${where}.simple`);
    return { kind: "simple", query: parseExpression(body["query"], layout.schema, `${where}.simple.query`) };
  }
  if (kind === "knn") return { kind: "knn", knn: readKnn(body, layout, `${where}.knn`) };
  if (kind === "rrf" || kind === "weight") {
    if (depth >= QUERY_LIMITS.maxDepth) throw invalid(`${where}: compound retrievers nest at most ${QUERY_LIMITS.maxDepth} levels.`);
    return readCompound(kind, body, layout, `${where}.${kind}`, depth);
  }
  throw invalid(`${where}: unknown retriever "${kind}".`);
}

function readSort(raw: unknown, schema: FusionSchema): SortKey[] {
  if (!Array.isArray(raw) || raw.length < 1 || raw.length > QUERY_LIMITS.maxSort) throw invalid(`"sort" must have 1 to ${QUERY_LIMITS.maxSort} entries.`);
  return raw.map((entry, i) => {
    const where = `sort[${i}]`;
    if (!isObject(entry) || Object.keys(entry).length !== 1) throw invalid(`${where} must be one {"field": {"order": ...}}.`);
    const [name, spec] = Object.entries(entry)[0]!;
    if (!isObject(spec)) throw invalid(`${where}.${name} must be an object.`);
    onlyKeys(spec, ["order"], `${where}.${name}`);
    // The Python sample writes `score`: the same as `_score`.
    const key = name === "score" ? "_score" : name;
    if (key !== "_score" && key !== "_primaryKey") {
      const field = schema.fields.find((candidate) => candidate.name === key);
      if (!field || field.type === "vector" || field.isArray || field.text || field.type === "geoPoint") {
        throw invalid(`${where}: "${name}" is not a sortable field (a single-valued scalar field of the schema, _score or _primaryKey).`);
      }
    }
    const order = spec["order"] ?? (key === "_score" ? "desc" : "asc");
    if (order !== "asc" && order !== "desc") throw invalid(`${where}.${name}.order must be "asc" or "desc".`);
    return { key, descending: order === "desc" };
  });
}

function readStringList(raw: unknown, name: string, max: number): string[] {
  if (!Array.isArray(raw) || raw.length > max || raw.some((item) => typeof item !== "string")) {
    throw invalid(`"${name}" must be an array of at most ${max} strings.`);
  }
  return raw as string[];
}

const MEMBERS = ["indexName", "knn", "query", "retriever", "limit", "nextToken", "partitionKeys", "returnMetadata", "returnMetadataFields", "sort"];
const WITH_RETRIEVER = ["indexName", "retriever", "limit", "partitionKeys", "returnMetadata", "returnMetadataFields"];

export function readFusionQuery(body: Record<string, unknown>, layout: FusionLayout, maxFields: number): FusionQuery {
  onlyKeys(body, MEMBERS, "QueryVectorsFusion");
  if (present(body, "retriever")) {
    const extra = Object.keys(body).filter((key) => present(body, key) && !WITH_RETRIEVER.includes(key));
    if (extra.length > 0) throw invalid(`"retriever" cannot be combined with ${extra.map((key) => `"${key}"`).join(", ")}.`);
  }
  if (present(body, "nextToken") && present(body, "knn")) throw invalid(`"nextToken" pages only pure "query" searches, not "knn".`);
  if (!present(body, "knn") && !present(body, "query") && !present(body, "retriever")) {
    throw invalid(`QueryVectorsFusion needs "knn", "query" or "retriever".`);
  }
  const query: FusionQuery = {
    knn: present(body, "knn") ? readKnnList(body["knn"], layout) : [],
    limit: body["limit"] === undefined || body["limit"] === null ? QUERY_LIMITS.defaultLimit : checkInteger(body["limit"], "limit", 1, QUERY_LIMITS.maxLimit),
    returnMetadata: optionalBoolean(body, "returnMetadata"),
  };
  if (present(body, "query")) query.query = parseExpression(body["query"], layout.schema, "query");
  if (present(body, "retriever")) query.retriever = readRetriever(body["retriever"], layout, "retriever", 0);
  const token = optionalString(body, "nextToken");
  if (token !== undefined) query.nextToken = token;
  if (present(body, "partitionKeys")) {
    if (!layout.schema.partitionKey) throw invalid(`"partitionKeys" needs an index with a partition key.`);
    query.partitionKeys = readStringList(body["partitionKeys"], "partitionKeys", QUERY_LIMITS.maxPartitionKeys);
  }
  if (present(body, "returnMetadataFields")) query.returnMetadataFields = readStringList(body["returnMetadataFields"], "returnMetadataFields", maxFields);
  if (present(body, "sort")) query.sort = readSort(body["sort"], layout.schema);
  return query;
}
