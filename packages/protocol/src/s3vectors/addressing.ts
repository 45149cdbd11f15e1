// How an S3 Vectors request names its bucket or index (docs/s3-vectors.md#addressing): a bucket by
// `vectorBucketName` or `vectorBucketArn`, never both; an index by `vectorBucketName` with
// `indexName`, or by `indexArn` alone. Names are only checked for length here: a bucket or index made
// through the OSS API may have a name the S3 naming rules would not allow at creation.
import { parseS3vArn } from "./arn.ts";
import { validation } from "./errors.ts";
import { optionalString, type Body } from "./shapes.ts";

export interface ResourceRef {
  /** The ARN's account (12 digits) and region, when addressed by ARN; a name means the caller's own. */
  awsAccountId?: string;
  region?: string;
  bucket: string;
  index?: string;
}

const BOTH_BUCKET = "Must specify either vectorBucketName or vectorBucketArn but not both";
const BOTH_INDEX = "Must specify either indexArn or both vectorBucketName and indexName";

/** `maxName` is the longest name the API allows (63). */
export function readBucketRef(body: Body, maxName: number): ResourceRef {
  const name = optionalString(body, "vectorBucketName", 1, maxName);
  const arn = optionalString(body, "vectorBucketArn", 1, 2048);
  if ((name === undefined) === (arn === undefined)) throw validation(BOTH_BUCKET);
  if (name !== undefined) return { bucket: name };
  const parts = parseS3vArn(arn!);
  if (parts?.kind !== "bucket") throw validation(`Invalid vector bucket ARN: ${JSON.stringify(arn)}`, "/vectorBucketArn");
  return { awsAccountId: parts.awsAccountId, region: parts.region, bucket: parts.bucket };
}

export function readIndexRef(body: Body, maxName: number): Required<Pick<ResourceRef, "bucket" | "index">> & ResourceRef {
  const bucket = optionalString(body, "vectorBucketName", 1, maxName);
  const index = optionalString(body, "indexName", 1, maxName);
  const arn = optionalString(body, "indexArn", 1, 2048);
  const byName = bucket !== undefined && index !== undefined;
  if (byName === (arn !== undefined) || (!byName && (bucket !== undefined || index !== undefined))) throw validation(BOTH_INDEX);
  if (byName) return { bucket, index };
  const parts = parseS3vArn(arn!);
  if (parts?.kind !== "index") throw validation(`Invalid index ARN: ${JSON.stringify(arn)}`, "/indexArn");
  return { awsAccountId: parts.awsAccountId, region: parts.region, bucket: parts.bucket, index: parts.index };
}

/** The resource of a tag path: the label, percent-decoded once, must be a bucket or index ARN. */
export function readTaggedRef(label: string): ResourceRef {
  let arn: string;
  try {
    arn = decodeURIComponent(label);
  } catch {
    throw validation("The resource ARN in the path is not valid percent-encoding", "/resourceArn");
  }
  const parts = parseS3vArn(arn);
  if (!parts) throw validation(`Invalid resource ARN: ${JSON.stringify(arn)}`, "/resourceArn");
  return {
    awsAccountId: parts.awsAccountId, region: parts.region, bucket: parts.bucket,
    ...(parts.kind === "index" && { index: parts.index }),
  };
}
