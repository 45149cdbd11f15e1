// S3 Vectors operation name → handler.
import type { S3vOperationName } from "@ossv/protocol/s3vectors";
import type { S3vHandler } from "../context.ts";
import { createVectorBucket, deleteVectorBucket, getVectorBucket, listVectorBuckets } from "./buckets.ts";
import { deleteVectorBucketPolicy, getVectorBucketPolicy, putVectorBucketDefaultIndexMode, putVectorBucketPolicy } from "./bucket-config.ts";
import { createIndex, deleteIndex, getIndex, listIndexes, updateIndexMode } from "./indexes.ts";
import { deleteVectors, getVectors, listVectors, putVectors } from "./vectors.ts";
import { queryVectors } from "./query.ts";
import { listTagsForResource, tagResource, untagResource } from "./tags.ts";

export const S3V_HANDLERS: Record<S3vOperationName, S3vHandler> = {
  CreateVectorBucket: createVectorBucket,
  GetVectorBucket: getVectorBucket,
  ListVectorBuckets: listVectorBuckets,
  DeleteVectorBucket: deleteVectorBucket,
  PutVectorBucketPolicy: putVectorBucketPolicy,
  GetVectorBucketPolicy: getVectorBucketPolicy,
  DeleteVectorBucketPolicy: deleteVectorBucketPolicy,
  PutVectorBucketDefaultIndexMode: putVectorBucketDefaultIndexMode,
  CreateIndex: createIndex,
  GetIndex: getIndex,
  ListIndexes: listIndexes,
  DeleteIndex: deleteIndex,
  UpdateIndexMode: updateIndexMode,
  PutVectors: putVectors,
  GetVectors: getVectors,
  ListVectors: listVectors,
  QueryVectors: queryVectors,
  DeleteVectors: deleteVectors,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
