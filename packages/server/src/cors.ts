// Cross-origin requests from browser pages (docs/protocol.md#cors). A page on another origin may call
// ossv only when the operator listed that origin (or `*`): preflights are answered before
// authentication, since a browser sends them without the request's Authorization header, and every
// actual answer to a listed origin, success or error, says which response headers the page may read.
// With no origins configured there is no CORS at all: nothing here adds a header.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "@ossv/protocol";
import { sendEmpty, sendError, type ResponseInfo } from "./respond.ts";

/** The operator's choice: origins like `https://app.example.com`, or `["*"]` for every origin. */
export interface CorsOptions {
  origins: readonly string[];
}

/** The options checked and normalised, ready for per-request decisions. */
export interface CorsPolicy {
  anyOrigin: boolean;
  origins: ReadonlySet<string>;
}

/** The methods the operations use (docs/protocol.md#operations). */
export const CORS_ALLOWED_METHODS = ["GET", "PUT", "POST", "DELETE"] as const;

/**
 * Request headers a page may send beyond the ones browsers allow anyway: the signature and its
 * headers (authorization, every x-oss-* header: date, content hash, security token, tagging, resource
 * group), the body's digest and type. Anything else a page asks for is refused, as OSS refuses a
 * header its CORS rule does not list.
 */
const ALLOWED_HEADERS = new Set(["authorization", "content-type", "content-md5"]);
const ALLOWED_HEADER_PREFIX = "x-oss-";

/**
 * Response headers a page's script may read besides the few browsers always expose (Content-Type,
 * Content-Length, ...). Clients read the request id and EC of every answer, and `Date` to correct
 * their clock after RequestTimeTooSkewed; Retry-After comes with a 503 while the server starts. ETag
 * is listed as OSS's own CORS answers commonly list it, though no vector operation sends one.
 */
export const CORS_EXPOSED_HEADERS = ["x-oss-request-id", "x-oss-ec", "date", "etag", "retry-after"] as const;

/**
 * How long a browser may reuse a preflight's answer. The allowed methods and headers never change
 * while the server runs, so a long reuse saves a round trip before most requests; browsers cap it
 * (Chromium at two hours).
 */
export const CORS_MAX_AGE_SECONDS = 3600;

/**
 * A comma-separated `--cors-origin` value as a list. Empty items are refused rather than skipped, so a
 * stray comma is noticed.
 */
export function parseCorsOriginList(text: string): string[] {
  const items = text.split(",").map((item) => item.trim());
  if (items.some((item) => item === "")) throw new Error(`--cors-origin: empty origin in "${text}"`);
  return items;
}

/**
 * Checks the configured origins and puts them in the form browsers send in `Origin`
 * (`scheme://host[:port]`, lower-case host, no default port, no path), so matching is exact.
 */
export function corsPolicy(options: CorsOptions): CorsPolicy {
  if (options.origins.length === 0) throw new Error("CORS needs at least one origin, or *");
  if (options.origins.includes("*")) {
    if (options.origins.length > 1) throw new Error("CORS origin * allows every origin; list it alone");
    return { anyOrigin: true, origins: new Set() };
  }
  return { anyOrigin: false, origins: new Set(options.origins.map(normaliseOrigin)) };
}

function normaliseOrigin(text: string): string {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  const plain = url !== undefined && (url.protocol === "http:" || url.protocol === "https:")
    && url.pathname === "/" && !text.endsWith("/") && url.search === "" && url.hash === "" && url.username === "" && url.password === "";
  if (!plain) throw new Error(`CORS origin "${text}" is not an origin such as https://app.example.com (scheme, host and port, nothing more)`);
  return url!.origin;
}

/** Which origin to name in Access-Control-Allow-Origin, or undefined when this one is not allowed. */
function allowedOriginValue(policy: CorsPolicy, origin: string | undefined): string | undefined {
  if (origin === undefined) return undefined;
  if (policy.anyOrigin) return "*";
  return policy.origins.has(origin) ? origin : undefined;
}

