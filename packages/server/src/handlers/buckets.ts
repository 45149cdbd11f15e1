// PutVectorBucket, GetVectorBucket, ListVectorBuckets, DeleteVectorBucket
// (docs/protocol.md#bucket-operations).
import {
  ApiError, bucketArn, formatTimestamp, validateBucketName,
  type ListAllMyBucketsResult, type WireBucketInfo,
} from "@ossv/protocol";
import type { BucketRecord } from "@ossv/engine";
import { requireBucket, type Handler, type OpContext } from "./context.ts";

/**
 * The service reports its own endpoints here. Alibaba's are `{region}.oss-vectors.aliyuncs.com`;
 * ours is wherever this server was reached (or --public-endpoint), so code that follows these
 * fields (the Go SDK's integration cleanup does) stays on ossv. There is no separate VPC endpoint.
 */
export function bucketInfo(bucket: BucketRecord, serviceEndpoint: string): WireBucketInfo {
  const info: WireBucketInfo = {
    Name: bucketArn(bucket.region, bucket.accountId, bucket.name),
    Location: `oss-${bucket.region}`,
    Region: bucket.region,
    CreationDate: formatTimestamp(bucket.createdAt),
    ExtranetEndpoint: serviceEndpoint,
    IntranetEndpoint: serviceEndpoint,
  };
  if (bucket.resourceGroupId) info.ResourceGroupId = bucket.resourceGroupId;
  return info;
}

/** `k1=v1&k2=v2` from x-oss-bucket-tagging. */
function parseTagging(header: string | undefined): Record<string, string> | undefined {
  if (!header) return undefined;
  const tags: Record<string, string> = {};
  for (const pair of header.split("&").filter(Boolean)) {
    const eq = pair.indexOf("=");
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    if (key === "") throw new ApiError("InvalidArgument", "x-oss-bucket-tagging has an empty tag key.");
    tags[key] = decodeURIComponent(eq < 0 ? "" : pair.slice(eq + 1));
  }
  return tags;
}

function headerValue(ctx: OpContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export const putVectorBucket: Handler = async (ctx) => {
  const name = ctx.bucketName ?? "";
  validateBucketName(name, ctx.limits);
  let tags: Record<string, string> | undefined;
  try {
    tags = parseTagging(headerValue(ctx, "x-oss-bucket-tagging"));
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError("InvalidArgument", "x-oss-bucket-tagging is not valid k1=v1&k2=v2 encoding.");
  }
  if (ctx.engine.catalog.listBuckets(ctx.accountId).length >= ctx.limits.maxBucketsPerRegion
    && !ctx.engine.catalog.getBucket(ctx.accountId, name)) {
    throw new ApiError("TooManyBuckets", `An account may have at most ${ctx.limits.maxBucketsPerRegion} vector buckets in a region.`);
  }
  const resourceGroupId = headerValue(ctx, "x-oss-resource-group-id");
  await ctx.engine.catalog.createBucket({
    accountId: ctx.accountId, name, region: ctx.region,
    ...(resourceGroupId ? { resourceGroupId } : {}), ...(tags ? { tags } : {}),
  });
  return {};
};

export const getVectorBucket: Handler = (ctx) => {
  return { json: JSON.stringify({ BucketInfo: bucketInfo(requireBucket(ctx), ctx.serviceEndpoint) }) };
};

export const deleteVectorBucket: Handler = async (ctx) => {
  requireBucket(ctx);
  await ctx.engine.catalog.deleteBucket(ctx.accountId, ctx.bucketName!);
  return {};
};

function maxKeysParam(ctx: OpContext): number {
  const raw = ctx.params.get("max-keys");
  if (raw === undefined || raw === "") return ctx.limits.listBucketsDefault;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > ctx.limits.listBucketsMax) {
    throw new ApiError("InvalidArgument", `max-keys must be an integer from 1 to ${ctx.limits.listBucketsMax}.`);
  }
  return value;
}

export const listVectorBuckets: Handler = (ctx) => {
  const prefix = ctx.params.get("prefix") ?? "";
  const marker = ctx.params.get("marker") ?? "";
  const maxKeys = maxKeysParam(ctx);
  const group = headerValue(ctx, "x-oss-resource-group-id");
  const matching = ctx.engine.catalog.listBuckets(ctx.accountId).filter((b) =>
    b.name.startsWith(prefix) && b.name > marker && (!group || b.resourceGroupId === group));
  const page = matching.slice(0, maxKeys);
  const result: ListAllMyBucketsResult = {
    Prefix: prefix, Marker: marker, MaxKeys: maxKeys, IsTruncated: matching.length > maxKeys, Buckets: page.map((b) => bucketInfo(b, ctx.serviceEndpoint)),
  };
  if (result.IsTruncated) result.NextMarker = page[page.length - 1]!.name;
  return { json: JSON.stringify({ ListAllMyBucketsResult: result }) };
};
