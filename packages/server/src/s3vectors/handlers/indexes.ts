// CreateIndex, GetIndex, ListIndexes, DeleteIndex, UpdateIndexMode (docs/s3-vectors.md#indexes).
import {
  checkNewIndexName, DISTANCE_METRICS, INDEX_MODES, readEncryption, readNonFilterableKeys, readTags, requiredEnum,
  requiredInteger, requiredString, type IndexMode,
} from "@ossv/protocol/s3vectors";
import type { IndexRecord } from "@ossv/engine";
import { EMPTY, epochSeconds, json, resourceOf, type S3vContext, type S3vHandler } from "../context.ts";
import { indexArnOf, requireBucket, requireIndex } from "../resolve.ts";
import { DEFAULT_ENCRYPTION, DEFAULT_INDEX_MODE, pageByName } from "./buckets.ts";

/** An index made through the OSS API has no mode of its own: it filters as ENHANCED does. */
export function modeOf(index: IndexRecord): IndexMode {
  return index.indexMode ?? DEFAULT_INDEX_MODE;
}

export const createIndex: S3vHandler = async (ctx) => {
  const name = requiredString(ctx.body, "indexName", 1, ctx.limits.maxIndexNameLength);
  checkNewIndexName(name, ctx.limits.maxIndexNameLength);
  requiredEnum(ctx.body, "dataType", ["float32"]);
  const dimension = requiredInteger(ctx.body, "dimension", 1, ctx.limits.maxDimension);
  const distanceMetric = requiredEnum(ctx.body, "distanceMetric", DISTANCE_METRICS);
  const nonFilterableMetadataKeys = readNonFilterableKeys(ctx.body, ctx.limits.maxNonFilterableKeys, ctx.limits.maxNonFilterableKeyBytes);
  const requested = readEncryption(ctx.body);
  const tags = ctx.body["tags"] === undefined || ctx.body["tags"] === null ? undefined : readTags(ctx.body["tags"], "/tags");
  // Every member is checked before the bucket is looked up: a bad request is a 400 whether or not it exists.
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  const encryption = requested ?? bucket.encryption;
  const index = await ctx.engine.catalog.createIndex(bucket.accountId, bucket.name, {
    name, dataType: "float32", dimension, distanceMetric, nonFilterableMetadataKeys,
    indexMode: bucket.defaultIndexMode ?? DEFAULT_INDEX_MODE,
    ...(encryption && { encryption }), ...(tags && Object.keys(tags).length > 0 && { tags }),
  }, ctx.limits.maxIndexesPerBucket);
  return json({ indexArn: indexArnOf(index, ctx.awsRegion) });
};

function fullIndex(ctx: S3vContext, index: IndexRecord): Record<string, unknown> {
  const bucket = ctx.engine.catalog.getBucket(index.accountId, index.bucket);
  return {
    vectorBucketName: index.bucket, indexName: index.name, indexArn: indexArnOf(index, ctx.awsRegion),
    creationTime: epochSeconds(index.createdAt), dataType: index.dataType, dimension: index.dimension,
    distanceMetric: index.distanceMetric,
    ...(index.nonFilterableMetadataKeys.length > 0 && { metadataConfiguration: { nonFilterableMetadataKeys: index.nonFilterableMetadataKeys } }),
    encryptionConfiguration: index.encryption ?? bucket?.encryption ?? DEFAULT_ENCRYPTION,
    indexMode: modeOf(index),
  };
}

export const getIndex: S3vHandler = (ctx) => json({ index: fullIndex(ctx, requireIndex(ctx.engine.catalog, resourceOf(ctx))) });

export const listIndexes: S3vHandler = (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  const page = pageByName(ctx.engine.catalog.listIndexes(bucket.accountId, bucket.name), ctx.body, `indexes ${bucket.accountId} ${bucket.name}`, ctx.limits.listIndexesMax, ctx.limits.listIndexesDefault);
  const summary = (index: IndexRecord) => ({
    vectorBucketName: index.bucket, indexName: index.name, indexArn: indexArnOf(index, ctx.awsRegion), creationTime: epochSeconds(index.createdAt),
  });
  return json({ indexes: page.items.map(summary), ...(page.nextToken !== undefined && { nextToken: page.nextToken }) });
};

export const deleteIndex: S3vHandler = async (ctx) => {
  const index = requireIndex(ctx.engine.catalog, resourceOf(ctx));
  await ctx.engine.catalog.deleteIndex(index.accountId, index.bucket, index.name);
  return EMPTY;
};

export const updateIndexMode: S3vHandler = async (ctx) => {
  const index = requireIndex(ctx.engine.catalog, resourceOf(ctx));
  const mode = requiredEnum(ctx.body, "indexMode", INDEX_MODES);
  await ctx.engine.catalog.setIndexMode(index.accountId, index.bucket, index.name, mode);
  return EMPTY;
};
