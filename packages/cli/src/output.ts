// How the API commands print: JSON (the default, the API's own shapes, for scripts and jq) or a table
// (for people), and failures as one line on standard error with the exit code that classes them.
import { ClientError, ServiceError } from "@ossv/sdk";
import { UsageError } from "./connection.ts";
import { EXIT } from "./exit-codes.ts";

export type OutputFormat = "json" | "table";

/** Longest cell shown in a table; a vector's components would otherwise make every row wrap. */
const MAX_CELL = 60;

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "string" ? value : typeof value === "number" || typeof value === "boolean" ? String(value) : JSON.stringify(value);
  const flat = text.replace(/\s+/g, " ");
  return flat.length > MAX_CELL ? `${flat.slice(0, MAX_CELL - 1)}…` : flat;
}

/** Columns in the order their keys first appear, each as wide as its widest cell. */
export function table(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return "";
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const cells = [columns, ...rows.map((row) => columns.map((column) => cell(row[column])))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells.map((line) => line.map((text, i) => (i === line.length - 1 ? text : text.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** One object as FIELD / VALUE lines. */
export function fieldTable(object: Record<string, unknown>): string {
  return table(Object.entries(object).map(([field, value]) => ({ field, value })));
}

/** A single line: messages from servers may hold newlines, which would break "one error, one line". */
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}

/**
 * The error line and exit code for a failure. A service error names its code, HTTP status and
 * request id (what support asks for); a usage error is the caller's to fix; a connection that never
 * answered may be worth retrying, so it has a code of its own.
 */
export function describeFailure(error: unknown): { line: string; code: number } {
  if (error instanceof ServiceError) {
    const requestId = error.requestId ? `, request id ${error.requestId}` : "";
    return { line: `${error.code}: ${oneLine(error.message)} (HTTP ${error.statusCode}${requestId})`, code: EXIT.failed };
  }
  if (error instanceof UsageError) return { line: oneLine(error.message), code: EXIT.usage };
  if (error instanceof ClientError) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : "";
    const line = `${error.code}: ${oneLine(error.message + cause)}`;
    if (error.code === "NetworkError" || error.code === "RequestTimeout") return { line, code: EXIT.unreachable };
    if (error.code === "UnmarshalOutputFail") return { line, code: EXIT.failed };
    return { line, code: EXIT.usage }; // missing or invalid parameters, no credentials
  }
  return { line: oneLine((error as Error).message ?? String(error)), code: EXIT.failed };
}
