// Errors of the S3 Vectors API as both SDKs read them (docs/s3-vectors.md#errors): the status the
// model gives the exception, `x-amzn-ErrorType: <name>` and `{"__type","message"[,"fieldList"]}`.
// Successful answers go through respond.ts with the AWS request id header.
import type { ServerResponse } from "node:http";
import type { S3VectorsError } from "@ossv/protocol/s3vectors";
import { baseHeaders, type ResponseInfo } from "../respond.ts";

export function sendS3vError(res: ServerResponse, info: ResponseInfo, error: S3VectorsError, extraHeaders: Record<string, string> = {}): number {
  const bytes = Buffer.from(JSON.stringify(error.body()), "utf8");
  res.writeHead(error.status, {
    ...baseHeaders(info), ...extraHeaders,
    "x-amzn-errortype": error.type, "content-type": "application/json", "content-length": bytes.length,
  });
  res.end(bytes);
  return bytes.length;
}
