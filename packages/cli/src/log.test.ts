// The text log format: the access layout, principals, quoting of what callers control, and stacks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createLogger, formatText, logRequest } from "./log.ts";

const base = { level: "info", time: "2025-01-02T03:04:05.678Z" };
const request = {
  ...base, msg: "request", requestId: "0123456789ABCDEF01234567", remote: "::1", method: "POST", operation: "QueryVectors",
  bucket: "b", index: "i", status: 200, bytesIn: 12, bytesOut: 34, durationMs: 1.5,
};

test("an access record is one positional line; the principal says who, without secrets to say", () => {
  assert.equal(
    formatText({ ...request, principal: { type: "user", accountId: "123", accessKeyId: "STS.x", userName: "alice", temporary: true } }),
    "2025-01-02T03:04:05.678Z INFO  0123456789ABCDEF01234567 ::1 POST QueryVectors b/i user:alice@123/STS.x(temporary) 200 in=12B out=34B 1.5ms",
  );
  assert.match(formatText({ ...request, principal: { type: "root", accountId: "123", accessKeyId: "LTAIk" } }), / b\/i root@123\/LTAIk 200 /);
  assert.match(formatText({ ...request, principal: { type: "anonymous" }, status: 403, errorCode: "AccessDenied" }), / anonymous 403 .* AccessDenied$/);
  assert.match(formatText({ ...request, bucket: undefined, index: undefined, principal: undefined }), / QueryVectors - - 200 /);
});

test("text a caller controls is quoted when it could break or fake a line", () => {
  assert.match(formatText({ ...request, index: "x\n2025 INFO fake" }), / "b\/x\\n2025 INFO fake" - 200 /);
});

test("other records: message, the fields it does not state, and an error's stack indented below", () => {
  const error = new Error("disk on fire");
  const line = formatText({ ...base, level: "error", msg: "background flush of index b/i failed", task: "flush", indexId: "ix1", attempts: 2, err: { type: "Error", message: error.message, stack: error.stack } });
  const [head, ...stack] = line.split("\n");
  assert.equal(head, "2025-01-02T03:04:05.678Z ERROR background flush of index b/i failed indexId=ix1 attempts=2");
  assert.match(stack[0]!, /^ {4}Error: disk on fire$/);
  assert.ok(stack.length > 1 && stack.every((l) => l.startsWith("    ")));
});

test("the logger writes JSON lines; 5xx access records are warnings", () => {
  const lines: string[] = [];
  const logger = createLogger("json", "info", { write: (line) => void lines.push(line) });
  logRequest(logger, { requestId: "R", method: "GET", operation: "ListVectorBuckets", status: 503, durationMs: 1.234, remote: "::1", errorCode: "ServiceUnavailable", bytesIn: 0, bytesOut: 9, principal: { type: "anonymous" } });
  const record = JSON.parse(lines[0]!);
  assert.deepEqual({ ...record, time: undefined }, {
    level: "warn", time: undefined, requestId: "R", remote: "::1", method: "GET", operation: "ListVectorBuckets",
    principal: { type: "anonymous" }, status: 503, errorCode: "ServiceUnavailable", bytesIn: 0, bytesOut: 9, durationMs: 1.2, msg: "request",
  });
});
