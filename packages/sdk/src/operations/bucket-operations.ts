// PutVectorBucket, GetVectorBucket, ListVectorBuckets, DeleteVectorBucket
// (docs/protocol.md#bucket-operations). Bucket bodies are the PascalCase single-root wrappers of plain
// OSS (`BucketInfo`, `ListAllMyBucketsResult`).
import { uriEncode, type OperationName } from "@ossv/protocol";
import { ClientError } from "../errors.ts";
import { compact, isJsonObject, readArray, readBoolean, readField, readNumber, readString } from "../json.ts";
import { readJsonBody, requireParam, type OperationDefinition, type QueryParam } from "../operation.ts";
import type {
  DeleteVectorBucketRequest, DeleteVectorBucketResult, GetVectorBucketRequest, GetVectorBucketResult,
  ListVectorBucketsRequest, ListVectorBucketsResult, PutVectorBucketRequest, PutVectorBucketResult,
  VectorBucketInfo,
} from "../types.ts";

// `k1=v1&k2=v2` as in the Go SDK's mock [mock]; percent-encoding keys and values the way OSS object
// tagging does is [inferred], so a string is passed through for callers who know better.
function taggingHeader(tagging: string | Record<string, string>): string {
  if (typeof tagging === "string") return tagging;
  return Object.entries(tagging).map(([key, value]) => `${uriEncode(key)}=${uriEncode(value)}`).join("&");
}

export const putVectorBucket: OperationDefinition<PutVectorBucketRequest, PutVectorBucketResult> = {
  name: "PutVectorBucket",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    const headers: Record<string, string> = {};
    if (input.resourceGroupId) headers["x-oss-resource-group-id"] = input.resourceGroupId;
    if (input.tagging !== undefined) headers["x-oss-bucket-tagging"] = taggingHeader(input.tagging);
    return { bucket: input.bucket, headers };
  },
  deserialize: () => ({}),
};

/** The single member of a one-root wrapper such as `{"BucketInfo":{...}}`. */
function unwrap(body: Record<string, unknown>, root: string, operation: OperationName): Record<string, unknown> {
  const inner = readField(body, root);
  if (!isJsonObject(inner)) {
    throw new ClientError("UnmarshalOutputFail", `${operation}: expected a \`${root}\` object in the response`, { operation });
  }
  return inner;
}

export function toBucketInfo(wire: unknown): VectorBucketInfo {
  return compact({
    name: readString(wire, "Name") ?? "",
    location: readString(wire, "Location"),
    region: readString(wire, "Region"),
    creationDate: readString(wire, "CreationDate"),
    extranetEndpoint: readString(wire, "ExtranetEndpoint"),
    intranetEndpoint: readString(wire, "IntranetEndpoint"),
    resourceGroupId: readString(wire, "ResourceGroupId"),
  });
}

export const getVectorBucket: OperationDefinition<GetVectorBucketRequest, GetVectorBucketResult> = {
  name: "GetVectorBucket",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    return { bucket: input.bucket };
  },
  deserialize(response) {
    return { bucketInfo: toBucketInfo(unwrap(readJsonBody(response, this.name), "BucketInfo", this.name)) };
  },
};

/** `Buckets` is an array on the wire; an XML-shaped `{"Bucket":[...]}` is read too, just in case. */
function bucketList(result: Record<string, unknown>): unknown[] {
  const buckets = readField(result, "Buckets");
  if (Array.isArray(buckets)) return buckets;
  const nested = readField(buckets, "Bucket");
  if (Array.isArray(nested)) return nested;
  return isJsonObject(nested) ? [nested] : readArray(result, "Buckets");
}

export const listVectorBuckets: OperationDefinition<ListVectorBucketsRequest, ListVectorBucketsResult> = {
  name: "ListVectorBuckets",
  serialize(input = {}) {
    // Sorted by name, like the Go SDK; an empty marker is sent bare (`?marker`), as it does too.
    const query: QueryParam[] = [];
    if (input.marker !== undefined) query.push(["marker", input.marker === "" ? undefined : input.marker]);
    if (input.maxKeys !== undefined) query.push(["max-keys", String(input.maxKeys)]);
    if (input.prefix !== undefined) query.push(["prefix", input.prefix === "" ? undefined : input.prefix]);
    const headers: Record<string, string> = {};
    if (input.resourceGroupId) headers["x-oss-resource-group-id"] = input.resourceGroupId;
    return { query, headers };
  },
  deserialize(response) {
    const result = unwrap(readJsonBody(response, this.name), "ListAllMyBucketsResult", this.name);
    return compact({
      buckets: bucketList(result).map(toBucketInfo),
      prefix: readString(result, "Prefix"),
      marker: readString(result, "Marker"),
      maxKeys: readNumber(result, "MaxKeys"),
      isTruncated: readBoolean(result, "IsTruncated") ?? false,
      nextMarker: readString(result, "NextMarker"),
    });
  },
};

export const deleteVectorBucket: OperationDefinition<DeleteVectorBucketRequest, DeleteVectorBucketResult> = {
  name: "DeleteVectorBucket",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    return { bucket: input.bucket };
  },
  deserialize: () => ({}),
};
