// PutVectors, GetVectors, ListVectors, QueryVectors, DeleteVectors (docs/protocol.md#vector-operations).
import {
  parseFilter, validateFloat32Vector, validateKeyBatch, validateMetadata, validateVectorKey,
  type WireVector,
} from "@ossv/protocol";
import { maxListTokenLength, type IndexRecord, type VectorRecord } from "@ossv/engine";
import { requireIndex, type Handler, type OpContext } from "./context.ts";
import { queryFusionAsStandard } from "../fusion/standard-query.ts";
import { indexNameOf } from "./indexes.ts";
import { listVectorsJson, vectorJsonParts, vectorsJson, type VectorWriter } from "./vector-json.ts";
import { readDocument } from "../fusion/documents.ts";
import { documentJsonParts } from "../fusion/document-json.ts";
import { fusionLayoutOf } from "../fusion/layout.ts";
import {
  checkInteger, invalid, optionalBoolean, optionalInteger, optionalString, requiredArray, requiredField,
} from "./params.ts";

function indexOf(ctx: OpContext): IndexRecord {
  return requireIndex(ctx, indexNameOf(ctx));
}

/** What a vector of this index is read from and written as: Fusion indexes key data by field. */
function readerOf(index: IndexRecord, ctx: OpContext): (item: unknown, position: number) => VectorRecord {
  if (!index.fusion) return (item, position) => readVector(item, position, index, ctx);
  const layout = fusionLayoutOf({ ...index, fusion: index.fusion });
  return (item, position) => readDocument(item, position, layout, ctx.limits);
}

function writerOf(index: IndexRecord): VectorWriter {
  return index.fusion ? documentJsonParts(fusionLayoutOf({ ...index, fusion: index.fusion })) : vectorJsonParts;
}

function readVectorData(value: unknown, index: IndexRecord, field: string): Float32Array {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw invalid(`"${field}" must be an object like {"float32": [...]}.`);
  }
  const values = (value as Record<string, unknown>)["float32"];
  if (values === undefined) throw invalid(`"${field}.float32" is required.`);
  return validateFloat32Vector(values, index.dimension, index.distanceMetric, `${field}.float32`);
}

function readVector(item: unknown, position: number, index: IndexRecord, ctx: OpContext): VectorRecord {
  const field = `vectors[${position}]`;
  if (item === null || typeof item !== "object" || Array.isArray(item)) throw invalid(`"${field}" must be an object.`);
  const vector = item as Record<string, unknown>;
  const key = requiredField(vector, "key");
  validateVectorKey(key, ctx.limits, `${field}.key`);
  const data = readVectorData(requiredField(vector, "data"), index, `${field}.data`);
  const metadata = vector["metadata"] ?? {};
  validateMetadata(metadata, index.nonFilterableMetadataKeys, ctx.limits, `${field}.metadata`);
  return { key, data, metadata };
}

export const putVectors: Handler = async (ctx) => {
  const index = indexOf(ctx);
  const items = requiredArray(ctx.body, "vectors", 1, ctx.limits.maxPutVectors);
  const read = readerOf(index, ctx);
  const records = items.map((item, i) => read(item, i));
  const seen = new Set<string>();
  for (const record of records) {
    if (seen.has(record.key)) throw invalid(`The key "${record.key}" appears more than once in "vectors".`);
    seen.add(record.key);
  }
  await ctx.engine.collection(index).put(records);
  return {};
};

function readKeys(ctx: OpContext, max: number, unique: boolean): string[] {
  const keys = ctx.body["keys"];
  validateKeyBatch(keys, { max, unique, limits: ctx.limits });
  return keys;
}

export const getVectors: Handler = async (ctx) => {
  const index = indexOf(ctx);
  const keys = [...new Set(readKeys(ctx, ctx.limits.maxGetKeys, false))];
  const withData = optionalBoolean(ctx.body, "returnData");
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const collection = await ctx.engine.readCollection(index);
  // The rows are read now, at one instant; only their serialization is spread out.
  const records = collection.get(keys);
  const write = writerOf(index);
  return { pieces: vectorsJson(records, (r) => write(r, { withData, withMetadata })) };
};

export const deleteVectors: Handler = async (ctx) => {
  const index = indexOf(ctx);
  const keys = readKeys(ctx, ctx.limits.maxDeleteKeys, true);
  await ctx.engine.collection(index).delete(keys);
  return {};
};

function readSegments(ctx: OpContext): { segmentCount?: number; segmentIndex?: number } {
  const count = optionalInteger(ctx.body, "segmentCount", 1, ctx.limits.maxListSegments);
  const rawIndex = ctx.body["segmentIndex"];
  if (count === undefined) {
    if (rawIndex !== undefined && rawIndex !== null) throw invalid(`"segmentIndex" needs "segmentCount".`);
    return {};
  }
  const segmentIndex = rawIndex === undefined || rawIndex === null ? 0 : checkInteger(rawIndex, "segmentIndex", 0, count - 1);
  return { segmentCount: count, segmentIndex };
}

export const listVectors: Handler = async (ctx) => {
  const index = indexOf(ctx);
  const limit = optionalInteger(ctx.body, "maxResults", 1, ctx.limits.listVectorsMax) ?? ctx.limits.listVectorsDefault;
  const token = optionalString(ctx.body, "nextToken");
  // The service's 2048 bytes, unless our own tokens can be longer: a token names the last key of its
  // page, and 1024 non-ASCII characters make a longer one, which must still be accepted back.
  const maxTokenBytes = Math.max(ctx.limits.maxNextTokenBytes, maxListTokenLength(ctx.limits.maxVectorKeyLength));
  if (token !== undefined && (token.length === 0 || Buffer.byteLength(token) > maxTokenBytes)) {
    throw invalid(`"nextToken" must be 1 to ${maxTokenBytes} bytes.`);
  }
  const withData = optionalBoolean(ctx.body, "returnData");
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const collection = await ctx.engine.readCollection(index);
  // Keys only: each record is read when its turn comes, and most of a page of large vectors may not
  // fit the response budget at all.
  const page = collection.listKeys({ limit, ...(token ? { token } : {}), ...readSegments(ctx) });
  return {
    pieces: listVectorsJson({
      page, read: (key) => collection.get([key])[0], shape: { withData, withMetadata },
      budgetBytes: ctx.listResponseBytes, write: writerOf(index),
    }),
  };
};

export const queryVectors: Handler = async (ctx) => {
  const index = indexOf(ctx);
  if (index.fusion) return queryFusionAsStandard(ctx, index);
  const vector = readVectorData(requiredField(ctx.body, "queryVector"), index, "queryVector");
  const topK = checkInteger(requiredField(ctx.body, "topK"), "topK", 1, ctx.limits.maxTopK);
  const rawFilter = ctx.body["filter"];
  const filter = rawFilter === undefined || rawFilter === null
    ? undefined
    : parseFilter(rawFilter, { nonFilterableKeys: index.nonFilterableMetadataKeys, limits: ctx.limits });
  const withDistance = optionalBoolean(ctx.body, "returnDistance");
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const hits = (await ctx.engine.readCollection(index)).query({ vector, topK, ...(filter && { filter }) });
  const vectors = hits.map((hit) => {
    // hit.record copies the row: read it only when metadata is asked for.
    const out: WireVector = { key: hit.key };
    if (withMetadata) out.metadata = hit.record.metadata;
    if (withDistance) out.distance = hit.distance;
    return out;
  });
  // The rows are read now, at one instant; only their serialization is spread out.
  return { pieces: vectorsJson(vectors, (v) => [JSON.stringify(v)]) };
};
