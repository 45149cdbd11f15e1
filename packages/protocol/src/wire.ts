// Request and response bodies as they travel (docs/protocol.md#operations, docs/protocol.md#data-model):
// lowerCamel keys for index and vector payloads, PascalCase single-root wrappers for bucket, logging and
// error bodies.

export type WireMetadataScalar = string | number | boolean;
export type WireMetadata = Record<string, WireMetadataScalar | WireMetadataScalar[]>;
export type DistanceMetric = "euclidean" | "cosine";

export interface WireVectorData {
  float32: number[];
}

export interface WireVector {
  key: string;
  data?: WireVectorData;
  metadata?: WireMetadata;
  distance?: number;
}

export interface WireIndex {
  indexName: string;
  vectorBucketName: string;
  bucketArn?: string;
  createTime: string;
  /** Standard indexes only: a Fusion index has these per vector field, in its schema. */
  dataType?: string;
  dimension?: number;
  distanceMetric?: string;
  metadata?: { nonFilterableMetadataKeys?: string[] };
  status: string;
  mode: "standard" | "fusion";
  /** Fusion indexes only: the schema as it was created. */
  schemaConfiguration?: { fields: Array<Record<string, unknown>> };
}

export interface WireBucketInfo {
  Name: string;
  Location: string;
  Region: string;
  CreationDate: string;
  ExtranetEndpoint: string;
  IntranetEndpoint: string;
  ResourceGroupId?: string;
}

export interface ListAllMyBucketsResult {
  Prefix?: string;
  Marker?: string;
  MaxKeys?: number;
  IsTruncated?: boolean;
  NextMarker?: string;
  Buckets: WireBucketInfo[];
}

export interface WireLoggingEnabled {
  TargetBucket?: string;
  TargetPrefix?: string;
  LoggingRole?: string;
}

export interface WireErrorBody {
  Code: string;
  Message: string;
  RequestId: string;
  HostId: string;
  EC: string;
  RecommendDoc?: string;
  BucketName?: string;
}

/** `acs:ossvector:{region}:{accountId}:{bucket}`: what GetVectorBucket returns as `Name`. */
export function bucketArn(region: string, accountId: string, bucket: string): string {
  return `acs:ossvector:${region}:${accountId}:${bucket}`;
}

/** The public service endpoint of a region (docs/protocol.md#endpoints). */
export function publicEndpoint(region: string): string {
  return `${region}.oss-vectors.aliyuncs.com`;
}

/** The internal (VPC) endpoint of a region (docs/protocol.md#endpoints). */
export function internalEndpoint(region: string): string {
  return `${region}-internal.oss-vectors.aliyuncs.com`;
}

/**
 * Splits a virtual-hosted first DNS label `{bucket}-{accountId}` at its last `-` [inferred,
 * docs/protocol.md#virtual-hosted-style]. Undefined when the tail is not all digits or the head is
 * empty.
 */
export function splitBucketLabel(label: string): { bucket: string; accountId: string } | undefined {
  const dash = label.lastIndexOf("-");
  if (dash <= 0) return undefined;
  const accountId = label.slice(dash + 1);
  if (!/^\d+$/.test(accountId)) return undefined;
  return { bucket: label.slice(0, dash), accountId };
}

/** Milliseconds-precision RFC 3339 UTC, as the service emits (`2025-04-17T10:56:21.000Z`). */
export function formatTimestamp(date: Date | string): string {
  return new Date(date).toISOString();
}
