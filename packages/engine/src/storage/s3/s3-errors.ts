// Reading the AWS SDK's errors. A service error carries the HTTP status it came with
// ($metadata.httpStatusCode) and the SDK's attempt count; a connection failure carries the socket's
// error code and no status. What a failed conditional PUT means depends on which of those it was.

/** The HTTP status of the store's answer, or undefined when no answer came. */
export function statusOf(error: unknown): number | undefined {
  const metadata = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return metadata?.httpStatusCode;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;
}

/** A 404 from GET or HEAD: the object (NoSuchKey; HEAD answers NotFound with no body) is not there. */
export function isMissing(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === "NoSuchKey" || name === "NotFound" || (statusOf(error) === 404 && name !== "NoSuchBucket");
}

/** Socket errors raised before a connection existed: the request never left this machine. */
const NOT_CONNECTED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "EADDRNOTAVAIL"]);

/**
 * What one failed create-if-absent PUT says about the object:
 * - taken: 412 (Alibaba OSS: 409 FileAlreadyExists), the name was held when the store looked;
 * - conflict: any other 409, another conditional write to the name was under way (AWS asks to try again);
 * - refused: the store turned the request down for what it was (bad credentials, no such bucket,
 *   too large: any other 4xx), or it never reached the store: nothing was written;
 * - answered: a 5xx, or 408/429: the store finished the request but says it failed; RGW answers a
 *   losing conditional writer 500 at times, so only a re-read tells whether the object exists;
 * - lost: the connection failed after the request went out; the write may land or not.
 */
export type PutFailure = "taken" | "conflict" | "refused" | "answered" | "lost";

export function classifyPutFailure(error: unknown): PutFailure {
  const status = statusOf(error);
  if (status === undefined) return NOT_CONNECTED.has(codeOf(error) ?? "") ? "refused" : "lost";
  if (status === 412 || (status === 409 && (error as Error).name === "FileAlreadyExists")) return "taken";
  if (status === 409) return "conflict";
  if (status >= 500 || status === 408 || status === 429) return "answered";
  return status >= 400 ? "refused" : "lost";
}

/** A short account of an SDK error for messages: its name, status and text. */
export function describeS3Error(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = statusOf(error);
  const code = codeOf(error);
  const detail = [status !== undefined ? `HTTP ${status}` : undefined, code].filter(Boolean).join(", ");
  return `${error.name}${detail ? ` (${detail})` : ""}${error.message && error.message !== error.name ? `: ${error.message}` : ""}`;
}
