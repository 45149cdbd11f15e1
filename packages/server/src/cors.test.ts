// CORS decisions (cors.ts) on their own, then through the pipeline in process: preflights answered
// before authentication, CORS headers on successes and errors for allowed origins only, and nothing
// at all when CORS is off.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { corsPolicy, corsResponseHeaders, decidePreflight, isPreflight, parseCorsOriginList } from "./cors.ts";
import { startInProcess, type InProcessResponse, type InProcessServer } from "./testing/in-process.ts";

const PAGE = "https://app.example.com";
const OTHER = "https://evil.example.net";
const SDK_HEADERS = "authorization,content-md5,content-type,x-oss-content-sha256,x-oss-date,x-oss-security-token";

describe("configured origins", () => {
  test("a comma-separated list, blanks trimmed; an empty item is refused", () => {
    assert.deepEqual(parseCorsOriginList("https://a.example, http://localhost:3000"), ["https://a.example", "http://localhost:3000"]);
    assert.deepEqual(parseCorsOriginList("*"), ["*"]);
    assert.throws(() => parseCorsOriginList("https://a.example,"), /empty origin/);
  });

  test("origins are normalised to the form browsers send", () => {
    const policy = corsPolicy({ origins: ["HTTPS://App.Example.com:443", "http://127.0.0.1:8080"] });
    assert.deepEqual([...policy.origins], ["https://app.example.com", "http://127.0.0.1:8080"]);
    assert.equal(policy.anyOrigin, false);
  });

  test("anything but scheme, host and port is refused", () => {
    for (const bad of ["app.example.com", "https://app.example.com/", "https://app.example.com/path", "ftp://app.example.com",
      "https://app.example.com?x=1", "https://user@app.example.com", "null", ""]) {
      assert.throws(() => corsPolicy({ origins: [bad] }), /not an origin/, bad);
    }
  });

  test("* stands alone; an empty list is refused", () => {
    assert.equal(corsPolicy({ origins: ["*"] }).anyOrigin, true);
    assert.throws(() => corsPolicy({ origins: ["*", PAGE] }), /alone/);
    assert.throws(() => corsPolicy({ origins: [] }), /at least one/);
  });
});

