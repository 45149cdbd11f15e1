// The 21 S3 Vectors operations (docs/s3-vectors.md#operations): how each is addressed on the wire,
// what resource it acts on, and the IAM actions that guard it.

export const S3V_POST_OPERATIONS = [
  "CreateVectorBucket", "GetVectorBucket", "ListVectorBuckets", "DeleteVectorBucket",
  "PutVectorBucketPolicy", "GetVectorBucketPolicy", "DeleteVectorBucketPolicy", "PutVectorBucketDefaultIndexMode",
  "CreateIndex", "GetIndex", "ListIndexes", "DeleteIndex", "UpdateIndexMode",
  "PutVectors", "GetVectors", "ListVectors", "QueryVectors", "DeleteVectors",
] as const;

export const S3V_TAG_OPERATIONS = ["TagResource", "UntagResource", "ListTagsForResource"] as const;

export type S3vPostOperation = (typeof S3V_POST_OPERATIONS)[number];
export type S3vTagOperation = (typeof S3V_TAG_OPERATIONS)[number];
export type S3vOperationName = S3vPostOperation | S3vTagOperation;

/**
 * What an operation addresses: nothing (ListVectorBuckets), a bucket (by name or ARN in the body), an
 * index (name pair or ARN in the body), or the bucket or index whose ARN is the tag path's label.
 */
export type S3vTarget = "account" | "bucket" | "index" | "tagged";

const TARGETS: Record<S3vOperationName, S3vTarget> = {
  CreateVectorBucket: "bucket", GetVectorBucket: "bucket", ListVectorBuckets: "account", DeleteVectorBucket: "bucket",
  PutVectorBucketPolicy: "bucket", GetVectorBucketPolicy: "bucket", DeleteVectorBucketPolicy: "bucket",
  PutVectorBucketDefaultIndexMode: "bucket",
  CreateIndex: "index", GetIndex: "index", ListIndexes: "bucket", DeleteIndex: "index", UpdateIndexMode: "index",
  PutVectors: "index", GetVectors: "index", ListVectors: "index", QueryVectors: "index", DeleteVectors: "index",
  TagResource: "tagged", UntagResource: "tagged", ListTagsForResource: "tagged",
};

const POST_SET: ReadonlySet<string> = new Set(S3V_POST_OPERATIONS);
const TAG_METHODS: Record<string, S3vTagOperation> = { POST: "TagResource", DELETE: "UntagResource", GET: "ListTagsForResource" };

export const TAGS_PATH_PREFIX = "/tags/";

/** Whether a request path belongs to the S3 Vectors API: `/<PostOperation>` or `/tags/<label>`. */
export function isS3vPath(path: string): boolean {
  return POST_SET.has(path.slice(1)) || (path.startsWith(TAGS_PATH_PREFIX) && path.length > TAGS_PATH_PREFIX.length);
}

/** The operation of a request on an S3 Vectors path, or undefined when the method does not fit it. */
export function resolveS3vOperation(method: string, path: string): S3vOperationName | undefined {
  const upper = method.toUpperCase();
  if (path.startsWith(TAGS_PATH_PREFIX)) return TAG_METHODS[upper];
  const name = path.slice(1);
  return upper === "POST" && POST_SET.has(name) ? (name as S3vPostOperation) : undefined;
}

export function s3vTarget(name: S3vOperationName): S3vTarget {
  return TARGETS[name];
}

export function s3vAction(name: S3vOperationName): string {
  return `s3vectors:${name}`;
}

/**
 * Actions a request needs besides its own (docs/s3-vectors.md#permissions): reading metadata or data
 * through QueryVectors or ListVectors also needs GetVectors (a filter reads metadata too), and tags
 * given at creation need TagResource.
 */
export function impliedS3vActions(name: S3vOperationName, body: Readonly<Record<string, unknown>>): string[] {
  const present = (field: string) => body[field] !== undefined && body[field] !== null;
  switch (name) {
    case "QueryVectors":
      return present("filter") || body["returnMetadata"] === true ? [s3vAction("GetVectors")] : [];
    case "ListVectors":
      return body["returnData"] === true || body["returnMetadata"] === true ? [s3vAction("GetVectors")] : [];
    case "CreateVectorBucket":
    case "CreateIndex":
      return present("tags") ? [s3vAction("TagResource")] : [];
    default:
      return [];
  }
}
