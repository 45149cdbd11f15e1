// CreateVectorBucket, GetVectorBucket, ListVectorBuckets, DeleteVectorBucket (docs/s3-vectors.md#buckets).
import {
  checkNewBucketName, INDEX_MODES, optionalInteger, optionalString, readEncryption, readTags, requiredString,
  S3V_TOKEN_LIMITS, S3VectorsError, type IndexMode,
} from "@ossv/protocol/s3vectors";
import type { BucketRecord, EncryptionSetting } from "@ossv/engine";
import { EMPTY, epochSeconds, json, resourceOf, type S3vHandler } from "../context.ts";
import { bucketArnOf, requireBucket } from "../resolve.ts";
import { afterToken, listingTag, readAfterToken, taggedToken, untaggedToken } from "../tokens.ts";

/** What a bucket without its own settings reports (buckets made through the OSS API have none). */
export const DEFAULT_ENCRYPTION: EncryptionSetting = { sseType: "AES256" };
export const DEFAULT_INDEX_MODE: IndexMode = INDEX_MODES[1];

export const createVectorBucket: S3vHandler = async (ctx) => {
  const name = requiredString(ctx.body, "vectorBucketName", 1, ctx.limits.maxBucketNameLength);
  checkNewBucketName(name, ctx.limits.maxBucketNameLength);
  const encryption = readEncryption(ctx.body);
  const tags = ctx.body["tags"] === undefined || ctx.body["tags"] === null ? undefined : readTags(ctx.body["tags"], "/tags");
  const { catalog } = ctx.engine;
  if (catalog.listBuckets(ctx.callerAccountId).length >= ctx.limits.maxBucketsPerRegion && !catalog.getBucket(ctx.callerAccountId, name)) {
    throw new S3VectorsError("ServiceQuotaExceededException", `An account may have at most ${ctx.limits.maxBucketsPerRegion} vector buckets.`);
  }
  const bucket = await catalog.createBucket({
    accountId: ctx.callerAccountId, name, region: ctx.ossRegion, defaultIndexMode: DEFAULT_INDEX_MODE,
    ...(encryption && { encryption }), ...(tags && Object.keys(tags).length > 0 && { tags }),
  });
  return json({ vectorBucketArn: bucketArnOf(bucket, ctx.awsRegion) });
};

export const getVectorBucket: S3vHandler = (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  return json({
    vectorBucket: {
      vectorBucketName: bucket.name, vectorBucketArn: bucketArnOf(bucket, ctx.awsRegion), creationTime: epochSeconds(bucket.createdAt),
      encryptionConfiguration: bucket.encryption ?? DEFAULT_ENCRYPTION, defaultIndexMode: bucket.defaultIndexMode ?? DEFAULT_INDEX_MODE,
    },
  });
};

export const deleteVectorBucket: S3vHandler = async (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  await ctx.engine.catalog.deleteBucket(bucket.accountId, bucket.name);
  return EMPTY;
};

export interface ListPage<T> {
  items: T[];
  nextToken?: string;
}

/** One page of records sorted by name: those matching `prefix`, after the token's name. */
/** A page of `records` (sorted by name); `scope` names the listing, so its tokens fit no other. */
export function pageByName<T extends { name: string }>(records: T[], body: Record<string, unknown>, scope: string, maxResults: number, defaultResults: number): ListPage<T> {
  const limit = optionalInteger(body, "maxResults", 1, maxResults) ?? defaultResults;
  const token = optionalString(body, "nextToken", 1, S3V_TOKEN_LIMITS.ListVectorBuckets);
  const prefix = optionalString(body, "prefix", 1, 63) ?? "";
  const tag = listingTag(JSON.stringify([scope, prefix]));
  const after = token === undefined ? undefined : readAfterToken(untaggedToken(tag, token));
  const matching = records.filter((record) => record.name.startsWith(prefix) && (after === undefined || record.name > after));
  const items = matching.slice(0, limit);
  return matching.length > limit ? { items, nextToken: taggedToken(tag, afterToken(items[items.length - 1]!.name)) } : { items };
}

export const listVectorBuckets: S3vHandler = (ctx) => {
  const page = pageByName(ctx.engine.catalog.listBuckets(ctx.callerAccountId), ctx.body, `buckets ${ctx.callerAccountId}`, ctx.limits.listBucketsMax, ctx.limits.listBucketsDefault);
  const summary = (bucket: BucketRecord) => ({
    vectorBucketName: bucket.name, vectorBucketArn: bucketArnOf(bucket, ctx.awsRegion), creationTime: epochSeconds(bucket.createdAt),
  });
  return json({ vectorBuckets: page.items.map(summary), ...(page.nextToken !== undefined && { nextToken: page.nextToken }) });
};
