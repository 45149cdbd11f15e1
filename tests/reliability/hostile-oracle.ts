// What a hostile case expects, and the check every answer must pass: a 4xx, never a 5xx, in OSS's
// error shape (JSON Error with Code, Message and RequestId; x-oss-request-id; application/json), with
// the status and code the applied break calls for.
import assert from "node:assert/strict";
import fc from "fast-check";
import type { OperationName } from "@ossv/protocol";
import type { Framing, Intent, Signing } from "./hostile-request.ts";
import type { Exchange, WireResponse } from "./hostile-wire.ts";

export interface Outcome {
  status: number;
  code: string;
  /** Text the message must contain: tells apart refusals that share a code (which field was wrong). */
  messageIncludes?: string;
}

export interface Expectation {
  /** The first answer must be one of these (several when more than one code is legitimate). */
  anyOf: Outcome[];
  /** The client hangs up on purpose; no answer at all is then fine. */
  mayGoUnanswered?: boolean;
}

export interface HostileCase {
  category: string;
  op: OperationName | "-";
  /** What was broken, for the summary and for a failing counterexample. */
  what: string;
  intent: Intent;
  signing: Signing;
  framing?: Framing;
  expect: Expectation;
}

export const VIPI = "VectorIndexParameterInvalid";

export function outcome(status: number, code: string, messageIncludes?: string): Outcome {
  return messageIncludes === undefined ? { status, code } : { status, code, messageIncludes };
}

export function expecting(...anyOf: Outcome[]): Expectation {
  return { anyOf };
}

export const invalidParameter = (messageIncludes?: string) => expecting(outcome(400, VIPI, messageIncludes));

function describeCase(c: HostileCase): string {
  const body = c.intent.body.toString("utf8");
  const shown = body.length > 300 ? `${body.slice(0, 300)}… (${body.length} bytes)` : body;
  const expected = c.expect.anyOf.map((o) => `${o.status} ${o.code}${o.messageIncludes ? ` ~"${o.messageIncludes}"` : ""}`).join(" | ");
  return `[${c.category}] ${c.op}: ${c.what} — ${c.intent.method} ${c.intent.bucket ?? "/"} ?${c.intent.query} `
    + `signing=${JSON.stringify(c.signing)} body=${JSON.stringify(shown)} → expect ${expected}`;
}

/** Gives a case a readable form in fast-check's counterexample report. */
export function hostileCase(c: HostileCase): HostileCase {
  return Object.assign(c, { [fc.toStringMethod]: () => describeCase(c) });
}

export function assertOssShaped(res: WireResponse, isHead: boolean): { Code: string; Message: string } {
  const text = res.body.toString("utf8");
  assert.ok(res.status >= 400 && res.status < 500, `status ${res.status} is not a 4xx: ${text}`);
  const requestId = res.headers["x-oss-request-id"];
  assert.match(requestId ?? "", /^[0-9A-F]{24}$/, `x-oss-request-id: ${JSON.stringify(res.headers)}`);
  assert.equal(res.headers["content-type"], "application/json", `content-type: ${JSON.stringify(res.headers)}`);
  if (isHead) return { Code: "", Message: "" };
  let error: Record<string, unknown>;
  try {
    error = JSON.parse(text).Error;
  } catch {
    assert.fail(`the error body is not JSON: ${JSON.stringify(text)}`);
  }
  assert.ok(error && typeof error === "object", `no Error object: ${text}`);
  assert.equal(typeof error["Code"], "string", text);
  assert.ok(typeof error["Message"] === "string" && error["Message"] !== "", `no Message: ${text}`);
  assert.equal(error["RequestId"], requestId, text);
  return error as { Code: string; Message: string };
}

function matches(res: WireResponse, error: { Code: string; Message: string }, want: Outcome, isHead: boolean): boolean {
  if (res.status !== want.status) return false;
  if (isHead) return true; // no body to read the code from
  return error.Code === want.code && (want.messageIncludes === undefined || error.Message.includes(want.messageIncludes));
}

/** The check for one exchange; returns the first answer's status (or "none") for the summary. */
export function checkExchange(c: HostileCase, ex: Exchange): string {
  if (ex.responses.length === 0) {
    assert.ok(c.expect.mayGoUnanswered && ex.hungUp, "the server closed the connection without answering");
    return "none";
  }
  assert.equal(ex.responses.length, 1, `one request got ${ex.responses.length} answers: ${ex.responses.map((r) => r.status).join(", ")}`);
  const res = ex.responses[0]!;
  const isHead = c.intent.method === "HEAD";
  const error = assertOssShaped(res, isHead);
  const ok = c.expect.anyOf.some((want) => matches(res, error, want, isHead));
  assert.ok(ok, `got ${res.status} ${error.Code} "${error.Message}"`);
  return String(res.status);
}
