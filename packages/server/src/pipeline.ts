// One request's way through the server (docs/architecture.md#the-request-path): request id, addressing,
// operation, body and Content-MD5, authentication, authorisation, handler, response; every failure
// becomes one OSS error.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, resolveOperation, type HeaderMap, type OperationSpec } from "@ossv/protocol";
import type { Engine } from "@ossv/engine";
import { parseRequestUrl, queryNames, queryParams, resolveTarget, type Target } from "./addressing.ts";
import { authenticate, checkPayloadHash, type Principal } from "./authenticate.ts";
import { authorize, authorizeBeforeBody } from "./authorize.ts";
import { checkContentMd5, parseJsonObject, readBody } from "./body.ts";
import type { BodyLease } from "./body-budget.ts";
import { toApiError } from "./engine-errors.ts";
import { HANDLERS, type OpContext } from "./handlers/index.ts";
import { newRequestId } from "./request-id.ts";
import { ADMIN_PREFIX, handleAdmin } from "./admin.ts";
import { endFailedRequest } from "./request-failure.ts";
import { sendEmpty, sendError, sendJson, type ResponseInfo } from "./respond.ts";
import { sendJsonPieces } from "./respond-stream.ts";
import { answerPreflight, corsResponseHeaders, isPreflight } from "./cors.ts";
import type { AccessLogEntry, PipelineSettings } from "./pipeline-settings.ts";
import { headerMap, loggedPrincipal, requestFacts } from "./request-parts.ts";
import { handleS3vRequest, isS3vRequest } from "./s3vectors/pipeline.ts";

export type { AccessLogEntry, LoggedPrincipal, PipelineSettings } from "./pipeline-settings.ts";

/** An index name is logged before the handler has checked it; a body could make it megabytes long. */
const LOGGED_INDEX_CHARS = 128;

/** Operations whose body is a JSON object the handler reads field by field. */
function hasJsonBody(operation: OperationSpec): boolean {
  return operation.method === "POST" || operation.name === "PutBucketLogging";
}

function pickOperation(req: IncomingMessage, target: Target): OperationSpec {
  const operation = resolveOperation(req.method ?? "", target.bucket !== undefined, queryNames(target.rawQuery));
  if (!operation) throw new ApiError("MethodNotAllowed", `No vector operation matches ${req.method} with this query.`);
  if (target.objectKey !== "") throw new ApiError("InvalidRequest", "Vector operations address a bucket, not an object key.");
  return operation;
}

/** The account owning the addressed resource: from the host, else the caller's, else the bucket's only owner. */
function resourceAccount(target: Target, principal: Principal, engine: Engine): string | undefined {
  if (target.accountId) return target.accountId;
  if (principal.kind === "key") return principal.accountId;
  if (target.bucket === undefined) return undefined;
  const owners = engine.catalog.listAccounts().filter((a) => engine.catalog.getBucket(a.accountId, target.bucket!));
  return owners.length === 1 ? owners[0]!.accountId : undefined;
}

interface Outcome {
  status: number;
  json?: string;
  pieces?: Iterable<string>;
}

/** Who signed the request, from its request line and headers alone. */
function authenticateHeaders(req: IncomingMessage, target: Target, settings: PipelineSettings, headers: HeaderMap, objectKey?: string): Principal {
  return authenticate(
    { method: req.method ?? "GET", headers, rawQuery: target.rawQuery, bucket: target.bucket, accountId: target.accountId, objectKey },
    {
      catalog: settings.engine.catalog, region: settings.region, maxSkewMs: settings.maxSkewMs, now: settings.now,
      openSecret: (stored) => settings.secrets.open(stored),
    },
  );
}

/** The body of a request already allowed to send it, checked against the digests it declares. */
async function readCheckedBody(req: IncomingMessage, headers: HeaderMap, settings: PipelineSettings, lease: BodyLease): Promise<Buffer> {
  const rawBody = await readBody(req, settings.maxBodyBytes, lease);
  checkContentMd5(headers["content-md5"], rawBody);
  checkPayloadHash(headers, rawBody);
  return rawBody;
}

/** One answer for every refused anonymous request, so it tells nothing of which buckets exist. */
const ANONYMOUS_DENIED = "Anonymous access is not allowed here.";

function refuseAnonymousUniformly<T>(principal: Principal, check: () => T): T {
  if (principal.kind !== "anonymous") return check();
  try {
    return check();
  } catch (error) {
    if (error instanceof ApiError && (error.code === "AccessDenied" || error.code === "NoSuchBucket")) {
      throw new ApiError("AccessDenied", ANONYMOUS_DENIED);
    }
    throw error;
  }
}

async function runAdmin(req: IncomingMessage, target: Target, settings: PipelineSettings, entry: AccessLogEntry, path: string, lease: BodyLease): Promise<Outcome> {
  entry.operation = "Admin";
  const headers = headerMap(req);
  const principal = authenticateHeaders(req, target, settings, headers, path.slice(1));
  entry.principal = loggedPrincipal(principal);
  if (principal.kind === "anonymous") throw new ApiError("AccessDenied", ANONYMOUS_DENIED);
  const rawBody = await readCheckedBody(req, headers, settings, lease);
  entry.bytesIn = rawBody.length;
  const result = await handleAdmin({
    method: req.method ?? "GET", path: path.slice(ADMIN_PREFIX.length), body: rawBody, principal,
    engine: settings.engine, catalog: settings.engine.catalog, secrets: settings.secrets, now: settings.now,
    ...(settings.backup && { backup: settings.backup }),
  });
  return { status: result.status, ...(result.json !== undefined ? { json: JSON.stringify(result.json) } : {}) };
}

