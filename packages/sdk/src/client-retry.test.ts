// Retries, clock-skew correction, timeouts and aborts against a local server that misbehaves on
// purpose over real sockets, through every send step: the portable fetch one, Node's default (undici)
// and the node:http one.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";
import type { VectorsClientConfig } from "./client-config.ts";
import { AbortError, NetworkError, ServiceError, TimeoutError } from "./errors.ts";
import { nodeHttpHandler } from "./node/node-http-handler.ts";
import { undiciHandler } from "./node/undici-handler.ts";
import {
  dropConnection, respondEmpty, respondError, respondJson, signatureVerifies, stallBody, startScriptedServer,
  type ScriptedServer,
} from "./testing/scripted-server.ts";

const ACCOUNT = "1234567890123456";
const CHECK = { region: "cn-hangzhou", accountId: ACCOUNT, bucket: "demo", secret: "sk" };
let server: ScriptedServer;

before(async () => {
  server = await startScriptedServer();
});
beforeEach(() => {
  server.requests.length = 0;
});
after(() => server.close());

const getIndex = { bucket: "demo", indexName: "idx" };
const INDEX_BODY = { index: { indexName: "idx", dimension: 3 } };

const TRANSPORTS: [string, () => Partial<VectorsClientConfig>][] = [
  ["fetch", () => ({ fetch: (input, init) => globalThis.fetch(input, init) })],
  ["node:http", () => ({ requestHandler: nodeHttpHandler() })],
  ["undici", () => ({ requestHandler: undiciHandler() })],
];

