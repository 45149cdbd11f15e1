// Operation name → handler.
import type { OperationName } from "@ossv/protocol";
import type { Handler } from "./context.ts";
import { deleteVectorBucket, getVectorBucket, listVectorBuckets, putVectorBucket } from "./buckets.ts";
import { deleteVectorIndex, getVectorIndex, listVectorIndexes, putVectorIndex } from "./indexes.ts";
import { deleteVectors, getVectors, listVectors, putVectors, queryVectors } from "./vectors.ts";
import {
  deleteBucketLogging, deleteBucketPolicy, getBucketLogging, getBucketPolicy, putBucketLogging, putBucketPolicy,
} from "./bucket-config.ts";
import { putVectorIndexFusion } from "../fusion/index-handlers.ts";
import { queryVectorsFusion } from "../fusion/query-handler.ts";

export const HANDLERS: Record<OperationName, Handler> = {
  PutVectorBucket: putVectorBucket,
  GetVectorBucket: getVectorBucket,
  ListVectorBuckets: listVectorBuckets,
  DeleteVectorBucket: deleteVectorBucket,
  PutVectorIndex: putVectorIndex,
  GetVectorIndex: getVectorIndex,
  ListVectorIndexes: listVectorIndexes,
  DeleteVectorIndex: deleteVectorIndex,
  PutVectors: putVectors,
  GetVectors: getVectors,
  ListVectors: listVectors,
  QueryVectors: queryVectors,
  DeleteVectors: deleteVectors,
  PutBucketPolicy: putBucketPolicy,
  GetBucketPolicy: getBucketPolicy,
  DeleteBucketPolicy: deleteBucketPolicy,
  PutBucketLogging: putBucketLogging,
  GetBucketLogging: getBucketLogging,
  DeleteBucketLogging: deleteBucketLogging,
  PutVectorIndexFusion: putVectorIndexFusion,
  QueryVectorsFusion: queryVectorsFusion,
};

export type { Handler, OpContext, OpResult } from "./context.ts";
