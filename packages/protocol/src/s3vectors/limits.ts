// The limits AWS states for S3 Vectors (docs/s3-vectors.md#limits), as a limits profile: the same
// validators and filter parser run with it that run with the OSS profile, so a server may be started
// with another one built by withLimits().
import { withLimits, type LimitsProfile } from "../limits.ts";

export const S3_VECTORS_LIMITS: LimitsProfile = withLimits({
  minBucketNameLength: 3,
  maxBucketNameLength: 63,
  maxBucketsPerRegion: 10_000,
  maxIndexNameLength: 63,
  maxIndexesPerBucket: 10_000,
  maxDimension: 4096,
  maxPutVectors: 500,
  maxGetKeys: 100,
  maxDeleteKeys: 500,
  maxTopK: 10_000,
  maxVectorKeyLength: 1024,
  maxMetadataBytes: 40 * 1024,
  maxFilterableMetadataBytes: 2 * 1024,
  maxMetadataKeys: 50,
  maxNonFilterableKeys: 10,
  maxNonFilterableKeyBytes: 63,
  listVectorsDefault: 500,
  listVectorsMax: 1000,
  listIndexesDefault: 500,
  listIndexesMax: 500,
  listBucketsDefault: 500,
  listBucketsMax: 500,
  maxListSegments: 16,
  maxNextTokenBytes: 2048,
});

/** Most bytes in a request body (the service's 20 MiB payload limit). */
export const S3V_MAX_PAYLOAD_BYTES = 20 * 1024 * 1024;
/** Tags a bucket or index may carry, and the sizes of their keys and values. */
export const S3V_MAX_TAGS = 50;
export const S3V_MAX_TAG_KEY_LENGTH = 128;
export const S3V_MAX_TAG_VALUE_LENGTH = 256;
/** Longest nextToken the client may send back, per operation (the model's limits). */
export const S3V_TOKEN_LIMITS = { ListVectorBuckets: 512, ListIndexes: 512, ListVectors: 2048, QueryVectors: 4096 } as const;
/** Hits per QueryVectors page when topK is larger (the service does not publish its own). */
export const S3V_QUERY_PAGE_SIZE = 1000;