for (const [name, transport] of TRANSPORTS) {
  function clientWith(overrides: Partial<VectorsClientConfig> = {}): VectorsClient {
    return new VectorsClient({
      ...transport(),
      region: "cn-hangzhou", accountId: ACCOUNT, endpoint: server.url,
      credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
      retry: { baseDelayMs: 1 }, ...overrides,
    });
  }

  test(`${name}: send() retries a 503 and returns the success that follows`, async () => {
    server.enqueue(respondError(503, "ServiceUnavailable"), respondJson(200, INDEX_BODY));
    const result = await clientWith().getVectorIndex(getIndex);
    assert.equal(result.index.indexName, "idx");
    assert.equal(server.requests.length, 2);
    for (const request of server.requests) assert.ok(signatureVerifies(request, CHECK), "every attempt is signed");
  });

  test(`${name}: send() retries 429 throttling twice and succeeds on the third attempt`, async () => {
    server.enqueue(respondError(429, "Throttling"), respondError(429, "Throttling"), respondJson(200, INDEX_BODY));
    await clientWith().getVectorIndex(getIndex);
    assert.equal(server.requests.length, 3);
  });

  test(`${name}: send() retries 401, 408 and the BadRequest code`, async () => {
    server.enqueue(respondError(401, "Unauthorized"), respondError(408, "RequestTimeout"), respondJson(200, INDEX_BODY));
    await clientWith({ retry: { maxAttempts: 3, baseDelayMs: 1 } }).getVectorIndex(getIndex);
    server.enqueue(respondError(400, "BadRequest"), respondJson(200, INDEX_BODY));
    await clientWith().getVectorIndex(getIndex);
    assert.equal(server.requests.length, 5);
  });

  test(`${name}: send() gives up after maxAttempts and reports the last ServiceError with the attempt count`, async () => {
    server.enqueue(respondError(500, "InternalError"), respondError(500, "InternalError"), respondError(500, "InternalError"));
    const error = await clientWith().getVectorIndex(getIndex).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError);
    assert.deepEqual([error.statusCode, error.code, error.retryable, error.attempts, error.operation], [500, "InternalError", true, 3, "GetVectorIndex"]);
    assert.equal(server.requests.length, 3);
  });

  test(`${name}: send() does not retry a 404 and carries code, request id, EC and headers`, async () => {
    server.enqueue(respondError(404, "NoSuchBucket"));
    const error = await clientWith().getVectorIndex(getIndex).catch((caught: unknown) => caught);
    assert.ok(error instanceof ServiceError);
    assert.equal(error.code, "NoSuchBucket");
    assert.equal(error.retryable, false);
    assert.equal(error.ec, "0015-00000101");
    assert.match(error.requestId, /^[0-9A-F]{24}$/);
    assert.equal(error.headers["x-oss-request-id"], error.requestId);
    assert.match(error.requestTarget ?? "", /^POST http:\/\/127\.0\.0\.1:\d+\/demo\/\?getVectorIndex$/);
    assert.equal(server.requests.length, 1);
  });

  test(`${name}: send() corrects its clock from the Date of a RequestTimeTooSkewed answer and re-signs the retry`, async () => {
    const local = new Date("2024-01-01T00:00:00Z");
    const client = clientWith({ now: () => local });
    server.enqueue(respondError(403, "RequestTimeTooSkewed", { date: "Mon, 01 Jan 2024 01:30:00 GMT" }), respondJson(200, INDEX_BODY));
    await client.getVectorIndex(getIndex);
    const [first, retry] = server.requests;
    assert.equal(first?.headers["x-oss-date"], "20240101T000000Z");
    assert.equal(retry?.headers["x-oss-date"], "20240101T013000Z");
    assert.ok(retry && signatureVerifies(retry, CHECK));
    assert.equal(client.clockOffsetMs, 90 * 60_000);
    server.enqueue(respondJson(200, INDEX_BODY));
    await client.getVectorIndex(getIndex);
    assert.equal(server.requests[2]?.headers["x-oss-date"], "20240101T013000Z", "later requests keep the correction");
  });

  test(`${name}: send() retries a dropped connection as a NetworkError`, async () => {
    server.enqueue(dropConnection(), respondJson(200, INDEX_BODY));
    await clientWith().getVectorIndex(getIndex);
    assert.equal(server.requests.length, 2);
    server.enqueue(dropConnection());
    const error = await clientWith({ retry: false }).getVectorIndex(getIndex).catch((caught: unknown) => caught);
    assert.ok(error instanceof NetworkError, String(error));
    assert.equal(error.retryable, true);
  });

  test(`${name}: send() times out an attempt whose body stalls, retries, then throws TimeoutError`, async () => {
    server.enqueue(stallBody(5_000), stallBody(5_000));
    const started = Date.now();
    const error = await clientWith({ timeoutMs: 200, retry: { maxAttempts: 2, baseDelayMs: 1 } })
      .listVectors({ bucket: "demo", indexName: "idx" }).catch((caught: unknown) => caught);
    assert.ok(error instanceof TimeoutError, String(error));
    assert.equal(error.timeoutMs, 200);
    assert.equal(error.attempts, 2);
    assert.equal(server.requests.length, 2);
    assert.ok(Date.now() - started < 4_000, "gave up long before the server finished");
  });

  test(`${name}: send() takes a per-call timeoutMs over the client's`, async () => {
    server.enqueue(stallBody(5_000));
    const error = await clientWith({ timeoutMs: 60_000, retry: false })
      .listVectors({ bucket: "demo", indexName: "idx" }, { timeoutMs: 150 }).catch((caught: unknown) => caught);
    assert.ok(error instanceof TimeoutError, String(error));
  });

  test(`${name}: send() stops at once with AbortError when the caller aborts mid-body, without retrying`, async () => {
    server.enqueue(stallBody(5_000));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("user gave up")), 150);
    const error = await clientWith().listVectors({ bucket: "demo", indexName: "idx" }, { abortSignal: controller.signal })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof AbortError, String(error));
    assert.equal((error.cause as Error).message, "user gave up");
    assert.equal(server.requests.length, 1);
  });

  test(`${name}: send() rejects an already-aborted signal without sending anything`, async () => {
    const error = await clientWith().getVectorIndex(getIndex, { abortSignal: AbortSignal.abort() }).catch((caught: unknown) => caught);
    assert.ok(error instanceof AbortError);
    assert.equal(server.requests.length, 0);
  });

  test(`${name}: send() abandons the backoff wait when the caller aborts`, async () => {
    server.enqueue(respondError(503, "ServiceUnavailable"));
    const controller = new AbortController();
    const client = clientWith({ retry: { baseDelayMs: 10_000, random: () => 0.99 } });
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await client.getVectorIndex(getIndex, { abortSignal: controller.signal }).catch((caught: unknown) => caught);
    assert.ok(error instanceof AbortError, String(error));
    assert.ok(Date.now() - started < 5_000);
    assert.equal(server.requests.length, 1);
  });

  test(`${name}: send() honours retry: false and a custom isRetryable`, async () => {
    server.enqueue(respondError(503, "ServiceUnavailable"));
    await assert.rejects(clientWith({ retry: false }).getVectorIndex(getIndex), ServiceError);
    assert.equal(server.requests.length, 1);
    server.enqueue(respondError(409, "Conflict"), respondEmpty(204));
    await clientWith({ retry: { baseDelayMs: 1, isRetryable: (e) => e instanceof ServiceError && e.statusCode === 409 } })
      .deleteVectors({ bucket: "demo", indexName: "idx", keys: ["a"] });
    assert.equal(server.requests.length, 3);
  });
}
