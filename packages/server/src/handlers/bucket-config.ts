// Bucket policy (docs/protocol.md#bucket-policy-operations) and bucket logging
// (docs/protocol.md#bucket-logging-operations).
import { ApiError, parsePolicy, type WireLoggingEnabled } from "@ossv/protocol";
import type { BucketLogging } from "@ossv/engine";
import { requireBucket, type Handler } from "./context.ts";

export const putBucketPolicy: Handler = async (ctx) => {
  const bucket = requireBucket(ctx);
  // Stored byte for byte: GetBucketPolicy must return exactly what was sent
  // (docs/protocol.md#putbucketpolicy).
  const text = ctx.rawBody.toString("utf8");
  if (text.trim() === "") throw new ApiError("MissingArgument", "The request body must be a policy document.");
  // The OSS API takes OSS documents only; the policy engine also reads the AWS form that the S3
  // Vectors API stores (docs/s3-vectors.md#policies).
  parsePolicy(text, { bucketPolicy: true, versions: ["1"] });
  await ctx.engine.catalog.setBucketPolicy(bucket.accountId, bucket.name, text);
  return {};
};

export const getBucketPolicy: Handler = (ctx) => {
  const bucket = requireBucket(ctx);
  if (bucket.policy === undefined) throw new ApiError("NoSuchBucketPolicy");
  return { json: bucket.policy };
};

export const deleteBucketPolicy: Handler = async (ctx) => {
  const bucket = requireBucket(ctx);
  await ctx.engine.catalog.setBucketPolicy(bucket.accountId, bucket.name, undefined);
  return {};
};

function objectField(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw new ApiError("InvalidArgument", `${name} must be an object.`);
  return value as Record<string, unknown>;
}

function optionalText(source: Record<string, unknown>, name: string): string | undefined {
  const value = source[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") throw new ApiError("InvalidArgument", `LoggingEnabled.${name} must be a string.`);
  return value;
}

/** `{"BucketLoggingStatus":{"LoggingEnabled":{...}}}`; an absent or empty LoggingEnabled turns logging off. */
function readLogging(body: Record<string, unknown>): BucketLogging | undefined {
  const status = objectField(body["BucketLoggingStatus"], "BucketLoggingStatus");
  if (!status) throw new ApiError("MissingArgument", "The body must hold BucketLoggingStatus.");
  const enabled = objectField(status["LoggingEnabled"], "BucketLoggingStatus.LoggingEnabled");
  if (!enabled || Object.keys(enabled).length === 0) return undefined;
  const targetBucket = optionalText(enabled, "TargetBucket");
  if (!targetBucket) throw new ApiError("MissingArgument", "LoggingEnabled.TargetBucket is required.");
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(targetBucket)) {
    throw new ApiError("InvalidArgument", `LoggingEnabled.TargetBucket "${targetBucket}" is not a valid bucket name.`);
  }
  const targetPrefix = optionalText(enabled, "TargetPrefix");
  const loggingRole = optionalText(enabled, "LoggingRole");
  return { targetBucket, ...(targetPrefix ? { targetPrefix } : {}), ...(loggingRole ? { loggingRole } : {}) };
}

export const putBucketLogging: Handler = async (ctx) => {
  const bucket = requireBucket(ctx);
  await ctx.engine.catalog.setBucketLogging(bucket.accountId, bucket.name, readLogging(ctx.body));
  return {};
};

export const getBucketLogging: Handler = (ctx) => {
  const logging = requireBucket(ctx).logging;
  // With logging off the service still answers 200 with an empty LoggingEnabled
  // (docs/protocol.md#getbucketlogging, inferred).
  const enabled: WireLoggingEnabled = {};
  if (logging) {
    enabled.TargetBucket = logging.targetBucket;
    if (logging.targetPrefix) enabled.TargetPrefix = logging.targetPrefix;
    if (logging.loggingRole) enabled.LoggingRole = logging.loggingRole;
  }
  return { json: JSON.stringify({ BucketLoggingStatus: { LoggingEnabled: enabled } }) };
};

export const deleteBucketLogging: Handler = async (ctx) => {
  const bucket = requireBucket(ctx);
  await ctx.engine.catalog.setBucketLogging(bucket.accountId, bucket.name, undefined);
  return {};
};
