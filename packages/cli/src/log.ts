// The log of `ossv serve`: pino records on standard output, as JSON lines (for collectors) or as
// readable text lines (for a terminal) carrying the same fields. Access records, internal errors,
// background failures, start-up and shutdown all go through one logger, so --log-level and
// --log-format apply to everything the server says.
import { pino, type DestinationStream, type Logger } from "pino";
import type { AccessLogEntry, BackgroundFailureEvent } from "@ossv/server";
import type { LOG_FORMATS, LOG_LEVELS } from "./serve-options.ts";

export type LogFormat = (typeof LOG_FORMATS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];
export type { Logger };

/**
 * Records are written synchronously to `out` (process.stdout by default), so they keep their order
 * with the plain root-key message written to the same stream, and nothing is left unwritten at exit.
 */
export function createLogger(format: LogFormat, level: LogLevel, out: DestinationStream = process.stdout): Logger {
  return pino({
    level,
    // No pid and host name on every line: one process per data directory, and collectors add the host.
    base: null,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  }, format === "json" ? out : textLines(out));
}

/** The access record of one request. 5xx answers are warnings: the server, not the caller, failed. */
export function logRequest(logger: Logger, entry: AccessLogEntry): void {
  const fields = {
    requestId: entry.requestId, remote: entry.remote, method: entry.method, operation: entry.operation,
    bucket: entry.bucket, index: entry.index, principal: entry.principal, status: entry.status,
    errorCode: entry.errorCode, bytesIn: entry.bytesIn, bytesOut: entry.bytesOut,
    durationMs: Math.round(entry.durationMs * 10) / 10,
  };
  if (entry.status >= 500) logger.warn(fields, "request");
  else logger.info(fields, "request");
}

export function logInternalError(logger: Logger, error: unknown, requestId: string): void {
  logger.error({ requestId, err: error }, "internal error");
}

export function logBackgroundFailure(logger: Logger, event: BackgroundFailureEvent): void {
  const next = event.retryInMs === null ? "not retried" : `retrying in ${event.retryInMs} ms`;
  logger.error({
    task: event.task, bucket: event.bucket, index: event.indexName, indexId: event.indexId,
    attempts: event.attempts, retryInMs: event.retryInMs, err: event.error,
  }, `background ${event.task} of index ${event.bucket}/${event.indexName} failed, ${next}`);
}

// ---- text format ----

type LogRecord = Record<string, unknown> & { level?: string; time?: string; msg?: string };

/** Re-renders each JSON record pino writes as one readable line (plus a stack, indented, for errors). */
function textLines(out: DestinationStream): DestinationStream {
  return { write: (line: string) => void out.write(formatText(JSON.parse(line) as LogRecord) + "\n") };
}

/** A token safe on a terminal: anything with spaces, quotes, '=' or control characters is JSON-quoted. */
function token(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  // eslint-disable-next-line no-control-regex
  return text === "" || /[\s"=\u0000-\u001f\u007f]/.test(text) ? JSON.stringify(text) : text;
}

function principalText(principal: unknown): string {
  if (principal === undefined || principal === null || typeof principal !== "object") return "-";
  const p = principal as { type: string; accountId?: string; accessKeyId?: string; userName?: string; temporary?: boolean };
  if (p.type === "anonymous") return "anonymous";
  const who = p.type === "user" ? `user:${p.userName}@${p.accountId}` : `root@${p.accountId}`;
  return token(`${who}/${p.accessKeyId}${p.temporary ? "(temporary)" : ""}`);
}

/**
 * An access record keeps the positional layout of the former text access log, with the new fields in
 * place: time level requestId remote method operation bucket[/index] principal status in/out duration
 * [errorCode].
 */
function requestLine(record: LogRecord): string {
  const { bucket, index } = record as { bucket?: string; index?: string };
  const where = bucket === undefined ? "-" : index === undefined ? bucket : `${bucket}/${index}`;
  const parts = [
    record["requestId"], record["remote"] || "-", record["method"], record["operation"], where,
  ].map(token);
  parts.push(principalText(record["principal"]), String(record["status"]),
    `in=${String(record["bytesIn"])}B`, `out=${String(record["bytesOut"])}B`, `${String(record["durationMs"])}ms`);
  if (record["errorCode"] !== undefined) parts.push(token(record["errorCode"]));
  return parts.join(" ");
}

function flatten(prefix: string, value: unknown, into: string[]): void {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(`${prefix}.${key}`, inner, into);
  } else {
    into.push(`${prefix}=${token(value)}`);
  }
}

/** Whether the message already says `value`, as a whole word: the line need not repeat it. */
function stated(msg: string, value: unknown): boolean {
  if (typeof value !== "string" && typeof value !== "number") return false;
  const escaped = String(value).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^\\w.-])${escaped}($|[^\\w-])`).test(msg);
}

export function formatText(record: LogRecord): string {
  const { level, time, msg = "", err, ...fields } = record;
  const head = `${time ?? ""} ${(level ?? "").toUpperCase().padEnd(5)}`;
  if (msg === "request" && "requestId" in fields) return `${head} ${requestLine(fields)}`;
  const rest: string[] = [];
  for (const [key, value] of Object.entries(fields)) {
    if (value === undefined || stated(msg, value)) continue;
    flatten(key, value, rest);
  }
  let line = [head, msg, ...rest].join(" ");
  if (err !== undefined) {
    // pino's error serializer gives {type, message, stack}; anything else thrown is shown as JSON.
    const { stack, message } = (typeof err === "object" && err !== null ? err : {}) as { stack?: string; message?: string };
    const detail = stack ?? message ?? JSON.stringify(err) ?? "undefined";
    line += "\n" + detail.split("\n").map((l) => `    ${l}`).join("\n");
  }
  return line;
}