/**
 * The CORS headers of an actual (non-preflight) response. Whenever CORS is configured the answer
 * depends on the Origin header, so caches are told so even when the origin gets nothing.
 */
export function corsResponseHeaders(policy: CorsPolicy | undefined, origin: string | undefined): Record<string, string> {
  if (policy === undefined) return {};
  const allowOrigin = allowedOriginValue(policy, origin);
  if (allowOrigin === undefined) return { "vary": "Origin" };
  return {
    "access-control-allow-origin": allowOrigin,
    "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(", "),
    "vary": "Origin",
  };
}

/** A browser's preflight: OPTIONS with the origin and the method of the request it wants to make. */
export function isPreflight(method: string | undefined, headers: Readonly<Record<string, string | string[] | undefined>>): boolean {
  return method === "OPTIONS" && headers["origin"] !== undefined && headers["access-control-request-method"] !== undefined;
}

export type PreflightDecision =
  | { allowed: true; headers: Record<string, string> }
  | { allowed: false; reason: string; headers: Record<string, string> };

/** A preflight's answer depends on these request headers; caches must keep answers apart by them. */
const PREFLIGHT_VARY = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers";

/**
 * Whether the request a preflight announces may be made. All of origin, method and headers must be
 * allowed; a refusal carries no Access-Control-* header at all, so the browser stops there.
 */
export function decidePreflight(
  policy: CorsPolicy | undefined, origin: string, requestMethod: string, requestHeaders: string | undefined,
): PreflightDecision {
  if (policy === undefined) {
    return { allowed: false, reason: "CORS is not enabled on this server (see ossv serve --cors-origin).", headers: {} };
  }
  const vary = { "vary": PREFLIGHT_VARY };
  const allowOrigin = allowedOriginValue(policy, origin);
  if (allowOrigin === undefined) return refused(`origin ${origin} is not allowed.`, vary);
  if (!(CORS_ALLOWED_METHODS as readonly string[]).includes(requestMethod)) {
    return refused(`method ${requestMethod} is not allowed.`, vary);
  }
  const names = (requestHeaders ?? "").split(",").map((name) => name.trim().toLowerCase()).filter((name) => name !== "");
  const refusedHeaders = names.filter((name) => !ALLOWED_HEADERS.has(name) && !name.startsWith(ALLOWED_HEADER_PREFIX));
  if (refusedHeaders.length > 0) return refused(`request header ${refusedHeaders.join(", ")} is not allowed.`, vary);
  return {
    allowed: true,
    headers: {
      "access-control-allow-origin": allowOrigin,
      "access-control-allow-methods": CORS_ALLOWED_METHODS.join(", "),
      ...(names.length > 0 ? { "access-control-allow-headers": names.join(", ") } : {}),
      "access-control-expose-headers": CORS_EXPOSED_HEADERS.join(", "),
      "access-control-max-age": String(CORS_MAX_AGE_SECONDS),
      ...vary,
    },
  };
}

function refused(detail: string, headers: Record<string, string>): PreflightDecision {
  return { allowed: false, reason: `This CORS request is not allowed: ${detail}`, headers };
}

/**
 * Answers a preflight: 200 with no body when allowed, else 403 AccessForbidden in the API's error
 * shape (the browser shows neither to the page; the status and message help whoever debugs it).
 * Returns what the access log records.
 */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, info: ResponseInfo, policy: CorsPolicy | undefined): { status: number; errorCode?: string } {
  const decision = decidePreflight(
    policy, req.headers.origin ?? "", String(req.headers["access-control-request-method"]), req.headers["access-control-request-headers"],
  );
  const answerInfo = { ...info, cors: decision.headers };
  // Browsers send preflights without a body; anything a client sends anyway is read and dropped.
  req.resume();
  if (decision.allowed) {
    sendEmpty(res, answerInfo, 200);
    return { status: 200 };
  }
  const error = new ApiError("AccessForbidden", decision.reason);
  sendError(res, answerInfo, error);
  return { status: error.status, errorCode: error.code };
}
