// One command class per operation, in the manner of AWS SDK v3: `client.send(new XCommand(input))`
// is what every `client.x(input)` method does, and `client.presign(new XCommand(input))` signs one
// for someone else to send.
import type { OperationDefinition } from "./operation.ts";
import * as buckets from "./operations/bucket-operations.ts";
import * as indexes from "./operations/index-operations.ts";
import * as policyLogging from "./operations/policy-logging-operations.ts";
import * as vectors from "./operations/vector-operations.ts";
import { putVectorIndexFusion } from "./fusion/index-operation.ts";
import { queryVectorsFusion } from "./fusion/query-operation.ts";
import type { QueryVectorsFusionRequest, QueryVectorsFusionResult } from "./fusion/query-types.ts";
import type { PutVectorIndexFusionRequest, PutVectorIndexFusionResult } from "./fusion/schema-types.ts";
import type * as T from "./types.ts";

export class Command<Input, Result extends T.ResultMetadata> {
  readonly definition: OperationDefinition<Input, Result>;
  readonly input: Input;

  constructor(definition: OperationDefinition<Input, Result>, input: Input) {
    this.definition = definition;
    this.input = input;
  }
}

export class PutVectorBucketCommand extends Command<T.PutVectorBucketRequest, T.PutVectorBucketResult> {
  constructor(input: T.PutVectorBucketRequest) { super(buckets.putVectorBucket, input); }
}
export class GetVectorBucketCommand extends Command<T.GetVectorBucketRequest, T.GetVectorBucketResult> {
  constructor(input: T.GetVectorBucketRequest) { super(buckets.getVectorBucket, input); }
}
export class ListVectorBucketsCommand extends Command<T.ListVectorBucketsRequest, T.ListVectorBucketsResult> {
  constructor(input: T.ListVectorBucketsRequest = {}) { super(buckets.listVectorBuckets, input); }
}
export class DeleteVectorBucketCommand extends Command<T.DeleteVectorBucketRequest, T.DeleteVectorBucketResult> {
  constructor(input: T.DeleteVectorBucketRequest) { super(buckets.deleteVectorBucket, input); }
}
export class PutVectorIndexCommand extends Command<T.PutVectorIndexRequest, T.PutVectorIndexResult> {
  constructor(input: T.PutVectorIndexRequest) { super(indexes.putVectorIndex, input); }
}
export class GetVectorIndexCommand extends Command<T.GetVectorIndexRequest, T.GetVectorIndexResult> {
  constructor(input: T.GetVectorIndexRequest) { super(indexes.getVectorIndex, input); }
}
export class ListVectorIndexesCommand extends Command<T.ListVectorIndexesRequest, T.ListVectorIndexesResult> {
  constructor(input: T.ListVectorIndexesRequest) { super(indexes.listVectorIndexes, input); }
}
export class DeleteVectorIndexCommand extends Command<T.DeleteVectorIndexRequest, T.DeleteVectorIndexResult> {
  constructor(input: T.DeleteVectorIndexRequest) { super(indexes.deleteVectorIndex, input); }
}
export class PutVectorsCommand extends Command<T.PutVectorsRequest, T.PutVectorsResult> {
  constructor(input: T.PutVectorsRequest) { super(vectors.putVectors, input); }
}
export class GetVectorsCommand extends Command<T.GetVectorsRequest, T.GetVectorsResult> {
  constructor(input: T.GetVectorsRequest) { super(vectors.getVectors, input); }
}
export class ListVectorsCommand extends Command<T.ListVectorsRequest, T.ListVectorsResult> {
  constructor(input: T.ListVectorsRequest) { super(vectors.listVectors, input); }
}
export class QueryVectorsCommand extends Command<T.QueryVectorsRequest, T.QueryVectorsResult> {
  constructor(input: T.QueryVectorsRequest) { super(vectors.queryVectors, input); }
}
export class DeleteVectorsCommand extends Command<T.DeleteVectorsRequest, T.DeleteVectorsResult> {
  constructor(input: T.DeleteVectorsRequest) { super(vectors.deleteVectors, input); }
}
export class PutBucketPolicyCommand extends Command<T.PutBucketPolicyRequest, T.PutBucketPolicyResult> {
  constructor(input: T.PutBucketPolicyRequest) { super(policyLogging.putBucketPolicy, input); }
}
export class GetBucketPolicyCommand extends Command<T.GetBucketPolicyRequest, T.GetBucketPolicyResult> {
  constructor(input: T.GetBucketPolicyRequest) { super(policyLogging.getBucketPolicy, input); }
}
export class DeleteBucketPolicyCommand extends Command<T.DeleteBucketPolicyRequest, T.DeleteBucketPolicyResult> {
  constructor(input: T.DeleteBucketPolicyRequest) { super(policyLogging.deleteBucketPolicy, input); }
}
export class PutBucketLoggingCommand extends Command<T.PutBucketLoggingRequest, T.PutBucketLoggingResult> {
  constructor(input: T.PutBucketLoggingRequest) { super(policyLogging.putBucketLogging, input); }
}
export class GetBucketLoggingCommand extends Command<T.GetBucketLoggingRequest, T.GetBucketLoggingResult> {
  constructor(input: T.GetBucketLoggingRequest) { super(policyLogging.getBucketLogging, input); }
}
export class DeleteBucketLoggingCommand extends Command<T.DeleteBucketLoggingRequest, T.DeleteBucketLoggingResult> {
  constructor(input: T.DeleteBucketLoggingRequest) { super(policyLogging.deleteBucketLogging, input); }
}
export class PutVectorIndexFusionCommand extends Command<PutVectorIndexFusionRequest, PutVectorIndexFusionResult> {
  constructor(input: PutVectorIndexFusionRequest) { super(putVectorIndexFusion, input); }
}
export class QueryVectorsFusionCommand extends Command<QueryVectorsFusionRequest, QueryVectorsFusionResult> {
  constructor(input: QueryVectorsFusionRequest) { super(queryVectorsFusion, input); }
}
