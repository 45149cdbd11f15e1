// Raw S3 Vectors requests signed with the AWS SDK's own SigV4 signer (@smithy/signature-v4, the
// package @aws-sdk/client-s3vectors signs with), for what the released SDKs cannot send:
// - operations newer than both SDK releases we pin (PutVectorBucketDefaultIndexMode, UpdateIndexMode,
//   QueryVectors `queryMode`), and boto3's paged QueryVectors (botocore 1.43.11 has no `nextToken`);
// - bodies and headers no SDK would produce: malformed JSON, wrong types, broken signatures, fixed
//   old signing dates, other services or regions in the credential scope.
// Using the SDK's signer (not ours) keeps the check independent of the server's verifier.
import assert from "node:assert/strict";
import { request } from "node:http";
import { SignatureV4 } from "@smithy/signature-v4";
import { Sha256 } from "@smithy/core/checksum";
import type { AwsCredentials } from "./harness.ts";

export interface RawS3Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The parsed JSON body, or undefined when it is not JSON. */
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** `x-amzn-ErrorType`, the code clients read first. */
  errorType: string | undefined;
}

export interface RawS3Request {
  endpoint: string;
  /** `POST /<Operation>` by default; set path/method for the tag operations. */
  operation?: string;
  method?: string;
  path?: string;
  query?: Record<string, string | string[]>;
  /** An object is sent as compact JSON; a string or Buffer is sent as is. */
  body?: unknown;
  /** null sends the request unsigned. */
  credentials: AwsCredentials | null;
  region?: string;
  service?: string;
  signingDate?: Date;
  headers?: Record<string, string>;
  /** Changes the request after signing (a tampered body or header). */
  afterSigning?: (headers: Record<string, string>, body: Buffer) => Buffer;
}

export async function sendS3(req: RawS3Request): Promise<RawS3Response> {
  const url = new URL(req.endpoint);
  const method = req.method ?? "POST";
  const path = req.path ?? `/${req.operation}`;
  let body = encodeBody(req.body);
  const headers: Record<string, string> = { host: url.host, ...(req.headers ?? {}) };
  if (body.length > 0 && !hasHeader(headers, "content-type")) headers["content-type"] = "application/json";
  let signed = headers;
  if (req.credentials) {
    const signer = new SignatureV4({
      credentials: req.credentials, region: req.region ?? "us-east-1", service: req.service ?? "s3vectors", sha256: Sha256,
    });
    const out = await signer.sign({
      method, protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path, query: req.query ?? {}, headers, body,
    }, req.signingDate ? { signingDate: req.signingDate } : {});
    signed = out.headers;
  }
  if (req.afterSigning) body = req.afterSigning(signed, body);
  return send(url, method, path + queryString(req.query), signed, body);
}

function encodeBody(body: unknown): Buffer {
  if (body === undefined) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  return Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
}

const hasHeader = (headers: Record<string, string>, name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);

function queryString(query: RawS3Request["query"]): string {
  if (!query) return "";
  const pairs = Object.entries(query).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encodeURIComponent(k)}=${encodeURIComponent(x)}`));
  return pairs.length ? `?${pairs.join("&")}` : "";
}

function send(url: URL, method: string, target: string, headers: Record<string, string>, body: Buffer): Promise<RawS3Response> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: url.hostname, port: url.port, method, path: target, headers: { ...headers, "content-length": String(body.length) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let parsed: unknown;
        try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = undefined; }
        const errorType = res.headers["x-amzn-errortype"];
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: parsed, errorType: typeof errorType === "string" ? errorType : undefined });
      });
      res.on("error", reject);
    });
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

/** `POST /<operation>` with a JSON body, signed by `credentials` (the common case). */
export function callS3(endpoint: string, credentials: AwsCredentials, operation: string, body: unknown): Promise<RawS3Response> {
  return sendS3({ endpoint, credentials, operation, body });
}

/** Asserts an error answer of the S3 Vectors shape: status, `x-amzn-ErrorType` and `{__type, message}`. */
export function assertS3Error(res: RawS3Response, status: number, code: string): void {
  const where = `${res.status} ${res.errorType} ${res.text.slice(0, 500)}`;
  assert.equal(res.status, status, where);
  assert.equal(res.errorType, code, where);
  assert.match(String(res.headers["content-type"]), /^application\/json\b/, where);
  assert.ok(res.headers["x-amzn-requestid"], `x-amzn-RequestId missing: ${where}`);
  assert.equal(res.body?.__type, code, where);
  assert.equal(typeof res.body?.message, "string", where);
}
