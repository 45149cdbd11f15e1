// The 21 OSS Vectors operations (docs/protocol.md#operations, docs/fusion.md for the two Fusion ones): how each is addressed on the wire and
// which RAM action guards it. Shared by the server (routing, authorisation) and the SDK (request
// building).

export type HttpMethod = "GET" | "PUT" | "POST" | "DELETE";

/**
 * Which resource an operation acts on; drives addressing and the policy resource
 * (docs/protocol.md#resource-arns).
 */
export type OperationScope = "service" | "bucket" | "index" | "vectors";

export interface OperationSpec {
  readonly name: OperationName;
  readonly method: HttpMethod;
  /** Query sub-resource that selects the operation (`?putVectors`), or "" for none. */
  readonly subResource: string;
  readonly scope: OperationScope;
  /** Status code of a successful response. */
  readonly successStatus: 200 | 204;
  /** Whether a successful response carries a JSON body. */
  readonly hasResponseBody: boolean;
}

export const OPERATION_NAMES = [
  "PutVectorBucket", "GetVectorBucket", "ListVectorBuckets", "DeleteVectorBucket",
  "PutVectorIndex", "GetVectorIndex", "ListVectorIndexes", "DeleteVectorIndex",
  "PutVectors", "GetVectors", "ListVectors", "QueryVectors", "DeleteVectors",
  "PutBucketPolicy", "GetBucketPolicy", "DeleteBucketPolicy",
  "PutBucketLogging", "GetBucketLogging", "DeleteBucketLogging",
  "PutVectorIndexFusion", "QueryVectorsFusion",
] as const;

export type OperationName = (typeof OPERATION_NAMES)[number];

function op(
  name: OperationName, method: HttpMethod, subResource: string, scope: OperationScope,
  successStatus: 200 | 204, hasResponseBody: boolean,
): OperationSpec {
  return { name, method, subResource, scope, successStatus, hasResponseBody };
}

export const OPERATIONS: Readonly<Record<OperationName, OperationSpec>> = {
  PutVectorBucket: op("PutVectorBucket", "PUT", "", "bucket", 200, false),
  GetVectorBucket: op("GetVectorBucket", "GET", "bucketInfo", "bucket", 200, true),
  ListVectorBuckets: op("ListVectorBuckets", "GET", "", "service", 200, true),
  DeleteVectorBucket: op("DeleteVectorBucket", "DELETE", "", "bucket", 204, false),
  PutVectorIndex: op("PutVectorIndex", "POST", "putVectorIndex", "bucket", 200, false),
  GetVectorIndex: op("GetVectorIndex", "POST", "getVectorIndex", "index", 200, true),
  ListVectorIndexes: op("ListVectorIndexes", "POST", "listVectorIndexes", "bucket", 200, true),
  DeleteVectorIndex: op("DeleteVectorIndex", "POST", "deleteVectorIndex", "index", 204, false),
  PutVectors: op("PutVectors", "POST", "putVectors", "vectors", 200, false),
  GetVectors: op("GetVectors", "POST", "getVectors", "vectors", 200, true),
  ListVectors: op("ListVectors", "POST", "listVectors", "vectors", 200, true),
  QueryVectors: op("QueryVectors", "POST", "queryVectors", "vectors", 200, true),
  DeleteVectors: op("DeleteVectors", "POST", "deleteVectors", "vectors", 204, false),
  PutBucketPolicy: op("PutBucketPolicy", "PUT", "policy", "bucket", 200, false),
  GetBucketPolicy: op("GetBucketPolicy", "GET", "policy", "bucket", 200, true),
  DeleteBucketPolicy: op("DeleteBucketPolicy", "DELETE", "policy", "bucket", 204, false),
  PutBucketLogging: op("PutBucketLogging", "PUT", "logging", "bucket", 200, false),
  GetBucketLogging: op("GetBucketLogging", "GET", "logging", "bucket", 200, true),
  DeleteBucketLogging: op("DeleteBucketLogging", "DELETE", "logging", "bucket", 204, false),
  PutVectorIndexFusion: op("PutVectorIndexFusion", "POST", "putVectorIndexFusion", "bucket", 200, false),
  QueryVectorsFusion: op("QueryVectorsFusion", "POST", "queryVectorsFusion", "vectors", 200, true),
};

/** The RAM action that authorises an operation (docs/protocol.md#ram-actions). */
export function ramAction(name: OperationName): string {
  return `oss:${name}`;
}

/**
 * The sets of actions any one of which, wholly allowed, authorises an operation. Alibaba's pages
 * disagree on the Fusion operations' actions (the API reference names their own, the SDK pages the
 * Standard ones), so either is honoured (docs/fusion.md#access-control); a Deny of any action in any
 * set still refuses.
 */
export function ramActionSets(name: OperationName): string[][] {
  if (name === "PutVectorIndexFusion") return [[ramAction(name)], [ramAction("PutVectorIndex")]];
  if (name === "QueryVectorsFusion") return [[ramAction(name)], [ramAction("QueryVectors"), ramAction("GetVectors")]];
  return [[ramAction(name)]];
}

const SUB_RESOURCES = new Set(
  Object.values(OPERATIONS).map((spec) => spec.subResource).filter((sub) => sub !== ""),
);

/**
 * Picks the operation a request names, from its method, whether it addresses a bucket, and the
 * names of its query parameters (`?putVectors` and `?putVectors=` both name `putVectors`).
 * Returns undefined when no operation matches.
 */
export function resolveOperation(
  method: string, hasBucket: boolean, queryNames: Iterable<string>,
): OperationSpec | undefined {
  const upper = method.toUpperCase();
  if (!hasBucket) return upper === "GET" ? OPERATIONS.ListVectorBuckets : undefined;
  let sub = "";
  for (const name of queryNames) {
    if (SUB_RESOURCES.has(name)) {
      sub = name;
      break;
    }
  }
  return Object.values(OPERATIONS).find(
    (spec) => spec.scope !== "service" && spec.method === upper && spec.subResource === sub,
  );
}
