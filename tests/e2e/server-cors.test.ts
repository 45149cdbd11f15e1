// CORS against a real server on port 0 (docs/protocol.md#cors): preflights allowed and refused, and
// the CORS headers on successes and on every kind of error a page can meet, including the early
// refusals of the body limit and of node's HTTP parser. A server without --cors-origin sends none.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { signRequest } from "@ossv/protocol";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type RawResponse, type TestServer } from "./raw-client.ts";
import { exchange, type WireRequest, type WireResponse } from "../reliability/hostile-wire.ts";
import { OSSV_CLI } from "./serve-process.ts";

const PAGE = "http://127.0.0.1:5173";
const OTHER = "http://127.0.0.1:6666";
const EXPOSED = "x-oss-request-id, x-oss-ec, date, etag, retry-after";
/** What a browser asks for before the SDK's signed POST. */
const SDK_REQUEST_HEADERS = "authorization,content-md5,content-type,x-oss-content-sha256,x-oss-date";

type Headers = Record<string, string | string[] | undefined>;

function assertCors(headers: Headers, origin: string, what: string): void {
  assert.equal(headers["access-control-allow-origin"], origin, what);
  assert.equal(headers["access-control-expose-headers"], EXPOSED, what);
  assert.equal(headers["vary"], "Origin", what);
}

function assertNoCors(headers: Headers, what: string): void {
  const names = Object.keys(headers).filter((name) => name.startsWith("access-control-"));
  assert.deepEqual(names, [], what);
}

async function wire(port: number, req: Partial<WireRequest>): Promise<WireResponse> {
  const full: WireRequest = {
    method: "POST", target: "/shelf/?putVectors", headers: [["Host", `127.0.0.1:${port}`]], body: Buffer.alloc(0), ...req,
  };
  const [first] = (await exchange(port, full)).responses;
  assert.ok(first, "an answer arrived");
  return first;
}

const errorCode = (res: RawResponse): string => res.json().Error.Code;

describe("with --cors-origin", () => {
  let t: TestServer;
  const LIMIT = 1024;

  before(async () => {
    t = await startTestServer({ cors: { origins: [PAGE] }, maxBodyBytes: LIMIT });
    const created = await t.send({ method: "PUT", bucket: "shelf" });
    assert.equal(created.status, 200, created.text);
  });
  after(() => t.stop());

  const preflight = (origin: string, method = "POST", headers = SDK_REQUEST_HEADERS) => t.send({
    method: "OPTIONS", bucket: "shelf", query: "putVectors", credentials: null, noMd5: true,
    headers: { "origin": origin, "access-control-request-method": method, "access-control-request-headers": headers },
  });

  test("an allowed preflight: 200, the origin, methods, the requested headers, max age", async () => {
    const res = await preflight(PAGE);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, "");
    assert.equal(res.headers["access-control-allow-origin"], PAGE);
    assert.equal(res.headers["access-control-allow-methods"], "GET, PUT, POST, DELETE");
    assert.equal(res.headers["access-control-allow-headers"], SDK_REQUEST_HEADERS.split(",").join(", "));
    assert.equal(res.headers["access-control-max-age"], "3600");
    assert.equal(res.headers["vary"], "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
    assert.match(String(res.headers["x-oss-request-id"]), /^[0-9A-F]{24}$/);
  });

  test("refused preflights: 403 AccessForbidden, no Access-Control headers", async () => {
    for (const res of [await preflight(OTHER), await preflight(PAGE, "PATCH"), await preflight(PAGE, "POST", "authorization,x-forwarded-for")]) {
      assert.equal(res.status, 403, res.text);
      assert.equal(errorCode(res), "AccessForbidden");
      assert.equal(res.headers["content-type"], "application/json");
      assertNoCors(res.headers, res.text);
    }
  });

  test("successes carry the headers", async () => {
    const origin = { origin: PAGE };
    const put = await t.send({
      method: "POST", bucket: "shelf", query: "putVectorIndex", headers: origin,
      body: JSON.stringify({ indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "euclidean" }),
    });
    assert.equal(put.status, 200, put.text);
    const listed = await t.send({ method: "GET", headers: origin });
    assert.equal(listed.status, 200, listed.text);
    const gone = await t.send({ method: "POST", bucket: "shelf", query: "deleteVectorIndex", headers: origin, body: JSON.stringify({ indexName: "idx" }) });
    assert.equal(gone.status, 204, gone.text);
    for (const res of [put, listed, gone]) assertCors(res.headers, PAGE, `${res.status}`);
  });

  test("errors from the pipeline carry the headers", async () => {
    const origin = { origin: PAGE };
    const cases: Array<[RawResponse, string]> = [
      [await t.send({ method: "GET", bucket: "absent", query: "bucketInfo", headers: origin }), "NoSuchBucket"],
      [await t.send({ method: "GET", bucket: "shelf", query: "bucketInfo", headers: origin, credentials: null }), "AccessDenied"],
      [await t.send({ method: "GET", bucket: "shelf", query: "bucketInfo", headers: origin, credentials: { ...t.credentials, accessKeySecret: "x" } }), "SignatureDoesNotMatch"],
      [await t.send({ method: "GET", bucket: "shelf", query: "bucketInfo", headers: origin, time: new Date(Date.now() - 3_600_000) }), "RequestTimeTooSkewed"],
      [await t.send({ method: "PATCH", bucket: "shelf", headers: origin }), "MethodNotAllowed"],
      [await t.send({ method: "POST", bucket: "shelf", query: "putVectorIndex", headers: origin, body: "{" }), "MalformedJson"],
      [await t.send({ method: "POST", bucket: "shelf", query: "putVectors", headers: origin, body: "x".repeat(LIMIT + 1) }), "EntityTooLarge"],
    ];
    for (const [res, code] of cases) {
      assert.equal(errorCode(res), code, res.text);
      assertCors(res.headers, PAGE, code);
      assert.match(String(res.headers["x-oss-ec"]), /^\d{4}-\d{8}$/);
    }
  });

  test("a body over the limit streamed without a length is refused with the headers", async () => {
    // Signed, so the server goes on to read the body and meets the limit there.
    const signed: Record<string, string> = {};
    signRequest(
      { method: "POST", region: t.server.region, rawQuery: "putVectors", bucket: "shelf", accountId: t.server.accountId },
      signed, { credentials: t.credentials, time: new Date() },
    );
    const res = await wire(t.server.port, {
      headers: [["Host", `127.0.0.1:${t.server.port}`], ["Origin", PAGE], ["Transfer-Encoding", "chunked"], ...Object.entries(signed)],
      body: Buffer.from(`${(LIMIT * 4).toString(16)}\r\n${"x".repeat(LIMIT * 4)}\r\n0\r\n\r\n`),
    });
    assert.equal(res.status, 400, res.body.toString());
    assert.equal(JSON.parse(res.body.toString()).Error.Code, "EntityTooLarge");
    assertCors(res.headers, PAGE, "chunked EntityTooLarge");
  });

  test("refusals of node's HTTP parser carry the headers", async () => {
    const host: [string, string] = ["Host", `127.0.0.1:${t.server.port}`];
    // Refused before a request object exists: the origin is read from the bytes the parser kept.
    const badLength = await wire(t.server.port, { headers: [host, ["Origin", PAGE], ["Content-Length", "12abc"]] });
    // Refused mid-body, with the request already in the pipeline.
    const badChunks = await wire(t.server.port, {
      headers: [host, ["Origin", PAGE], ["Transfer-Encoding", "chunked"]], body: Buffer.from("zz\r\n{}\r\n0\r\n\r\n"),
    });
    for (const res of [badLength, badChunks]) {
      assert.equal(res.status, 400, res.body.toString());
      assertCors(res.headers, PAGE, res.body.toString());
    }
    const otherOrigin = await wire(t.server.port, { headers: [host, ["Origin", OTHER], ["Content-Length", "12abc"]] });
    assert.equal(otherOrigin.status, 400);
    assertNoCors(otherOrigin.headers, "an unlisted origin");
  });

  test("an unlisted origin is answered without Access-Control headers", async () => {
    const res = await t.send({ method: "GET", headers: { origin: OTHER } });
    assert.equal(res.status, 200);
    assertNoCors(res.headers, res.text);
    assert.equal(res.headers["vary"], "Origin");
  });
});

