// Requests node's HTTP parser refuses before the pipeline sees them still answer an OSS JSON error
// (Code, Message, RequestId, x-oss-request-id), never node's bare `400 Bad Request` without a body;
// and bad bytes after a complete request leave that request's own answer intact.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { signRequest } from "@ossv/protocol";
import { startTestServer, type TestServer } from "./raw-client.ts";
import { exchange, type WireRequest, type WireResponse } from "../reliability/hostile-wire.ts";

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const host = (): [string, string] => ["Host", `127.0.0.1:${t.server.port}`];

async function answers(req: Partial<WireRequest>): Promise<WireResponse[]> {
  const full: WireRequest = { method: "POST", target: "/b1/?putVectors", headers: [host()], body: Buffer.alloc(0), ...req };
  return (await exchange(t.server.port, full)).responses;
}

function assertOssError(res: WireResponse | undefined, status: number, code: string): void {
  assert.ok(res, "an answer arrived");
  assert.equal(res.status, status, res.body.toString());
  assert.equal(res.headers["content-type"], "application/json");
  assert.match(res.headers["x-oss-request-id"] ?? "", /^[0-9A-F]{24}$/);
  const error = JSON.parse(res.body.toString()).Error;
  assert.equal(error.Code, code);
  assert.equal(error.RequestId, res.headers["x-oss-request-id"]);
  assert.ok(error.Message);
}

// Built when a test runs: the Host header names the port the server got.
const refusedByTheParser: Array<[string, () => Partial<WireRequest>]> = [
  ["a Content-Length that is not a number", () => ({ headers: [host(), ["Content-Length", "12abc"]] })],
  ["two different Content-Lengths", () => ({ headers: [host(), ["Content-Length", "2"], ["Content-Length", "3"]], body: Buffer.from("{}x") })],
  ["Content-Length with Transfer-Encoding", () => ({ headers: [host(), ["Content-Length", "2"], ["Transfer-Encoding", "chunked"]], body: Buffer.from("0\r\n\r\n") })],
  ["an unknown method", () => ({ method: "BREW" })],
  ["a space in a header name", () => ({ headers: [host(), ["X Bad", "1"]] })],
  ["a header block over node's limit", () => ({ headers: [host(), ["x-padding", "a".repeat(20_000)]] })],
  ["a raw non-ASCII byte in the path", () => ({ target: "/b\u00fc/?putVectors" })],
  ["broken chunk framing", () => ({ headers: [host(), ["Transfer-Encoding", "chunked"]], body: Buffer.from("zz\r\n{}\r\n0\r\n\r\n") })],
];

for (const [what, req] of refusedByTheParser) {
  test(`${what} is a JSON 400 BadRequest`, async () => {
    const [first, ...rest] = await answers(req());
    assertOssError(first, 400, "BadRequest");
    assert.equal(rest.length, 0);
  });
}

test("an HTTP/1.1 request without Host is a JSON 400 InvalidRequest", async () => {
  const [first] = await answers({ method: "GET", target: "/", headers: [] });
  assertOssError(first, 400, "InvalidRequest");
});

test("garbage after a complete request leaves that request's answer whole", async () => {
  // Content-Length covers `{}`; the rest is not a request. The anonymous POST is refused on its own
  // merits (403) and the connection then closes instead of answering the garbage in its middle.
  const [first, ...rest] = await answers({
    headers: [host(), ["Content-Length", "2"], ["Connection", "close"]], body: Buffer.from("{}\"garbage\r\n\r\n"),
  });
  assertOssError(first, 403, "AccessDenied");
  assert.equal(rest.length, 0);
});

test("CONNECT is a JSON 405 MethodNotAllowed, not a dropped connection", async () => {
  const [first, ...rest] = await answers({ method: "CONNECT", target: `127.0.0.1:${t.server.port}` });
  assertOssError(first, 405, "MethodNotAllowed");
  assert.equal(rest.length, 0);
});

test("an Expect other than 100-continue is ignored: the request is served (here, refused on its merits)", async () => {
  const [first, ...rest] = await answers({ method: "GET", target: "/", headers: [host(), ["Expect", "the-unexpected"], ["Connection", "close"]] });
  assertOssError(first, 403, "AccessDenied");
  assert.equal(rest.length, 0);
});

test("a client that stops mid-body leaves no request waiting on its body", async () => {
  const finished: string[] = [];
  const own = await startTestServer({ onRequest: (entry) => finished.push(entry.operation), onInternalError: () => {} });
  try {
    // Signed, so the server goes on to read the body (an unsigned one is refused before that).
    const signed: Record<string, string> = {};
    const target = { method: "POST", region: own.server.region, rawQuery: "putVectors", bucket: "b1", accountId: own.server.accountId };
    signRequest(target, signed, { credentials: own.credentials, time: new Date() });
    const { responses, hungUp } = await exchange(own.server.port, {
      method: "POST", target: "/b1/?putVectors", body: Buffer.from("{}"), hangUpAfterMs: 20,
      headers: [["Host", `127.0.0.1:${own.server.port}`], ["Content-Length", "50"], ["Connection", "close"], ...Object.entries(signed)],
    });
    assert.deepEqual([responses.length, hungUp], [0, true]);
    // The request's handling ends (and is logged) once the connection is gone, instead of never.
    for (let waited = 0; finished.length === 0 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(finished, ["PutVectors"]);
  } finally {
    await own.stop();
  }
});
