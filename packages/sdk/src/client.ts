// VectorsClient: builds each request, runs it through the middleware stack
// (retry -> clockSkew -> sign -> serviceErrors -> send) and decodes the result.
import { ClientError } from "./errors.ts";
import { clockSkewMiddleware } from "./clock.ts";
import { resolveClientConfig, type ResolvedClientConfig, type VectorsClientConfig } from "./client-config.ts";
import * as C from "./commands.ts";
import { serviceErrorMiddleware } from "./fetch-handler.ts";
import type { HttpResponse } from "./http.ts";
import { MiddlewareStack } from "./middleware-stack.ts";
import { resultMetadata } from "./operation.ts";
import { presignCommand, type PresignedRequest, type PresignOptions } from "./presign.ts";
import { buildRequest } from "./request-builder.ts";
import { retryMiddleware } from "./retry.ts";
import { signMiddleware } from "./sign.ts";
import { throwIfAborted } from "./abort.ts";
import type * as T from "./types.ts";
import type { PutVectorIndexFusionRequest, PutVectorIndexFusionResult } from "./fusion/schema-types.ts";
import type { QueryVectorsFusionRequest, QueryVectorsFusionResult } from "./fusion/query-types.ts";

export class VectorsClient {
  readonly config: ResolvedClientConfig;
  /** Named steps `retry`, `clockSkew`, `sign`, `serviceErrors`; add your own relative to them. */
  readonly middlewareStack = new MiddlewareStack();

  constructor(config: VectorsClientConfig) {
    this.config = resolveClientConfig(config);
    const { clock, credentials, region, accountId, additionalHeaders } = this.config;
    this.middlewareStack
      .add(serviceErrorMiddleware(), { name: "serviceErrors" })
      .add(signMiddleware({ region, accountId, credentials, clock, additionalHeaders }), { name: "sign" })
      .add(clockSkewMiddleware(clock), { name: "clockSkew" })
      .add(retryMiddleware(this.config.retry), { name: "retry" });
  }

  /** Milliseconds added to the local clock when signing, learned from RequestTimeTooSkewed answers. */
  get clockOffsetMs(): number {
    return this.config.clock.offsetMs;
  }

  /** Runs any command; every operation method below is `send(new <Op>Command(input))`. */
  async send<I, R extends T.ResultMetadata>(command: C.Command<I, R>, options: T.RequestOptions = {}): Promise<R> {
    const { definition } = command;
    throwIfAborted(options.abortSignal, definition.name);
    const { request, bucket } = buildRequest(definition, command.input, this.config);
    const handler = this.middlewareStack.resolve(this.config.send);
    const response = await handler(request, {
      operation: definition.name, bucket, abortSignal: options.abortSignal,
      timeoutMs: options.timeoutMs ?? this.config.timeoutMs, attempt: 1,
    });
    return { ...resultMetadata(response), ...this.#decode(command, response) } as R;
  }

  #decode<I, R extends T.ResultMetadata>(command: C.Command<I, R>, response: HttpResponse) {
    try {
      return command.definition.deserialize(response);
    } catch (error) {
      if (error instanceof ClientError) throw error;
      const operation = command.definition.name;
      throw new ClientError("UnmarshalOutputFail", `${operation}: could not decode the response`, { operation, cause: error });
    }
  }

  /** A query-signed URL (plus method, headers and body) that anyone can send until it expires. */
  presign<I, R extends T.ResultMetadata>(command: C.Command<I, R>, options?: PresignOptions): Promise<PresignedRequest> {
    return presignCommand(command, this.config, options);
  }

  // ---- buckets -----------------------------------------------------------------------------------

  /** Creates a vector bucket. */
  putVectorBucket(input: T.PutVectorBucketRequest, options?: T.RequestOptions): Promise<T.PutVectorBucketResult> {
    return this.send(new C.PutVectorBucketCommand(input), options);
  }

  /** Describes a vector bucket (`bucketInfo.name` is its ARN). */
  getVectorBucket(input: T.GetVectorBucketRequest, options?: T.RequestOptions): Promise<T.GetVectorBucketResult> {
    return this.send(new C.GetVectorBucketCommand(input), options);
  }

  /** One page of the account's vector buckets; see paginateListVectorBuckets for all of them. */
  listVectorBuckets(input: T.ListVectorBucketsRequest = {}, options?: T.RequestOptions): Promise<T.ListVectorBucketsResult> {
    return this.send(new C.ListVectorBucketsCommand(input), options);
  }

  /** Deletes an empty vector bucket. */
  deleteVectorBucket(input: T.DeleteVectorBucketRequest, options?: T.RequestOptions): Promise<T.DeleteVectorBucketResult> {
    return this.send(new C.DeleteVectorBucketCommand(input), options);
  }

