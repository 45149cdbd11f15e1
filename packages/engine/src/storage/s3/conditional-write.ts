// How a create-if-absent PUT is made conditional. AWS S3, Ceph RGW and MinIO take the standard
// `If-None-Match: *` and refuse a taken key with 412. Alibaba Cloud OSS has its own header,
// `x-oss-forbid-overwrite: true`, and refuses a taken key with 409 FileAlreadyExists. Which one a
// store gets follows from its endpoint (an `*.aliyuncs.com` host is OSS) unless the operator says
// (`--s3-conditional-write`); the start-up probe (conditional-create-probe.ts) then checks that the
// store honours the one chosen.
import type { PutObjectCommandInput, S3Client } from "@aws-sdk/client-s3";

export type ConditionalWrite = "if-none-match" | "oss-forbid-overwrite";
export const CONDITIONAL_WRITES: readonly ConditionalWrite[] = ["if-none-match", "oss-forbid-overwrite"];

/** The header OSS reads; sent on every PUT of the client that creates objects. */
const OSS_HEADER = "x-oss-forbid-overwrite";

/** The kind the operator gave, or the one the endpoint's host implies. */
export function conditionalWriteFor(endpoint: string | undefined, given?: ConditionalWrite): ConditionalWrite {
  if (given) return given;
  const host = endpoint === undefined ? "" : new URL(endpoint).hostname.toLowerCase();
  return host === "aliyuncs.com" || host.endsWith(".aliyuncs.com") ? "oss-forbid-overwrite" : "if-none-match";
}

/** What a conditional PUT adds to its input: the standard condition, or nothing (OSS's header comes from the client). */
export function conditionalInput(kind: ConditionalWrite): Pick<PutObjectCommandInput, "IfNoneMatch"> {
  return kind === "if-none-match" ? { IfNoneMatch: "*" } : {};
}

/**
 * Makes every PUT `client` sends carry OSS's header, added before the request is signed (so it is
 * one of the signed headers, as OSS's S3-compatible signature check expects of x-oss- headers).
 * Only the client that creates objects gets it.
 */
export function addConditionalHeader(client: S3Client, kind: ConditionalWrite): void {
  if (kind !== "oss-forbid-overwrite") return;
  client.middlewareStack.add((next, context) => (args) => {
    const request = args.request as { method?: string; headers?: Record<string, string> };
    if (context.commandName === "PutObjectCommand" && request.headers) request.headers[OSS_HEADER] = "true";
    return next(args);
  }, { step: "build", name: "ossvForbidOverwrite" });
}

/** The status with which the store refuses a taken key: 412 for the standard header, 409 for OSS's. */
export function takenStatus(kind: ConditionalWrite): number {
  return kind === "if-none-match" ? 412 : 409;
}

/** The condition as messages name it. */
export function describeConditionalWrite(kind: ConditionalWrite): string {
  return kind === "if-none-match" ? "If-None-Match: *" : `${OSS_HEADER}: true`;
}
