// The one place responses are written: exact `Content-Type: application/json` (the SDKs compare it
// whole), x-oss-request-id on everything, and the OSS JSON error body with x-oss-ec.
import type { ServerResponse } from "node:http";
import { ApiError, type WireErrorBody } from "@ossv/protocol";

export interface ResponseInfo {
  requestId: string;
  host: string;
  bucket?: string;
  /** CORS headers for the request's origin (cors.ts); absent when CORS is off. */
  cors?: Readonly<Record<string, string>>;
  /** Answers to the S3 Vectors API carry AWS's request id header instead of OSS's. */
  api?: "s3vectors";
}

export function baseHeaders(info: ResponseInfo): Record<string, string> {
  const idHeader = info.api === "s3vectors" ? "x-amzn-requestid" : "x-oss-request-id";
  return { [idHeader]: info.requestId, "date": new Date().toUTCString(), "server": "ossv", ...info.cors };
}

/** Headers of a JSON answer, without its length. */
export function jsonHeaders(info: ResponseInfo): Record<string, string> {
  return { ...baseHeaders(info), "content-type": "application/json" };
}

/** Each send returns the body bytes it wrote, for the access log and the response-size metric. */
export function sendJson(res: ServerResponse, info: ResponseInfo, status: number, body: string): number {
  const bytes = Buffer.from(body, "utf8");
  res.writeHead(status, { ...jsonHeaders(info), "content-length": bytes.length });
  res.end(bytes);
  return bytes.length;
}

export function sendEmpty(res: ServerResponse, info: ResponseInfo, status: number): number {
  res.writeHead(status, { ...baseHeaders(info), "content-length": 0 });
  res.end();
  return 0;
}

export function errorBody(error: ApiError, info: ResponseInfo): WireErrorBody {
  const body: WireErrorBody = {
    Code: error.code,
    Message: error.message,
    RequestId: info.requestId,
    HostId: info.host,
    EC: error.ec,
  };
  if (info.bucket) body.BucketName = info.bucket;
  Object.assign(body, error.fields);
  if (error.ec) body.RecommendDoc = `https://api.aliyun.com/troubleshoot?q=${error.ec}`;
  return body;
}

export function sendError(res: ServerResponse, info: ResponseInfo, error: ApiError, extraHeaders: Record<string, string> = {}): number {
  const bytes = Buffer.from(JSON.stringify({ Error: errorBody(error, info) }), "utf8");
  const headers: Record<string, string | number> = {
    ...baseHeaders(info), ...extraHeaders, "content-type": "application/json", "content-length": bytes.length,
  };
  if (error.ec) headers["x-oss-ec"] = error.ec;
  res.writeHead(error.status, headers);
  res.end(bytes);
  return bytes.length;
}