  // ---- indexes -----------------------------------------------------------------------------------

  /** Creates a Fusion index: a schema of vector, scalar and full-text fields (docs/fusion.md). */
  putVectorIndexFusion(input: PutVectorIndexFusionRequest, options?: T.RequestOptions): Promise<PutVectorIndexFusionResult> {
    return this.send(new C.PutVectorIndexFusionCommand(input), options);
  }

  /** Creates a vector index. */
  putVectorIndex(input: T.PutVectorIndexRequest, options?: T.RequestOptions): Promise<T.PutVectorIndexResult> {
    return this.send(new C.PutVectorIndexCommand(input), options);
  }

  /** Describes a vector index. */
  getVectorIndex(input: T.GetVectorIndexRequest, options?: T.RequestOptions): Promise<T.GetVectorIndexResult> {
    return this.send(new C.GetVectorIndexCommand(input), options);
  }

  /** One page of a bucket's indexes; see paginateListVectorIndexes. */
  listVectorIndexes(input: T.ListVectorIndexesRequest, options?: T.RequestOptions): Promise<T.ListVectorIndexesResult> {
    return this.send(new C.ListVectorIndexesCommand(input), options);
  }

  /** Deletes an index and all its vectors. */
  deleteVectorIndex(input: T.DeleteVectorIndexRequest, options?: T.RequestOptions): Promise<T.DeleteVectorIndexResult> {
    return this.send(new C.DeleteVectorIndexCommand(input), options);
  }

  // ---- vectors -----------------------------------------------------------------------------------

  /** Writes (upserts) up to 500 vectors; see putVectorsInBatches for more. */
  putVectors(input: T.PutVectorsRequest, options?: T.RequestOptions): Promise<T.PutVectorsResult> {
    return this.send(new C.PutVectorsCommand(input), options);
  }

  /** Reads up to 100 vectors by key; missing keys are simply not returned. */
  getVectors(input: T.GetVectorsRequest, options?: T.RequestOptions): Promise<T.GetVectorsResult> {
    return this.send(new C.GetVectorsCommand(input), options);
  }

  /** One page of an index's vectors (optionally one segment of it); see paginateListVectors. */
  listVectors(input: T.ListVectorsRequest, options?: T.RequestOptions): Promise<T.ListVectorsResult> {
    return this.send(new C.ListVectorsCommand(input), options);
  }

  /** k-NN, full text and fusion on a Fusion index; hits carry `score`, higher better (docs/fusion.md). */
  queryVectorsFusion(input: QueryVectorsFusionRequest, options?: T.RequestOptions): Promise<QueryVectorsFusionResult> {
    return this.send(new C.QueryVectorsFusionCommand(input), options);
  }

  /** The `topK` nearest vectors to `queryVector`, optionally filtered by metadata. */
  queryVectors(input: T.QueryVectorsRequest, options?: T.RequestOptions): Promise<T.QueryVectorsResult> {
    return this.send(new C.QueryVectorsCommand(input), options);
  }

  /** Deletes up to 500 vectors by key; see deleteVectorsInBatches and deleteVectorsByFilter. */
  deleteVectors(input: T.DeleteVectorsRequest, options?: T.RequestOptions): Promise<T.DeleteVectorsResult> {
    return this.send(new C.DeleteVectorsCommand(input), options);
  }

  // ---- bucket policy and logging -----------------------------------------------------------------

  putBucketPolicy(input: T.PutBucketPolicyRequest, options?: T.RequestOptions): Promise<T.PutBucketPolicyResult> {
    return this.send(new C.PutBucketPolicyCommand(input), options);
  }

  getBucketPolicy(input: T.GetBucketPolicyRequest, options?: T.RequestOptions): Promise<T.GetBucketPolicyResult> {
    return this.send(new C.GetBucketPolicyCommand(input), options);
  }

  deleteBucketPolicy(input: T.DeleteBucketPolicyRequest, options?: T.RequestOptions): Promise<T.DeleteBucketPolicyResult> {
    return this.send(new C.DeleteBucketPolicyCommand(input), options);
  }

  putBucketLogging(input: T.PutBucketLoggingRequest, options?: T.RequestOptions): Promise<T.PutBucketLoggingResult> {
    return this.send(new C.PutBucketLoggingCommand(input), options);
  }

  getBucketLogging(input: T.GetBucketLoggingRequest, options?: T.RequestOptions): Promise<T.GetBucketLoggingResult> {
    return this.send(new C.GetBucketLoggingCommand(input), options);
  }

  deleteBucketLogging(input: T.DeleteBucketLoggingRequest, options?: T.RequestOptions): Promise<T.DeleteBucketLoggingResult> {
    return this.send(new C.DeleteBucketLoggingCommand(input), options);
  }
}