describe("preflight decisions", () => {
  const listed = corsPolicy({ origins: [PAGE] });

  test("a preflight is OPTIONS with Origin and Access-Control-Request-Method", () => {
    assert.equal(isPreflight("OPTIONS", { "origin": PAGE, "access-control-request-method": "POST" }), true);
    assert.equal(isPreflight("OPTIONS", { "origin": PAGE }), false);
    assert.equal(isPreflight("OPTIONS", { "access-control-request-method": "POST" }), false);
    assert.equal(isPreflight("POST", { "origin": PAGE, "access-control-request-method": "POST" }), false);
  });

  test("a listed origin gets its own origin back, the methods, the headers it asked for, and a max age", () => {
    const decision = decidePreflight(listed, PAGE, "POST", SDK_HEADERS);
    assert.ok(decision.allowed);
    assert.deepEqual(decision.headers, {
      "access-control-allow-origin": PAGE,
      "access-control-allow-methods": "GET, PUT, POST, DELETE",
      "access-control-allow-headers": SDK_HEADERS.split(",").join(", "),
      "access-control-expose-headers": "x-oss-request-id, x-oss-ec, date, etag, retry-after",
      "access-control-max-age": "3600",
      "vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    });
  });

  test("requested headers are matched without regard to case or spacing, and echoed lower-case", () => {
    const decision = decidePreflight(listed, PAGE, "PUT", " Authorization , X-Oss-Bucket-Tagging,,x-oss-resource-group-id");
    assert.ok(decision.allowed);
    assert.equal(decision.headers["access-control-allow-headers"], "authorization, x-oss-bucket-tagging, x-oss-resource-group-id");
  });

  test("no requested headers: no Allow-Headers", () => {
    const decision = decidePreflight(listed, PAGE, "GET", undefined);
    assert.ok(decision.allowed);
    assert.equal(decision.headers["access-control-allow-headers"], undefined);
  });

  test("* answers * to any origin", () => {
    const decision = decidePreflight(corsPolicy({ origins: ["*"] }), OTHER, "DELETE", "authorization");
    assert.ok(decision.allowed);
    assert.equal(decision.headers["access-control-allow-origin"], "*");
  });

  test("an unlisted origin, method or header is refused with no Access-Control header", () => {
    const cases: [string, string, string | undefined, RegExp][] = [
      [OTHER, "POST", "authorization", /origin https:\/\/evil\.example\.net/],
      [`${PAGE}:8443`, "POST", undefined, /origin/],
      [PAGE, "PATCH", undefined, /method PATCH/],
      [PAGE, "post", undefined, /method post/],
      [PAGE, "POST", "authorization,x-custom,cookie", /header x-custom, cookie/],
    ];
    for (const [origin, method, headers, reason] of cases) {
      const decision = decidePreflight(listed, origin, method, headers);
      assert.equal(decision.allowed, false, `${origin} ${method} ${headers}`);
      assert.ok(!decision.allowed && reason.test(decision.reason), decision.allowed ? "" : decision.reason);
      assert.deepEqual(Object.keys(decision.headers), ["vary"]);
    }
  });

  test("with CORS off every preflight is refused, without a single CORS header", () => {
    const decision = decidePreflight(undefined, PAGE, "POST", "authorization");
    assert.equal(decision.allowed, false);
    assert.deepEqual(decision.headers, {});
  });
});

describe("headers of actual responses", () => {
  const listed = corsPolicy({ origins: [PAGE] });

  test("a listed origin is named and the SDK's headers exposed", () => {
    assert.deepEqual(corsResponseHeaders(listed, PAGE), {
      "access-control-allow-origin": PAGE,
      "access-control-expose-headers": "x-oss-request-id, x-oss-ec, date, etag, retry-after",
      "vary": "Origin",
    });
    assert.equal(corsResponseHeaders(corsPolicy({ origins: ["*"] }), OTHER)["access-control-allow-origin"], "*");
  });

  test("an unlisted origin or none gets only Vary", () => {
    assert.deepEqual(corsResponseHeaders(listed, OTHER), { "vary": "Origin" });
    assert.deepEqual(corsResponseHeaders(listed, undefined), { "vary": "Origin" });
  });

  test("CORS off: nothing", () => {
    assert.deepEqual(corsResponseHeaders(undefined, PAGE), {});
  });
});

function corsHeaderNames(res: InProcessResponse): string[] {
  return Object.keys(res.headers).filter((name) => name.startsWith("access-control-") || name === "vary").sort();
}

describe("through the pipeline", () => {
  let server: InProcessServer;
  let off: InProcessServer;
  const host = (s: InProcessServer) => ["host", s.endpoint] as [string, string];

  before(async () => {
    server = await startInProcess({ cors: { origins: [PAGE] } });
    off = await startInProcess();
  });
  after(async () => {
    await server.close();
    await off.close();
  });

  const preflight = (s: InProcessServer, origin: string, headers = SDK_HEADERS) => s.request({
    method: "OPTIONS", target: "/bucket/?putVectors",
    headers: [host(s), ["origin", origin], ["access-control-request-method", "POST"], ["access-control-request-headers", headers]],
  });

  test("a preflight is answered 200 without credentials, with a request id and no body", async () => {
    const res = await preflight(server, PAGE);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.text, "");
    assert.equal(res.headers["access-control-allow-origin"], PAGE);
    assert.match(res.headers["x-oss-request-id"] ?? "", /^[0-9A-F]{24}$/);
  });

  test("a refused preflight is 403 AccessForbidden in the API's error shape", async () => {
    for (const res of [await preflight(server, OTHER), await preflight(server, PAGE, "authorization,x-custom"), await preflight(off, PAGE)]) {
      assert.equal(res.status, 403);
      assert.equal(res.errorCode, "AccessForbidden");
      assert.equal(res.headers["access-control-allow-origin"], undefined);
      assert.equal(res.headers["content-type"], "application/json");
      assert.match(res.headers["x-oss-request-id"] ?? "", /^[0-9A-F]{24}$/);
    }
    assert.match((await preflight(off, PAGE)).text, /CORS is not enabled/);
  });

  test("OPTIONS that is no preflight stays 405 MethodNotAllowed", async () => {
    const res = await server.request({ method: "OPTIONS", target: "/", headers: [host(server), ["origin", PAGE]] });
    assert.equal(res.errorCode, "MethodNotAllowed");
    assert.equal(res.headers["access-control-allow-origin"], PAGE, "an error read by an allowed page carries CORS headers");
  });

  test("success and errors carry the CORS headers for a listed origin", async () => {
    const created = await server.send({ method: "PUT", bucket: "shelf", credentials: server.root, headers: { origin: PAGE } });
    assert.equal(created.status, 200, created.text);
    const listed = await server.send({ method: "GET", credentials: server.root, headers: { origin: PAGE } });
    assert.equal(listed.status, 200);
    const missing = await server.send({ method: "GET", bucket: "absent", query: "bucketInfo", credentials: server.root, headers: { origin: PAGE } });
    assert.equal(missing.errorCode, "NoSuchBucket");
    const wrongKey = await server.send({
      method: "GET", bucket: "shelf", query: "bucketInfo", headers: { origin: PAGE },
      credentials: { accessKeyId: server.root.accessKeyId, accessKeySecret: "wrong" },
    });
    assert.equal(wrongKey.errorCode, "SignatureDoesNotMatch");
    const badJson = await server.send({ method: "POST", bucket: "shelf", query: "putVectorIndex", body: "[", credentials: server.root, headers: { origin: PAGE } });
    assert.equal(badJson.errorCode, "MalformedJson");
    for (const res of [created, listed, missing, wrongKey, badJson]) {
      assert.equal(res.headers["access-control-allow-origin"], PAGE, res.text);
      assert.equal(res.headers["access-control-expose-headers"], "x-oss-request-id, x-oss-ec, date, etag, retry-after");
      assert.equal(res.headers["vary"], "Origin");
    }
  });

  test("an unlisted origin is served, but gets no Access-Control headers", async () => {
    const res = await server.send({ method: "GET", credentials: server.root, headers: { origin: OTHER } });
    assert.equal(res.status, 200);
    assert.deepEqual(corsHeaderNames(res), ["vary"]);
  });

  test("CORS off: no CORS header on any answer", async () => {
    const ok = await off.send({ method: "GET", credentials: off.root, headers: { origin: PAGE } });
    const denied = await off.send({ method: "GET", credentials: null, headers: { origin: PAGE } });
    for (const res of [ok, denied]) assert.deepEqual(corsHeaderNames(res), [], res.text);
  });
});
