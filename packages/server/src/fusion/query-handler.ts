// QueryVectorsFusion (docs/fusion.md#querying): k-NN on any vector field, the query language with
// full text, and retriever trees, over the live documents a request's partition keys allow. Answers
// `{"vectors":[{key, score, metadata?}], "nextToken"?}`, higher scores better.
import { createHash } from "node:crypto";
import type { Metadata } from "@ossv/engine";
import { indexNameOf } from "../handlers/indexes.ts";
import { requireIndex, type Handler } from "../handlers/context.ts";
import { invalid } from "../handlers/params.ts";
import { fusionLayoutOf } from "./layout.ts";
import { readFusionQuery, type FusionQuery, type SortKey } from "./query/request.ts";
import { bestOf, knnRoute, queryRoute, retrieve, type Ranked } from "./query/routes.ts";
import { VisibleDocuments, type MetadataReader } from "./query/visible.ts";

/**
 * Without a retriever: the knn routes' and the query's scores added, over the union of their hits;
 * the best `count` when given. A query alone is ranked only that far; beside knn routes it is ranked
 * whole, since a document low in it may still rank by its sum.
 */
function combined(query: FusionQuery, docs: VisibleDocuments, count?: number): Ranked[] {
  if (query.knn.length === 0 && query.query) return queryRoute(query.query, docs, count);
  const routes = [...query.knn.map((route) => knnRoute(route, docs)), ...(query.query ? [queryRoute(query.query, docs)] : [])];
  if (routes.length === 1) return routes[0]!.slice(0, count);
  const sums = new Map<string, number>();
  for (const route of routes) for (const item of route) sums.set(item.key, (sums.get(item.key) ?? 0) + item.score);
  return bestOf([...sums].map(([key, score]) => ({ key, score })), count);
}

type SortValue = string | number | boolean | undefined;

function sortValue(item: Ranked, metadata: Readonly<Metadata>, key: string): SortValue {
  if (key === "_score") return item.score;
  if (key === "_primaryKey") return item.key;
  const value = metadata[key];
  return Array.isArray(value) ? undefined : value;
}

/** Sorted by the keys in order; a document without a value sorts last either way; then by key. */
function sortBy(list: Ranked[], keys: SortKey[], docs: VisibleDocuments): Ranked[] {
  const decorated = list.map((item) => {
    const metadata = metadataOf(docs, item.key);
    return { item, values: keys.map((key) => sortValue(item, metadata, key.key)) };
  });
  decorated.sort((a, b) => {
    for (let i = 0; i < keys.length; i++) {
      const x = a.values[i];
      const y = b.values[i];
      if (x === y) continue;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      const order = typeof x === typeof y ? (x < y ? -1 : 1) : (typeof x < typeof y ? -1 : 1);
      return keys[i]!.descending ? -order : order;
    }
    return a.item.key < b.item.key ? -1 : a.item.key > b.item.key ? 1 : 0;
  });
  return decorated.map(({ item }) => item);
}

/** A ranked document's metadata: every ranked key is a visible document the routes met. */
function metadataOf(docs: VisibleDocuments, key: string): Readonly<Metadata> {
  const read: MetadataReader | undefined = docs.metadataOf(key);
  return read ? read() : {};
}

/** A page token: where the next page starts, bound to the request it continues. */
function requestDigest(body: Record<string, unknown>): string {
  const { nextToken: _token, limit: _limit, ...rest } = body;
  return createHash("sha256").update(JSON.stringify(rest)).digest("base64url").slice(0, 16);
}

function readOffset(token: string, digest: string): number {
  const match = /^(\d{1,9})\.([A-Za-z0-9_-]{16})$/.exec(token);
  if (!match || match[2] !== digest) throw invalid(`"nextToken" does not continue this query.`);
  return Number(match[1]);
}

function returnedMetadata(metadata: Readonly<Metadata>, fields: string[] | undefined): Readonly<Record<string, unknown>> {
  if (!fields) return metadata;
  return Object.fromEntries(fields.filter((name) => name in metadata).map((name) => [name, metadata[name]]));
}

export const queryVectorsFusion: Handler = async (ctx) => {
  const index = requireIndex(ctx, indexNameOf(ctx));
  if (!index.fusion) throw invalid("QueryVectorsFusion serves Fusion indexes; query a Standard index with QueryVectors.");
  const layout = fusionLayoutOf({ ...index, fusion: index.fusion });
  const query = readFusionQuery(ctx.body, layout, layout.schema.fields.length + ctx.limits.maxMetadataKeys);
  const collection = await ctx.engine.readCollection(index);
  const partitionKey = layout.schema.partitionKey?.name;
  const partition = query.partitionKeys && partitionKey !== undefined ? { field: partitionKey, values: new Set(query.partitionKeys) } : undefined;
  // From here to the answer in one synchronous step: the documents are read where the engine holds them.
  const docs = new VisibleDocuments(collection, partition);
  const paged = query.knn.length === 0 && !query.retriever;
  const digest = paged ? requestDigest(ctx.body) : "";
  const offset = query.nextToken === undefined ? 0 : readOffset(query.nextToken, digest);
  // Ranked only as far as the page needs (one more tells whether a next page exists); a sort by
  // fields needs every match.
  const count = query.sort ? undefined : offset + query.limit + 1;
  let ranked = query.retriever ? retrieve(query.retriever, docs, count) : combined(query, docs, count);
  if (query.sort) ranked = sortBy(ranked, query.sort, docs);
  const page = ranked.slice(offset, offset + query.limit);
  const vectors = page.map((item) => ({
    key: item.key,
    ...(query.returnMetadata && { metadata: returnedMetadata(metadataOf(docs, item.key), query.returnMetadataFields) }),
    score: item.score,
  }));
  const end = offset + page.length;
  const nextToken = paged && end < ranked.length ? `${end}.${digest}` : undefined;
  return { pieces: responseJson(vectors, nextToken) };
};

function* responseJson(vectors: object[], nextToken: string | undefined): Generator<string> {
  yield '{"vectors":[';
  for (let i = 0; i < vectors.length; i++) yield (i > 0 ? "," : "") + JSON.stringify(vectors[i]);
  yield nextToken === undefined ? "]}" : `],"nextToken":${JSON.stringify(nextToken)}}`;
}
