// S3 Vectors ARNs (docs/s3-vectors.md#accounts-regions-and-arns):
//   arn:aws:s3vectors:{region}:{account12}:bucket/{bucket}
//   arn:aws:s3vectors:{region}:{account12}:bucket/{bucket}/index/{index}
// ossv accounts have 16-digit ids; the 12-digit AWS account id of each is derived from it (awsAccountId).
import { sha256Hex } from "#hashing";

export interface BucketArnParts {
  kind: "bucket";
  partition: string;
  region: string;
  awsAccountId: string;
  bucket: string;
}

export interface IndexArnParts extends Omit<BucketArnParts, "kind"> {
  kind: "index";
  index: string;
}

export type S3vArnParts = BucketArnParts | IndexArnParts;

/**
 * The 12-digit AWS account id of an ossv account: the first 12 decimal digits of the SHA-256 of its id
 * read as a number, zero-padded. Stable (nothing to store, so every existing data directory has it)
 * and, among the accounts of one server, unique with overwhelming odds; the server refuses an ARN
 * whose account id two of its accounts share rather than pick one (see the server's resolver).
 */
export function awsAccountId(ossvAccountId: string): string {
  const value = BigInt(`0x${sha256Hex(ossvAccountId).slice(0, 16)}`) % 1_000_000_000_000n;
  return value.toString().padStart(12, "0");
}

export function formatBucketArn(region: string, awsAccount: string, bucket: string): string {
  return `arn:aws:s3vectors:${region}:${awsAccount}:bucket/${bucket}`;
}

export function formatIndexArn(region: string, awsAccount: string, bucket: string, index: string): string {
  return `${formatBucketArn(region, awsAccount, bucket)}/index/${index}`;
}

// Names in ARNs: any run without "/" or ":"; the name rules are checked where names are, so an index
// made through the OSS API (letters of either case, one character) can still be addressed by ARN.
const ARN = /^arn:(aws[a-z0-9-]*):s3vectors:([a-z0-9-]+):(\d{12}):bucket\/([^/:]+)(?:\/index\/([^/:]+))?$/;

/** The parts of a bucket or index ARN; undefined when `arn` is neither. */
export function parseS3vArn(arn: string): S3vArnParts | undefined {
  const match = ARN.exec(arn);
  if (!match) return undefined;
  const [, partition, region, account, bucket, index] = match as unknown as [string, string, string, string, string, string | undefined];
  const base = { partition, region, awsAccountId: account, bucket };
  return index === undefined ? { kind: "bucket", ...base } : { kind: "index", ...base, index };
}