describe("with --cors-origin *", () => {
  let t: TestServer;
  before(async () => { t = await startTestServer({ cors: { origins: ["*"] } }); });
  after(() => t.stop());

  test("any origin gets *", async () => {
    const pre = await t.send({
      method: "OPTIONS", credentials: null, noMd5: true, headers: { "origin": OTHER, "access-control-request-method": "GET" },
    });
    assert.equal(pre.status, 200, pre.text);
    assert.equal(pre.headers["access-control-allow-origin"], "*");
    const res = await t.send({ method: "GET", bucket: "absent", query: "bucketInfo", headers: { origin: OTHER } });
    assert.equal(res.status, 404);
    assertCors(res.headers, "*", res.text);
  });
});

describe("without --cors-origin", () => {
  let t: TestServer;
  before(async () => { t = await startTestServer(); });
  after(() => t.stop());

  test("a preflight is 403 AccessForbidden, saying CORS is off, with no CORS header", async () => {
    const res = await t.send({
      method: "OPTIONS", credentials: null, noMd5: true, headers: { "origin": PAGE, "access-control-request-method": "GET" },
    });
    assert.equal(res.status, 403);
    assert.equal(errorCode(res), "AccessForbidden");
    assert.match(res.text, /CORS is not enabled/);
    assertNoCors(res.headers, res.text);
    assert.equal(res.headers["vary"], undefined);
  });

  test("answers carry no CORS header, whatever the Origin", async () => {
    const ok = await t.send({ method: "GET", headers: { origin: PAGE } });
    const missing = await t.send({ method: "GET", bucket: "absent", query: "bucketInfo", headers: { origin: PAGE } });
    const parser = await wire(t.server.port, { headers: [["Host", `127.0.0.1:${t.server.port}`], ["Origin", PAGE], ["Content-Length", "x"]] });
    for (const headers of [ok.headers, missing.headers, parser.headers]) {
      assertNoCors(headers, JSON.stringify(headers));
      assert.equal(headers["vary"], undefined);
    }
  });
});

describe("ossv serve --cors-origin", () => {
  test("an origin that is not scheme, host and port is an option error, before the data directory is made", async () => {
    const parent = await mkdtemp(join(tmpdir(), "ossv-cors-cli-"));
    try {
      for (const [value, message] of [["app.example.com", /not an origin such as https:\/\/app\.example\.com/], [`${PAGE},`, /empty origin/], [`*,${PAGE}`, /alone/]] as const) {
        const dataDir = join(parent, "data");
        const res = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--port", "0", "--data-dir", dataDir, "--cors-origin", value], { encoding: "utf8" });
        assert.equal(res.status, 2, res.stderr);
        assert.match(res.stderr, /--cors-origin must be a comma-separated list of origins/);
        assert.match(res.stderr, message);
        assert.equal(existsSync(dataDir), false);
      }
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});
