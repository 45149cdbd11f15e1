// PutVectorIndex, GetVectorIndex, ListVectorIndexes, DeleteVectorIndex
// (docs/protocol.md#index-operations).
import {
  ApiError, bucketArn, formatTimestamp, validateIndexName, validateNonFilterableKeys, type LimitsProfile, type WireIndex,
} from "@ossv/protocol";
import type { DistanceMetric, IndexRecord } from "@ossv/engine";
import { findBucket, requireBucket, requireIndex, type Handler, type OpContext } from "./context.ts";
import { invalid, optionalInteger, optionalString, requiredField, requiredString } from "./params.ts";

function wireIndex(index: IndexRecord, region: string): WireIndex {
  const common = {
    indexName: index.name,
    vectorBucketName: index.bucket,
    bucketArn: bucketArn(region, index.accountId, index.bucket),
    createTime: formatTimestamp(index.createdAt),
    status: "enable",
  };
  // A Fusion index's vector settings are per field, in its schema; its row width is ours alone.
  if (index.fusion) return { ...common, mode: "fusion", schemaConfiguration: index.fusion };
  return {
    ...common,
    dataType: index.dataType,
    dimension: index.dimension,
    distanceMetric: index.distanceMetric,
    metadata: { nonFilterableMetadataKeys: [...index.nonFilterableMetadataKeys] },
    mode: "standard",
  };
}

function readMetric(value: unknown): DistanceMetric {
  if (value !== "euclidean" && value !== "cosine") throw invalid(`"distanceMetric" must be "euclidean" or "cosine".`);
  return value;
}

function readNonFilterableKeys(body: Record<string, unknown>, limits: LimitsProfile): string[] {
  const metadata = body["metadata"];
  if (metadata === undefined || metadata === null) return [];
  if (typeof metadata !== "object" || Array.isArray(metadata)) throw invalid(`"metadata" must be an object.`);
  const keys = (metadata as Record<string, unknown>)["nonFilterableMetadataKeys"];
  if (keys === undefined || keys === null) return [];
  return validateNonFilterableKeys(keys, limits);
}

/** The name of an index to create, checked against the naming rule. */
export function newIndexNameOf(ctx: OpContext): string {
  const name = requiredString(ctx.body, "indexName");
  validateIndexName(name, ctx.limits);
  return name;
}

/**
 * The index name of a request on an existing index. A name the rule refuses is still taken when an
 * index of exactly that name exists: the S3 Vectors API may create names this API would not ('-',
 * '.'; docs/s3-vectors.md#what-each-api-sees). Any other refused name is refused as before.
 */
export function indexNameOf(ctx: OpContext): string {
  const name = requiredString(ctx.body, "indexName");
  try {
    validateIndexName(name, ctx.limits);
  } catch (error) {
    const bucket = findBucket(ctx);
    if (bucket === undefined || ctx.engine.catalog.getIndex(bucket.accountId, bucket.name, name) === undefined) throw error;
  }
  return name;
}

export const putVectorIndex: Handler = async (ctx) => {
  const bucket = requireBucket(ctx);
  const name = newIndexNameOf(ctx);
  const dataType = requiredField(ctx.body, "dataType");
  if (dataType !== "float32") throw invalid(`"dataType" must be "float32".`);
  const dimension = requiredField(ctx.body, "dimension");
  if (typeof dimension !== "number" || !Number.isInteger(dimension) || dimension < 1 || dimension > ctx.limits.maxDimension) {
    throw invalid(`"dimension" must be an integer from 1 to ${ctx.limits.maxDimension}.`);
  }
  const distanceMetric = readMetric(requiredField(ctx.body, "distanceMetric"));
  const nonFilterableMetadataKeys = readNonFilterableKeys(ctx.body, ctx.limits);
  await ctx.engine.catalog.createIndex(bucket.accountId, bucket.name,
    { name, dataType: "float32", dimension, distanceMetric, nonFilterableMetadataKeys }, ctx.limits.maxIndexesPerBucket);
  return {};
};

export const getVectorIndex: Handler = (ctx) => {
  const index = requireIndex(ctx, indexNameOf(ctx));
  return { json: JSON.stringify({ index: wireIndex(index, ctx.region) }) };
};

export const deleteVectorIndex: Handler = async (ctx) => {
  const index = requireIndex(ctx, indexNameOf(ctx));
  await ctx.engine.catalog.deleteIndex(index.accountId, index.bucket, index.name);
  return {};
};

export const listVectorIndexes: Handler = (ctx) => {
  const bucket = requireBucket(ctx);
  const requested = optionalInteger(ctx.body, "maxResults", 0, ctx.limits.listIndexesMax);
  const limit = requested ? requested : ctx.limits.listIndexesDefault;
  const prefix = optionalString(ctx.body, "prefix") ?? "";
  // The token is the last index name returned: the docs' example token is an index name [inferred].
  const after = optionalString(ctx.body, "nextToken") ?? "";
  if (after.length > ctx.limits.maxNextTokenBytes) throw new ApiError("VectorIndexParameterInvalid", `"nextToken" is too long.`);
  const matching = ctx.engine.catalog.listIndexes(bucket.accountId, bucket.name)
    .filter((index) => index.name.startsWith(prefix) && index.name > after);
  const page = matching.slice(0, limit);
  const response: { indexes: WireIndex[]; nextToken?: string } = { indexes: page.map((index) => wireIndex(index, ctx.region)) };
  if (matching.length > limit) response.nextToken = page[page.length - 1]!.name;
  return { json: JSON.stringify(response) };
};