/**
 * Authenticate and authorise from the request line and headers, then read the body: a caller that
 * may not do what it asks never has its body buffered or parsed.
 */
async function run(req: IncomingMessage, target: Target, settings: PipelineSettings, entry: AccessLogEntry, lease: BodyLease): Promise<Outcome> {
  const operation = pickOperation(req, target);
  entry.operation = operation.name;
  const headers = headerMap(req);
  const principal = authenticateHeaders(req, target, settings, headers);
  entry.principal = loggedPrincipal(principal);
  const accountId = resourceAccount(target, principal, settings.engine);
  // Only an anonymous caller can leave the account unknown (path style, a bucket name no one or many own).
  if (accountId === undefined) throw new ApiError("AccessDenied", ANONYMOUS_DENIED);
  const access = {
    principal, operation, region: settings.region, resourceAccountId: accountId, bucket: target.bucket,
    facts: requestFacts(req, settings.now), catalog: settings.engine.catalog,
  };
  const decision = refuseAnonymousUniformly(principal, () => authorizeBeforeBody(access));
  const rawBody = await readCheckedBody(req, headers, settings, lease);
  entry.bytesIn = rawBody.length;
  const body = hasJsonBody(operation) ? parseJsonObject(rawBody) : {};
  const indexName = typeof body["indexName"] === "string" ? body["indexName"] : undefined;
  if (indexName !== undefined) entry.index = indexName.slice(0, LOGGED_INDEX_CHARS);
  if (decision === "needs-index") authorize({ ...access, indexName });
  const ctx: OpContext = {
    operation, engine: settings.engine, limits: settings.limits, region: settings.region, accountId,
    serviceEndpoint: settings.publicEndpoint ?? target.serviceEndpoint,
    bucketName: target.bucket, params: queryParams(target.rawQuery), headers: req.headers, rawBody, body,
    listResponseBytes: settings.listResponseBytes,
  };
  const result = await HANDLERS[operation.name](ctx);
  return { status: operation.successStatus, ...result };
}

export async function handleRequest(req: IncomingMessage, res: ServerResponse, settings: PipelineSettings): Promise<void> {
  // The S3 Vectors API shares the port (docs/s3-vectors.md#routing); its preflights are answered below like any other.
  if (!isPreflight(req.method, req.headers) && isS3vRequest(req)) return handleS3vRequest(req, res, settings);
  const started = performance.now();
  const requestId = newRequestId();
  const entry: AccessLogEntry = {
    requestId, method: req.method ?? "", operation: "-", status: 0, durationMs: 0, remote: req.socket.remoteAddress ?? "",
    bytesIn: 0, bytesOut: 0,
  };
  const cors = corsResponseHeaders(settings.cors, req.headers.origin);
  const sent = { bytes: 0 };
  let info: ResponseInfo = { requestId, host: "", cors };
  const lease = settings.bodyBudget.lease();
  try {
    // A preflight carries no credentials: it is answered from the CORS settings alone.
    if (isPreflight(req.method, req.headers)) {
      entry.operation = "Preflight";
      Object.assign(entry, answerPreflight(req, res, info, settings.cors));
      return;
    }
    if (req.headers.host === undefined && req.httpVersion === "1.1") {
      throw new ApiError("InvalidRequest", "An HTTP/1.1 request must carry a Host header.");
    }
    const url = parseRequestUrl(req.url ?? "/", req.headers.host);
    const isAdmin = url.path.startsWith(ADMIN_PREFIX);
    const target: Target = isAdmin
      ? { host: url.host, serviceEndpoint: url.authority, style: "service", objectKey: "", rawQuery: url.rawQuery }
      : resolveTarget(url, (id) => settings.engine.catalog.getAccount(id) !== undefined);
    info = { requestId, host: url.host, cors, ...(target.bucket ? { bucket: target.bucket } : {}) };
    if (target.bucket) entry.bucket = target.bucket;
    const result = isAdmin ? await runAdmin(req, target, settings, entry, url.path, lease) : await run(req, target, settings, entry, lease);
    entry.status = result.status;
    if (result.pieces !== undefined) await sendJsonPieces(res, info, result.status, result.pieces, sent);
    else if (result.json !== undefined) sent.bytes = sendJson(res, info, result.status, result.json);
    else sent.bytes = sendEmpty(res, info, result.status);
  } catch (error) {
    endFailedRequest(req, res, entry, sent, error, (thrown) => {
      const apiError = toApiError(thrown) ?? internalError(thrown, requestId, settings);
      return { status: apiError.status, code: apiError.code, send: (headers) => sendError(res, info, apiError, headers) };
    });
  } finally {
    lease.release();
    entry.durationMs = performance.now() - started;
    entry.bytesOut = sent.bytes;
    settings.log(entry);
  }
}

function internalError(error: unknown, requestId: string, settings: PipelineSettings): ApiError {
  settings.onInternalError(error, requestId);
  return new ApiError("InternalError");
}
