// PutVectors, GetVectors, ListVectors, DeleteVectors (docs/s3-vectors.md#vectors). The JSON of vectors
// and the ListVectors page budget are the OSS API's (handlers/vector-json.ts): the two APIs write a
// vector the same way.
import { validateFloat32Vector, validateKeyBatch, validateMetadata, validateVectorKey, type DistanceMetric } from "@ossv/protocol";
import {
  fieldInvalid, optionalBoolean, optionalInteger, optionalString, requiredArray, S3V_TOKEN_LIMITS, validation,
} from "@ossv/protocol/s3vectors";
import { maxListTokenLength, type IndexRecord, type ListKeysPage, type VectorRecord } from "@ossv/engine";
import { EMPTY, resourceOf, type S3vContext, type S3vHandler } from "../context.ts";
import { requireIndex } from "../resolve.ts";
import { listVectorsJson, vectorJsonParts, vectorsJson } from "../../handlers/vector-json.ts";
import { listingTag, SCOPE_TAG_CHARS, taggedToken, untaggedToken } from "../tokens.ts";

function indexOf(ctx: S3vContext): IndexRecord {
  return requireIndex(ctx.engine.catalog, resourceOf(ctx));
}

/** `{"float32": [...]}` of exactly the index's dimension; `describe` names the vector in messages. */
export function readVectorData(value: unknown, path: string, dimension: number, metric: DistanceMetric, describe: string): Float32Array {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw fieldInvalid(path, "failed to satisfy constraint: Member must be an object like {\"float32\": [...]}");
  const values = (value as Record<string, unknown>)["float32"];
  if (values === undefined || values === null) throw fieldInvalid(`${path}/float32`, "failed to satisfy constraint: Member must not be null");
  const length = Array.isArray(values) || values instanceof Float32Array ? values.length : -1;
  if (length >= 0 && length !== dimension) throw validation(`Invalid ${describe}: vector must have length ${dimension}, but has length ${length}`, path);
  return validateFloat32Vector(values, dimension, metric, `${path}/float32`);
}

function readVector(item: unknown, position: number, index: IndexRecord, ctx: S3vContext): VectorRecord {
  const path = `/vectors/${position}`;
  if (item === null || typeof item !== "object" || Array.isArray(item)) throw fieldInvalid(path, "failed to satisfy constraint: Member must be an object");
  const vector = item as Record<string, unknown>;
  const key = vector["key"];
  validateVectorKey(key, ctx.limits, `${path}/key`);
  const data = readVectorData(vector["data"], `${path}/data`, index.dimension, index.distanceMetric, `record for key '${key}'`);
  const metadata = vector["metadata"] ?? {};
  validateMetadata(metadata, index.nonFilterableMetadataKeys, ctx.limits, `${path}/metadata`);
  return { key, data, metadata };
}

export const putVectors: S3vHandler = async (ctx) => {
  const items = requiredArray(ctx.body, "vectors", 1, ctx.limits.maxPutVectors);
  const index = indexOf(ctx);
  const records = items.map((item, i) => readVector(item, i, index, ctx));
  const seen = new Map<string, number>();
  records.forEach((record, i) => {
    const first = seen.get(record.key);
    // Which of two writes of one key should win is not documented; refusing loses nothing.
    if (first !== undefined) throw validation(`The key '${record.key}' appears twice in vectors (at ${first} and ${i})`, `/vectors/${i}/key`);
    seen.set(record.key, i);
  });
  await ctx.engine.collection(index).put(records);
  return EMPTY;
};

function readKeys(ctx: S3vContext, max: number): string[] {
  const keys = ctx.body["keys"];
  requiredArray(ctx.body, "keys", 1, max);
  validateKeyBatch(keys, { max, limits: ctx.limits });
  return [...new Set(keys)];
}

export const getVectors: S3vHandler = async (ctx) => {
  const keys = readKeys(ctx, ctx.limits.maxGetKeys);
  const withData = optionalBoolean(ctx.body, "returnData");
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const records = (await ctx.engine.readCollection(indexOf(ctx))).get(keys);
  return { pieces: vectorsJson(records, (r) => vectorJsonParts(r, { withData, withMetadata })) };
};

export const deleteVectors: S3vHandler = async (ctx) => {
  const keys = readKeys(ctx, ctx.limits.maxDeleteKeys);
  await ctx.engine.collection(indexOf(ctx)).delete(keys);
  return EMPTY;
};

function readSegments(ctx: S3vContext): { segmentCount?: number; segmentIndex?: number } {
  const segmentCount = optionalInteger(ctx.body, "segmentCount", 1, ctx.limits.maxListSegments);
  const segmentIndex = optionalInteger(ctx.body, "segmentIndex", 0, ctx.limits.maxListSegments - 1);
  if ((segmentCount === undefined) !== (segmentIndex === undefined)) {
    throw validation("segmentCount and segmentIndex must be given together", segmentCount === undefined ? "/segmentCount" : "/segmentIndex");
  }
  if (segmentCount === undefined || segmentIndex === undefined) return {};
  if (segmentIndex >= segmentCount) throw validation("1 validation error detected: segmentIndex must be less than segmentCount", "/segmentIndex");
  return { segmentCount, segmentIndex };
}

/** The engine's page, its tokens tagged with the listing (the segment is already in them). */
function taggedPage(tag: string, page: ListKeysPage): ListKeysPage {
  return {
    keys: page.keys,
    ...(page.nextToken !== undefined && { nextToken: taggedToken(tag, page.nextToken) }),
    tokenAfter: (key) => taggedToken(tag, page.tokenAfter(key)),
  };
}

export const listVectors: S3vHandler = async (ctx) => {
  const limit = optionalInteger(ctx.body, "maxResults", 1, ctx.limits.listVectorsMax) ?? ctx.limits.listVectorsDefault;
  // The model's 2,048, unless our own tokens can be longer: a token names a key of up to 1,024
  // characters, and non-ASCII ones make a longer token, which must still be accepted back.
  const maxToken = Math.max(S3V_TOKEN_LIMITS.ListVectors, maxListTokenLength(ctx.limits.maxVectorKeyLength) + SCOPE_TAG_CHARS);
  const scoped = optionalString(ctx.body, "nextToken", 1, maxToken);
  const withData = optionalBoolean(ctx.body, "returnData");
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const segments = readSegments(ctx);
  const index = indexOf(ctx);
  const tag = listingTag(`vectors ${index.id}`); // the storage id: a re-created index is another listing
  const token = scoped === undefined ? undefined : untaggedToken(tag, scoped);
  const collection = await ctx.engine.readCollection(index);
  const page = taggedPage(tag, collection.listKeys({ limit, ...(token !== undefined && { token }), ...segments }));
  return {
    pieces: listVectorsJson({
      page, read: (key) => collection.get([key])[0], shape: { withData, withMetadata }, budgetBytes: ctx.listResponseBytes,
    }),
  };
};
