// From the name or ARN a request gives to the ossv account, bucket and index it means
// (docs/s3-vectors.md#accounts-regions-and-arns). A name means the caller's own account; an ARN names
// the account by its 12-digit AWS id, which is derived from the ossv account id.
import {
  awsAccountId, BUCKET_NOT_FOUND, formatBucketArn, formatIndexArn, INDEX_NOT_FOUND, notFound, S3VectorsError,
  type ResourceRef,
} from "@ossv/protocol/s3vectors";
import type { BucketRecord, Catalog, IndexRecord } from "@ossv/engine";

export interface ResolvedResource {
  /** The ossv account that owns the resource. */
  accountId: string;
  bucket: string;
  index?: string;
  /** The resource's ARN, as policies name it. */
  arn: string;
}

/** The ossv account whose derived AWS id this is; undefined when none is, or (never yet seen) two are. */
export function accountOfAwsId(catalog: Catalog, awsId: string): string | undefined {
  const matches = catalog.listAccounts().filter((account) => awsAccountId(account.accountId) === awsId);
  return matches.length === 1 ? matches[0]!.accountId : undefined;
}

export function resolveRef(ref: ResourceRef, callerAccountId: string, catalog: Catalog, awsRegion: string): ResolvedResource {
  let accountId = callerAccountId;
  if (ref.awsAccountId !== undefined) {
    if (ref.region !== awsRegion) throw notFound(ref.index === undefined ? BUCKET_NOT_FOUND : INDEX_NOT_FOUND);
    const owner = accountOfAwsId(catalog, ref.awsAccountId);
    if (owner === undefined) throw new S3VectorsError("AccessDeniedException", `No account ${ref.awsAccountId} is known here; access denied.`);
    accountId = owner;
  }
  const awsId = awsAccountId(accountId);
  const arn = ref.index === undefined ? formatBucketArn(awsRegion, awsId, ref.bucket) : formatIndexArn(awsRegion, awsId, ref.bucket, ref.index);
  return { accountId, bucket: ref.bucket, ...(ref.index !== undefined && { index: ref.index }), arn };
}

export function requireBucket(catalog: Catalog, resource: ResolvedResource): BucketRecord {
  const bucket = catalog.getBucket(resource.accountId, resource.bucket);
  if (!bucket) throw notFound(BUCKET_NOT_FOUND);
  return bucket;
}

/** A missing bucket answers the index message too, as the service does. */
export function requireIndex(catalog: Catalog, resource: ResolvedResource): IndexRecord {
  const index = resource.index === undefined ? undefined : catalog.getIndex(resource.accountId, resource.bucket, resource.index);
  if (!index) throw notFound(INDEX_NOT_FOUND);
  // S3 Vectors has no notion of a schema of fields; a Fusion index is served by the OSS API only.
  if (index.fusion) throw new S3VectorsError("ValidationException", "This index is a Fusion index; use the OSS Vectors API for it.");
  return index;
}

export function bucketArnOf(bucket: BucketRecord, awsRegion: string): string {
  return formatBucketArn(awsRegion, awsAccountId(bucket.accountId), bucket.name);
}

export function indexArnOf(index: IndexRecord, awsRegion: string): string {
  return formatIndexArn(awsRegion, awsAccountId(index.accountId), index.bucket, index.name);
}
