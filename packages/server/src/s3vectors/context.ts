// What every S3 Vectors handler gets: the engine, the S3 limits, the regions, the caller's account,
// the resource the request addresses (already resolved and authorised) and the parsed body.
import type { LimitsProfile } from "@ossv/protocol";
import type { S3vOperationName } from "@ossv/protocol/s3vectors";
import type { Engine } from "@ossv/engine";
import type { OpResult } from "../handlers/context.ts";
import type { ResolvedResource } from "./resolve.ts";
import type { TokenSealer } from "./tokens.ts";
import type { S3FilterAdapter } from "./filter-adapter.ts";

export interface S3vContext {
  operation: S3vOperationName;
  engine: Engine;
  limits: LimitsProfile;
  awsRegion: string;
  /** The OSS region, recorded on buckets made here so the OSS API sees them as its own. */
  ossRegion: string;
  callerAccountId: string;
  /** The addressed bucket or index; undefined for ListVectorBuckets. */
  resource?: ResolvedResource;
  body: Record<string, unknown>;
  /** Decoded query parameters, every value of a repeated name (UntagResource's tagKeys). */
  query: Map<string, string[]>;
  listResponseBytes: number;
  tokens: TokenSealer;
  parseFilter: S3FilterAdapter;
}

export type S3vHandler = (ctx: S3vContext) => Promise<OpResult> | OpResult;

export function json(value: unknown): OpResult {
  return { json: JSON.stringify(value) };
}

export const EMPTY: OpResult = { json: "{}" };

/** The resource of a handler that has one (the pipeline resolves it for every such operation). */
export function resourceOf(ctx: S3vContext): ResolvedResource {
  if (!ctx.resource) throw new Error(`${ctx.operation} reached its handler without a resource`);
  return ctx.resource;
}

/** Epoch seconds, as the service writes creationTime. */
export function epochSeconds(iso: string): number {
  return Date.parse(iso) / 1000;
}
