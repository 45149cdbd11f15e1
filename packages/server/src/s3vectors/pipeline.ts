// One S3 Vectors request's way through the server (docs/s3-vectors.md#the-request-path): operation,
// signature headers, body, signature, JSON, addressed resource, authorisation, handler, response; every
// failure becomes one S3 Vectors exception. It shares the port, the access log, the body budget and
// the engine with the OSS pipeline (pipeline.ts).
import type { IncomingMessage, ServerResponse } from "node:http";
import { createHash } from "node:crypto";
import type { HeaderMap } from "@ossv/protocol";
import {
  AWS_ALGORITHM, AWS_UNSIGNED_PAYLOAD, impliedS3vActions, isS3vPath, readBucketRef, readIndexRef, readTaggedRef, requiredString,
  resolveS3vOperation, s3vAction, S3V_MAX_PAYLOAD_BYTES, s3vTarget, S3VectorsError, TAGS_PATH_PREFIX,
  type ResourceRef, type S3vOperationName,
} from "@ossv/protocol/s3vectors";
import { parseRequestUrl, queryNames, type ParsedUrl } from "../addressing.ts";
import type { Principal } from "../authenticate.ts";
import { parseJsonObject, readBody } from "../body.ts";
import type { BodyLease } from "../body-budget.ts";
import { corsResponseHeaders } from "../cors.ts";
import type { OpResult } from "../handlers/context.ts";
import type { AccessLogEntry, PipelineSettings } from "../pipeline-settings.ts";
import { endFailedRequest } from "../request-failure.ts";
import { newRequestId } from "../request-id.ts";
import { headerMap, loggedPrincipal, requestFacts } from "../request-parts.ts";
import { sendJson, type ResponseInfo } from "../respond.ts";
import { sendJsonPieces } from "../respond-stream.ts";
import { checkSignedHeaders, verifySignature, type S3vAuthSettings } from "./authenticate.ts";
import { authorizeS3v } from "./authorize.ts";
import { toS3vError } from "./errors.ts";
import { parseS3Filter } from "./filter-adapter.ts";
import { S3V_HANDLERS } from "./handlers/index.ts";
import { resolveRef, type ResolvedResource } from "./resolve.ts";
import { sendS3vError } from "./respond.ts";

const LOGGED_NAME_CHARS = 128;

/**
 * Whether a request belongs to the S3 Vectors API: its path is one of its operations and it is signed
 * with SigV4, or carries no signature at all (that one is answered MissingAuthenticationToken).
 * OSS requests (OSS4 signatures, presigned x-oss- queries, bucket names in lower case) never match.
 */
export function isS3vRequest(req: IncomingMessage): boolean {
  const url = parseRequestUrl(req.url ?? "/", req.headers.host);
  if (!isS3vPath(url.path)) return false;
  const authorization = req.headers.authorization;
  if (authorization !== undefined) return authorization.startsWith(AWS_ALGORITHM);
  return !queryNames(url.rawQuery).some((name) => name.toLowerCase().startsWith("x-oss-"));
}

export async function handleS3vRequest(req: IncomingMessage, res: ServerResponse, settings: PipelineSettings): Promise<void> {
  const started = performance.now();
  const requestId = newRequestId();
  const entry: AccessLogEntry = {
    requestId, method: req.method ?? "", operation: "-", status: 0, durationMs: 0, remote: req.socket.remoteAddress ?? "", bytesIn: 0, bytesOut: 0,
  };
  const info: ResponseInfo = { requestId, host: req.headers.host ?? "", cors: corsResponseHeaders(settings.cors, req.headers.origin), api: "s3vectors" };
  const sent = { bytes: 0 };
  const lease = settings.bodyBudget.lease();
  try {
    const result = await run(req, settings, entry, lease);
    entry.status = 200;
    if (result.pieces !== undefined) await sendJsonPieces(res, info, 200, result.pieces, sent);
    else sent.bytes = sendJson(res, info, 200, result.json ?? "{}");
  } catch (error) {
    endFailedRequest(req, res, entry, sent, error, (thrown) => {
      const failure = toS3vError(thrown) ?? internalError(thrown, requestId, settings);
      return { status: failure.status, code: failure.type, send: (headers) => sendS3vError(res, info, failure, headers) };
    });
  } finally {
    lease.release();
    entry.durationMs = performance.now() - started;
    entry.bytesOut = sent.bytes;
    settings.log(entry);
  }
}

function internalError(error: unknown, requestId: string, settings: PipelineSettings): S3VectorsError {
  settings.onInternalError(error, requestId);
  return new S3VectorsError("InternalServerException", "We encountered an internal error. Please try again.");
}

