// The bucket policy operations and PutVectorBucketDefaultIndexMode (docs/s3-vectors.md#policies).
import { parsePolicy } from "@ossv/protocol";
import { INDEX_MODES, notFound, POLICY_NOT_FOUND, requiredEnum, requiredString } from "@ossv/protocol/s3vectors";
import { EMPTY, json, resourceOf, type S3vHandler } from "../context.ts";
import { requireBucket } from "../resolve.ts";

/** The OSS API's limit on a policy document, which both APIs store in the same place. */
const MAX_POLICY_CHARS = 16 * 1024;

export const putVectorBucketPolicy: S3vHandler = async (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  const text = requiredString(ctx.body, "policy", 1, MAX_POLICY_CHARS);
  // Stored as sent: GetVectorBucketPolicy returns the same string.
  parsePolicy(text, { bucketPolicy: true });
  await ctx.engine.catalog.setBucketPolicy(bucket.accountId, bucket.name, text);
  return EMPTY;
};

export const getVectorBucketPolicy: S3vHandler = (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  if (bucket.policy === undefined) throw notFound(POLICY_NOT_FOUND);
  return json({ policy: bucket.policy });
};

export const deleteVectorBucketPolicy: S3vHandler = async (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  if (bucket.policy !== undefined) await ctx.engine.catalog.setBucketPolicy(bucket.accountId, bucket.name, undefined);
  return EMPTY;
};

export const putVectorBucketDefaultIndexMode: S3vHandler = async (ctx) => {
  const bucket = requireBucket(ctx.engine.catalog, resourceOf(ctx));
  const mode = requiredEnum(ctx.body, "defaultIndexMode", INDEX_MODES);
  await ctx.engine.catalog.setBucketDefaultIndexMode(bucket.accountId, bucket.name, mode);
  return EMPTY;
};
