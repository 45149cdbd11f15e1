// Test support: S3 Vectors requests for the in-process server, signed the way each SDK signs them
// (botocore: content-type, host and x-amz-date, no payload hash header; the JS SDK: its amz-sdk-*
// headers and x-amz-content-sha256 too), so a test can alter any part before sending.
import { createHash } from "node:crypto";
import { formatAmzDate, type Credentials } from "@ossv/protocol";
import { awsAuthorization } from "@ossv/protocol/s3vectors";
import type { InProcessRequest, InProcessResponse, InProcessServer } from "./in-process.ts";

export interface S3vRequestSpec {
  /** `/CreateIndex`, or `/tags/<percent-encoded ARN>`. */
  path: string;
  method?: "POST" | "GET" | "DELETE";
  query?: string;
  /** An object is sent as JSON; POST without a body sends `{}` as both SDKs do. */
  body?: string | object;
  credentials: Credentials | null;
  style?: "botocore" | "js";
  time?: Date;
  region?: string;
}

export const S3V_HOST = "s3vectors.us-east-1.api.aws";

export function buildS3v(spec: S3vRequestSpec, server: InProcessServer): InProcessRequest {
  const method = spec.method ?? "POST";
  const text = typeof spec.body === "string" ? spec.body : method === "POST" ? JSON.stringify(spec.body ?? {}) : "";
  const body = Buffer.from(text, "utf8");
  const amzDate = formatAmzDate(spec.time ?? new Date(server.settings.now()));
  const hash = createHash("sha256").update(body).digest("hex");
  const headers: Record<string, string> = { host: S3V_HOST, "x-amz-date": amzDate };
  if (body.length > 0) headers["content-type"] = "application/json";
  if (spec.style === "js") {
    Object.assign(headers, { "amz-sdk-invocation-id": "48c0c267-53bd-4b13-ac65-1d8462b61724", "amz-sdk-request": "attempt=1; max=3", "x-amz-content-sha256": hash, "x-amz-user-agent": "aws-sdk-js/3.1136.0" });
    if (body.length > 0) headers["content-length"] = String(body.length);
  }
  if (spec.credentials?.securityToken !== undefined) headers["x-amz-security-token"] = spec.credentials.securityToken;
  if (spec.credentials) {
    headers["authorization"] = awsAuthorization({
      method, rawPath: spec.path, rawQuery: spec.query ?? "", headers: { ...headers }, accessKeyId: spec.credentials.accessKeyId,
      secret: spec.credentials.accessKeySecret, region: spec.region ?? server.settings.awsRegion, amzDate, payloadHash: hash,
    });
  }
  // Added after signing, as botocore adds them.
  if (spec.style !== "js") Object.assign(headers, { "amz-sdk-invocation-id": "1", "amz-sdk-request": "attempt=1" });
  return { method, target: spec.query ? `${spec.path}?${spec.query}` : spec.path, headers: Object.entries(headers), body };
}

export function sendS3v(server: InProcessServer, spec: S3vRequestSpec): Promise<InProcessResponse> {
  return server.request(buildS3v(spec, server));
}

/** POST /<operation> with `body`, signed by the root key as botocore signs. */
export function callS3v(server: InProcessServer, operation: string, body: object = {}, credentials: Credentials = server.root): Promise<InProcessResponse> {
  return sendS3v(server, { path: `/${operation}`, body, credentials });
}
