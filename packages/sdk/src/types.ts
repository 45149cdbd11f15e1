// Request and result types of the 19 operations. Vector and index fields keep their wire names
// (`indexName`, `topK`, `queryVector`...); the PascalCase bucket and logging wrappers of the wire are
// mapped to camelCase objects. Every result also carries the response's status, request id and headers.
import type { DistanceMetric, WireMetadata } from "@ossv/protocol";

export type { DistanceMetric, WireMetadata as VectorMetadata } from "@ossv/protocol";

export interface ResultMetadata {
  statusCode: number;
  /** `x-oss-request-id`; quote it when asking the service's support about a request. */
  requestId: string;
  /** Response headers, lower-case names. */
  headers: Record<string, string>;
}

/** Per-call settings accepted by every operation. */
export interface RequestOptions {
  abortSignal?: AbortSignal;
  /** Overrides the client's `timeoutMs` for this call (per attempt). */
  timeoutMs?: number;
}

interface BucketRequest {
  /** The short bucket name (not the ARN). */
  bucket: string;
}

interface IndexRequest extends BucketRequest {
  indexName: string;
}

// ---- buckets -------------------------------------------------------------------------------------

export interface PutVectorBucketRequest extends BucketRequest {
  /** Sent as `x-oss-resource-group-id`. */
  resourceGroupId?: string;
  /** Sent as `x-oss-bucket-tagging` (`k1=v1&k2=v2`); a record is encoded for you. */
  tagging?: string | Record<string, string>;
}
export type PutVectorBucketResult = ResultMetadata;

export type GetVectorBucketRequest = BucketRequest;

export interface VectorBucketInfo {
  /**
   * The bucket's ARN, `acs:ossvector:{region}:{accountId}:{bucket}` (docs/protocol.md#getvectorbucket).
   */
  name: string;
  /** OSS-style location, e.g. `oss-cn-hangzhou`. */
  location?: string;
  region?: string;
  creationDate?: string;
  extranetEndpoint?: string;
  intranetEndpoint?: string;
  resourceGroupId?: string;
}

export interface GetVectorBucketResult extends ResultMetadata {
  bucketInfo: VectorBucketInfo;
}

export interface ListVectorBucketsRequest {
  prefix?: string;
  /** List buckets whose names sort after this one. */
  marker?: string;
  /** 1–1000 (service default 100); sent as `max-keys`. */
  maxKeys?: number;
  /** Sent as `x-oss-resource-group-id`. */
  resourceGroupId?: string;
}

export interface ListVectorBucketsResult extends ResultMetadata {
  buckets: VectorBucketInfo[];
  prefix?: string;
  marker?: string;
  maxKeys?: number;
  isTruncated: boolean;
  nextMarker?: string;
}

export type DeleteVectorBucketRequest = BucketRequest;
export type DeleteVectorBucketResult = ResultMetadata;

// ---- indexes -------------------------------------------------------------------------------------

export interface VectorIndexMetadataConfig {
  nonFilterableMetadataKeys?: string[];
}

export interface PutVectorIndexRequest extends IndexRequest {
  dataType: "float32";
  dimension: number;
  distanceMetric: DistanceMetric;
  metadata?: VectorIndexMetadataConfig;
}
export type PutVectorIndexResult = ResultMetadata;

export type GetVectorIndexRequest = IndexRequest;

/** An index as the service describes it; unknown members are passed through. */
export interface VectorIndex {
  indexName: string;
  vectorBucketName?: string;
  bucketArn?: string;
  createTime?: string;
  dataType?: string;
  dimension?: number;
  distanceMetric?: string;
  metadata?: VectorIndexMetadataConfig;
  /** `creating` | `enable` | `deleting` per the docs; treat as an open set. */
  status?: string;
  /** `standard` or `fusion` (docs/fusion.md). */
  mode?: string;
  /** Fusion indexes only: their schema as created. */
  schemaConfiguration?: { fields: Array<Record<string, unknown>> };
  [member: string]: unknown;
}

export interface GetVectorIndexResult extends ResultMetadata {
  index: VectorIndex;
}

export interface ListVectorIndexesRequest extends BucketRequest {
  /** 1–500 (service default 100). */
  maxResults?: number;
  nextToken?: string;
  prefix?: string;
}

export interface ListVectorIndexesResult extends ResultMetadata {
  indexes: VectorIndex[];
  /** Present only when there are more indexes. */
  nextToken?: string;
}

export type DeleteVectorIndexRequest = IndexRequest;
export type DeleteVectorIndexResult = ResultMetadata;

