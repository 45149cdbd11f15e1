// TagResource, UntagResource, ListTagsForResource (docs/s3-vectors.md#tags): the tags of a bucket or an
// index, named by its ARN in the path. The catalog applies each change in one step, so two clients
// tagging at once both keep their tags.
import { BUCKET_NOT_FOUND, INDEX_NOT_FOUND, notFound, readTags, S3V_MAX_TAG_KEY_LENGTH, S3V_MAX_TAGS, validation } from "@ossv/protocol/s3vectors";
import { EMPTY, json, resourceOf, type S3vContext, type S3vHandler } from "../context.ts";
import type { ResolvedResource } from "../resolve.ts";

function currentTags(ctx: S3vContext, resource: ResolvedResource): Record<string, string> {
  const { catalog } = ctx.engine;
  if (resource.index === undefined) {
    const bucket = catalog.getBucket(resource.accountId, resource.bucket);
    if (!bucket) throw notFound(BUCKET_NOT_FOUND);
    return bucket.tags ?? {};
  }
  const index = catalog.getIndex(resource.accountId, resource.bucket, resource.index);
  if (!index) throw notFound(INDEX_NOT_FOUND);
  return index.tags ?? {};
}

function target(resource: ResolvedResource) {
  return { accountId: resource.accountId, bucket: resource.bucket, ...(resource.index !== undefined && { index: resource.index }) };
}

export const tagResource: S3vHandler = async (ctx) => {
  const resource = resourceOf(ctx);
  const raw = ctx.body["tags"];
  if (raw === undefined || raw === null) throw validation("1 validation error detected. Value at '/tags' failed to satisfy constraint: Member must not be null", "/tags");
  const tags = readTags(raw, "/tags");
  currentTags(ctx, resource);
  await ctx.engine.catalog.changeTags(target(resource), tags, [], S3V_MAX_TAGS);
  return EMPTY;
};

export const untagResource: S3vHandler = async (ctx) => {
  const resource = resourceOf(ctx);
  const keys = ctx.query.get("tagKeys") ?? [];
  if (keys.length === 0) throw validation("1 validation error detected. Value at '/tagKeys' failed to satisfy constraint: Member must not be null", "/tagKeys");
  for (const key of keys) {
    if (key.length < 1 || key.length > S3V_MAX_TAG_KEY_LENGTH) throw validation(`Tag key ${JSON.stringify(key)} must be 1 to ${S3V_MAX_TAG_KEY_LENGTH} characters`, "/tagKeys");
  }
  currentTags(ctx, resource);
  await ctx.engine.catalog.changeTags(target(resource), {}, keys, S3V_MAX_TAGS);
  return EMPTY;
};

export const listTagsForResource: S3vHandler = (ctx) => json({ tags: currentTags(ctx, resourceOf(ctx)) });
