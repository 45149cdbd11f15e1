// QueryVectors (docs/s3-vectors.md#queryvectors): the nearest topK vectors (up to 10,000), in pages.
//
// Every page runs the whole query again on the index as it is now and returns the hits that rank
// after the last one of the previous page, in (distance, key) order. So a page never holds a vector
// deleted before it was asked for, never repeats one, and the pages together never exceed topK; the
// engine filters before it ranks, so a filtered query is never short of topK while enough match.
// The token binds the query it continues (index, vector, topK, filter, mode) and expires.
import { createHash } from "node:crypto";
import {
  INDEX_MODES, optionalBoolean, optionalEnum, optionalString, requiredInteger, S3V_QUERY_PAGE_SIZE, S3V_TOKEN_LIMITS,
  validation,
} from "@ossv/protocol/s3vectors";
import type { FilterNode } from "@ossv/protocol";
import type { IndexRecord, QueryHit } from "@ossv/engine";
import { resourceOf, type S3vContext, type S3vHandler } from "../context.ts";
import { requireIndex } from "../resolve.ts";
import { modeOf } from "./indexes.ts";
import { readVectorData } from "./vectors.ts";

interface Cursor {
  /** Hash of what the token's query was. */
  q: string;
  /** Distance and key of the last hit returned, and how many hits have been returned. */
  d: number;
  k: string;
  n: number;
}

function queryHash(index: IndexRecord, vector: Float32Array, topK: number, body: Record<string, unknown>): string {
  const hash = createHash("sha256");
  hash.update(`${index.id}\u0000${topK}\u0000${JSON.stringify(body["filter"] ?? null)}\u0000${JSON.stringify(body["queryMode"] ?? null)}\u0000`);
  hash.update(new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength));
  return hash.digest("base64url");
}

function readCursor(ctx: S3vContext, hash: string): Cursor | undefined {
  const token = optionalString(ctx.body, "nextToken", 1, S3V_TOKEN_LIMITS.QueryVectors);
  if (token === undefined) return undefined;
  const payload = ctx.tokens.open(token);
  if (payload["q"] !== hash || typeof payload["d"] !== "number" || typeof payload["k"] !== "string" || typeof payload["n"] !== "number") {
    throw validation("The nextToken belongs to another query: repeat the same queryVector, topK, filter and queryMode", "/nextToken");
  }
  return payload as unknown as Cursor;
}

function readFilter(ctx: S3vContext, index: IndexRecord): FilterNode | undefined {
  const queryMode = optionalEnum(ctx.body, "queryMode", INDEX_MODES);
  const indexMode = modeOf(index);
  if (queryMode === "CLASSIC" && indexMode === "ENHANCED") {
    throw validation("queryMode CLASSIC cannot be used on an index in ENHANCED mode", "/queryMode");
  }
  const raw = ctx.body["filter"];
  if (raw === undefined || raw === null) return undefined;
  return ctx.parseFilter(raw, { mode: queryMode ?? indexMode, nonFilterableKeys: index.nonFilterableMetadataKeys, limits: ctx.limits });
}

const byDistanceThenKey = (a: QueryHit, b: QueryHit): number =>
  a.distance - b.distance || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function after(hit: QueryHit, cursor: Cursor): boolean {
  return hit.distance > cursor.d || (hit.distance === cursor.d && hit.key > cursor.k);
}

export const queryVectors: S3vHandler = async (ctx) => {
  const topK = requiredInteger(ctx.body, "topK", 1, ctx.limits.maxTopK);
  const index = requireIndex(ctx.engine.catalog, resourceOf(ctx));
  const vector = readVectorData(ctx.body["queryVector"], "/queryVector", index.dimension, index.distanceMetric, "queryVector");
  const filter = readFilter(ctx, index);
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const withDistance = optionalBoolean(ctx.body, "returnDistance");
  const hash = queryHash(index, vector, topK, ctx.body);
  const cursor = readCursor(ctx, hash);
  const returned = cursor?.n ?? 0;
  const hits = (await ctx.engine.readCollection(index)).query({ vector, topK, ...(filter && { filter }) }).sort(byDistanceThenKey);
  const remaining = (cursor ? hits.filter((hit) => after(hit, cursor)) : hits).slice(0, topK - returned);
  const page: string[] = [];
  let bytes = 0;
  for (const hit of remaining) {
    if (page.length >= S3V_QUERY_PAGE_SIZE || (page.length > 0 && bytes >= ctx.listResponseBytes)) break;
    // hit.record copies the row: read it only when metadata is asked for.
    const item = JSON.stringify({ key: hit.key, ...(withMetadata && { metadata: hit.record.metadata }), ...(withDistance && { distance: hit.distance }) });
    page.push(item);
    bytes += item.length;
  }
  const last = remaining[page.length - 1];
  const more = page.length < remaining.length && last !== undefined;
  const nextToken = more ? ctx.tokens.seal({ q: hash, d: last.distance, k: last.key, n: returned + page.length }) : undefined;
  const tail = `],"distanceMetric":${JSON.stringify(index.distanceMetric)}${nextToken === undefined ? "" : `,"nextToken":${JSON.stringify(nextToken)}`}}`;
  return { json: `{"vectors":[${page.join(",")}${tail}` };
};