// ---- vectors -------------------------------------------------------------------------------------

/** Vector components; a Float32Array is sent as its (float32-rounded) values. */
export interface VectorDataInput {
  float32: readonly number[] | Float32Array;
}

/**
 * A Fusion index's document data: vector field name to its values, plain arrays on the wire
 * (docs/fusion.md#documents). A document may leave out any of its index's vector fields.
 */
export type FusionVectorDataInput = Readonly<Record<string, readonly number[] | Float32Array>>;

export interface VectorInput {
  key: string;
  /** `{float32: […]}` for a Standard index; field name to values for a Fusion index. */
  data: VectorDataInput | FusionVectorDataInput;
  metadata?: WireMetadata;
}

/** A vector as returned by GetVectors, ListVectors and QueryVectors. */
export interface Vector {
  key: string;
  /** Present when `returnData` was set: `{float32}` from a Standard index, field name to values from a Fusion one. */
  data?: { float32: number[] } | Record<string, number[]>;
  /** Present when `returnMetadata` was set. */
  metadata?: WireMetadata;
  /** QueryVectors with `returnDistance`; smaller is closer [inferred, docs/protocol.md#distances]. */
  distance?: number;
}

export interface PutVectorsRequest extends IndexRequest {
  /** 1–500 vectors; see putVectorsInBatches for more. */
  vectors: readonly VectorInput[];
}
export type PutVectorsResult = ResultMetadata;

export interface GetVectorsRequest extends IndexRequest {
  /** 1–100 keys; keys that do not exist are left out of the result. */
  keys: readonly string[];
  returnData?: boolean;
  returnMetadata?: boolean;
}

export interface GetVectorsResult extends ResultMetadata {
  vectors: Vector[];
}

export interface ListVectorsRequest extends IndexRequest {
  /** Up to 1000 (service default 500). */
  maxResults?: number;
  nextToken?: string;
  returnData?: boolean;
  returnMetadata?: boolean;
  /** 1–16: split the index into this many disjoint segments... */
  segmentCount?: number;
  /** ...and list segment number `segmentIndex` (0-based). */
  segmentIndex?: number;
}

export interface ListVectorsResult extends ResultMetadata {
  vectors: Vector[];
  nextToken?: string;
}

/** A metadata filter in the service's Mongo-style language (docs/filters.md). */
export type VectorFilter = Record<string, unknown>;

export interface QueryVectorsRequest extends IndexRequest {
  queryVector: VectorDataInput;
  topK: number;
  filter?: VectorFilter;
  returnDistance?: boolean;
  returnMetadata?: boolean;
}

export interface QueryVectorsResult extends ResultMetadata {
  /** Most similar first. */
  vectors: Vector[];
}

export interface DeleteVectorsRequest extends IndexRequest {
  /** 1–500 unique keys; missing keys are ignored by the service. */
  keys: readonly string[];
}
export type DeleteVectorsResult = ResultMetadata;

// ---- bucket policy and logging -------------------------------------------------------------------

export interface PutBucketPolicyRequest extends BucketRequest {
  /** The policy document; an object is serialised to JSON, a string is sent byte for byte. */
  policy: string | Record<string, unknown>;
}
export type PutBucketPolicyResult = ResultMetadata;

export type GetBucketPolicyRequest = BucketRequest;

export interface GetBucketPolicyResult extends ResultMetadata {
  /** The document exactly as stored. */
  policy: string;
}

export type DeleteBucketPolicyRequest = BucketRequest;
export type DeleteBucketPolicyResult = ResultMetadata;

export interface LoggingEnabled {
  /** An ordinary OSS bucket in the same account and region that receives the logs. */
  targetBucket: string;
  targetPrefix?: string;
  loggingRole?: string;
}

export interface PutBucketLoggingRequest extends BucketRequest {
  bucketLoggingStatus: { loggingEnabled: LoggingEnabled };
}
export type PutBucketLoggingResult = ResultMetadata;

export type GetBucketLoggingRequest = BucketRequest;

export interface GetBucketLoggingResult extends ResultMetadata {
  /**
   * After DeleteBucketLogging the service still answers, with an empty `loggingEnabled` [inferred,
   * docs/protocol.md#getbucketlogging].
   */
  bucketLoggingStatus: { loggingEnabled?: Partial<LoggingEnabled> };
}

export type DeleteBucketLoggingRequest = BucketRequest;
export type DeleteBucketLoggingResult = ResultMetadata;
