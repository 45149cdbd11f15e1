// What every operation handler gets: the engine, the limits, the addressed account and bucket, the
// query, headers and the JSON body; and what it returns.
import type { IncomingHttpHeaders } from "node:http";
import { ApiError, type LimitsProfile, type OperationSpec } from "@ossv/protocol";
import type { BucketRecord, Engine, IndexRecord } from "@ossv/engine";

export interface OpContext {
  operation: OperationSpec;
  engine: Engine;
  limits: LimitsProfile;
  region: string;
  /** This server's service endpoint (`host[:port]`), for the endpoint fields of bucket info. */
  serviceEndpoint: string;
  /** The account that owns the addressed resource. */
  accountId: string;
  bucketName?: string;
  params: Map<string, string>;
  headers: IncomingHttpHeaders;
  rawBody: Buffer;
  /** The body parsed as a JSON object (empty body = `{}`). */
  body: Record<string, unknown>;
  /** Most bytes in a ListVectors response body; a page that would pass it ends early, with a nextToken. */
  listResponseBytes: number;
}

export interface OpResult {
  /** JSON text of the response body, for operations that return one. */
  json?: string;
  /** Or the JSON body in pieces, for large answers serialized a step at a time (respond-stream.ts). */
  pieces?: Iterable<string>;
}

export type Handler = (ctx: OpContext) => Promise<OpResult> | OpResult;

/** The bucket the request addresses, if it exists. */
export function findBucket(ctx: OpContext): BucketRecord | undefined {
  return ctx.bucketName === undefined ? undefined : ctx.engine.catalog.getBucket(ctx.accountId, ctx.bucketName);
}

export function requireBucket(ctx: OpContext): BucketRecord {
  const bucket = findBucket(ctx);
  if (!bucket) throw new ApiError("NoSuchBucket");
  return bucket;
}

export function requireIndex(ctx: OpContext, indexName: string): IndexRecord {
  const bucket = requireBucket(ctx);
  const index = ctx.engine.catalog.getIndex(bucket.accountId, bucket.name, indexName);
  if (!index) throw new ApiError("NoSuchVectorIndex", `The vector index "${indexName}" does not exist.`);
  return index;
}