function authSettings(settings: PipelineSettings): S3vAuthSettings {
  return {
    catalog: settings.engine.catalog, openSecret: (stored) => settings.secrets.open(stored), awsRegion: settings.awsRegion,
    maxSkewMs: settings.maxSkewMs, now: settings.now,
  };
}

/**
 * The caller, from the signature. A client that signed its body's hash (the JS SDK) is verified
 * before the body is read; one that did not (botocore) once it is, over the hash of what arrived.
 */
async function authenticateAndRead(req: IncomingMessage, url: ParsedUrl, headers: HeaderMap, settings: PipelineSettings, lease: BodyLease): Promise<{ principal: Principal; body: Buffer }> {
  const auth = authSettings(settings);
  const claim = checkSignedHeaders(headers, auth);
  const line = { method: req.method ?? "GET", rawPath: url.path, rawQuery: url.rawQuery, headers };
  const declared = claim.declaredPayloadHash;
  const early = declared === undefined ? undefined : verifySignature(claim, line, declared, auth);
  const body = await readBody(req, Math.min(settings.maxBodyBytes, S3V_MAX_PAYLOAD_BYTES), lease);
  const actual = createHash("sha256").update(body).digest("hex");
  if (declared !== undefined && declared !== AWS_UNSIGNED_PAYLOAD && declared !== actual) {
    throw new S3VectorsError("InvalidSignatureException", "The x-amz-content-sha256 header does not match the SHA-256 of the request body.");
  }
  return { principal: early ?? verifySignature(claim, line, actual, auth), body };
}

/** The bucket or index a request addresses, as named in its body or tag path. */
function readRef(operation: S3vOperationName, body: Record<string, unknown>, url: ParsedUrl, maxName: number): ResourceRef | undefined {
  switch (s3vTarget(operation)) {
    case "account":
      return undefined;
    case "tagged":
      return readTaggedRef(url.path.slice(TAGS_PATH_PREFIX.length));
    case "bucket":
      return operation === "CreateVectorBucket" ? { bucket: requiredString(body, "vectorBucketName", 1, maxName) } : readBucketRef(body, maxName);
    case "index":
      return operation === "CreateIndex"
        ? { ...readBucketRef(body, maxName), index: requiredString(body, "indexName", 1, maxName) }
        : readIndexRef(body, maxName);
  }
}

/** Decoded query parameters with every value of a repeated name. */
function queryValues(rawQuery: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(rawQuery.replace(/\+/g, "%2B"))) values.set(name, [...(values.get(name) ?? []), value]);
  return values;
}

async function run(req: IncomingMessage, settings: PipelineSettings, entry: AccessLogEntry, lease: BodyLease): Promise<OpResult> {
  const url = parseRequestUrl(req.url ?? "/", req.headers.host);
  const operation = resolveS3vOperation(req.method ?? "", url.path);
  if (!operation) throw new S3VectorsError("UnknownOperationException", `No S3 Vectors operation takes ${req.method ?? ""} ${url.path.slice(0, 200)}`);
  entry.operation = s3vAction(operation);
  const headers = headerMap(req);
  const { principal, body: rawBody } = await authenticateAndRead(req, url, headers, settings, lease);
  if (principal.kind !== "key") throw new S3VectorsError("MissingAuthenticationTokenException", "Missing Authentication Token");
  entry.principal = loggedPrincipal(principal);
  entry.bytesIn = rawBody.length;
  const body = req.method === "POST" ? parseJsonObject(rawBody) : {};
  const limits = settings.s3Limits;
  const ref = readRef(operation, body, url, limits.maxBucketNameLength);
  const resource: ResolvedResource | undefined = ref && resolveRef(ref, principal.accountId, settings.engine.catalog, settings.awsRegion);
  if (resource) {
    entry.bucket = resource.bucket.slice(0, LOGGED_NAME_CHARS);
    if (resource.index !== undefined) entry.index = resource.index.slice(0, LOGGED_NAME_CHARS);
  }
  authorizeS3v({
    principal, catalog: settings.engine.catalog, resourceAccountId: resource?.accountId ?? principal.accountId, bucket: resource?.bucket,
    arn: resource?.arn ?? "*", actions: [s3vAction(operation), ...impliedS3vActions(operation, body)], facts: requestFacts(req, settings.now),
  });
  return S3V_HANDLERS[operation]({
    operation, engine: settings.engine, limits, awsRegion: settings.awsRegion, ossRegion: settings.region,
    callerAccountId: principal.accountId, ...(resource && { resource }), body, query: queryValues(url.rawQuery),
    listResponseBytes: settings.listResponseBytes, tokens: settings.queryTokens, parseFilter: parseS3Filter,
  });
}
