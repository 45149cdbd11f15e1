// The SDK's own request/response shapes between the middleware steps: plain data, so every step
// (retry, sign, send) can copy or inspect them without touching fetch's classes.
import type { HttpMethod } from "@ossv/protocol";
import type { RequestOperation } from "./admin/operations.ts";

export interface HttpRequest {
  method: HttpMethod;
  protocol: "http:" | "https:";
  /** Host and optional port, e.g. `bucket-123.cn-hangzhou.oss-vectors.aliyuncs.com`. */
  host: string;
  /** `/` (virtual-hosted and service level) or `/{bucket}/` (path style). */
  path: string;
  /** The query string exactly as sent (and signed), without `?`. */
  rawQuery: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body?: Uint8Array;
}

export interface HttpResponse {
  statusCode: number;
  statusText: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** The whole body; the send step reads it before the attempt's timeout is released. */
  body: Uint8Array;
}

/** What every step may need besides the request itself. */
export interface HandlerContext {
  /** Which operation (or ossv admin call) the request belongs to. */
  operation: RequestOperation;
  /** The bucket the request addresses (signing needs it; the URL may not show it). */
  bucket?: string;
  abortSignal?: AbortSignal;
  /** Per-attempt limit; 0 or absent means none. */
  timeoutMs?: number;
  /** 1 for the first try; set by the retry step. */
  attempt: number;
  /**
   * false: sending the request twice may do twice what it asks (a new user, a new key), so the retry
   * step tries again only after failures that show it had no effect (see `surelyNotApplied`).
   * Absent: the request may be repeated (every OSS Vectors operation).
   */
  idempotent?: boolean;
}

export type Handler = (request: HttpRequest, context: HandlerContext) => Promise<HttpResponse>;
export type Middleware = (next: Handler) => Handler;

/** The body to send: none for GET or an empty body, whatever the request object carries. */
export function sendableBody(request: HttpRequest): Uint8Array | undefined {
  return request.method !== "GET" && request.body !== undefined && request.body.length > 0 ? request.body : undefined;
}

/** The request target: the path, then `?` and the raw query when there is one. */
export function requestTarget(request: HttpRequest): string {
  return request.rawQuery ? `${request.path}?${request.rawQuery}` : request.path;
}

export function requestUrl(request: HttpRequest): string {
  return `${request.protocol}//${request.host}${requestTarget(request)}`;
}

/**
 * Headers for a transport that writes them itself (node:http, undici): the request's, plus
 * Content-Length on every non-GET request, even when empty, as fetch does, so servers never wait for
 * a body that is not coming.
 */
export function headersWithLength(request: HttpRequest, body: Uint8Array | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.method !== "GET") headers["content-length"] = String(body?.length ?? 0);
  return headers;
}

/** A copy whose headers can be changed (signing writes into them) without touching the original. */
export function cloneRequest(request: HttpRequest): HttpRequest {
  return { ...request, headers: { ...request.headers } };
}
