// Where a request points: the URL and Host split, the bucket from a virtual-hosted name or the path,
// the sub-resource forms of the query; then through the pipeline in process (no socket), the same
// bucket reached both ways and the refusals of what addresses nothing.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parseRequestUrl, queryNames, queryParams, resolveTarget } from "./addressing.ts";
import { startInProcess, type InProcessServer } from "./testing/in-process.ts";

const ACCOUNT = "1234567890123456";
const known = (id: string) => id === ACCOUNT;
const target = (url: string, host: string | undefined) => resolveTarget(parseRequestUrl(url, host), known);

describe("parseRequestUrl", () => {
  test("splits an origin-form target; the host is lower-cased and its port kept only in the authority", () => {
    assert.deepEqual(parseRequestUrl("/bucket/?putVectors", "OSS-Vectors.Test:9000"),
      { host: "oss-vectors.test", authority: "oss-vectors.test:9000", path: "/bucket/", rawQuery: "putVectors" });
  });

  test("an absolute-form target (through a proxy) names the host, over the Host header, without user info", () => {
    assert.deepEqual(parseRequestUrl("http://user:pw@b-1.example:80/?bucketInfo", "proxy.local"),
      { host: "b-1.example", authority: "b-1.example:80", path: "/", rawQuery: "bucketInfo" });
    assert.equal(parseRequestUrl("http://example.test", undefined).path, "/");
  });

  test("IPv6 hosts keep their brackets; a fragment is not part of the query", () => {
    const url = parseRequestUrl("/b/?a=1#frag", "[::1]:9000");
    assert.equal(url.host, "[::1]");
    assert.equal(url.rawQuery, "a=1");
  });

  test("no Host header at all leaves the host empty rather than throwing", () => {
    assert.equal(parseRequestUrl("/", undefined).host, "");
  });
});

describe("resolveTarget", () => {
  test("virtual-hosted: {bucket}-{account}.{endpoint} names bucket and account; the endpoint keeps its port", () => {
    assert.deepEqual(target("/?bucketInfo", `my-bucket-${ACCOUNT}.oss-vectors.test:9000`), {
      host: `my-bucket-${ACCOUNT}.oss-vectors.test`, serviceEndpoint: "oss-vectors.test:9000",
      bucket: "my-bucket", accountId: ACCOUNT, style: "virtual-hosted", objectKey: "", rawQuery: "bucketInfo",
    });
  });

  test("path style: the first path segment is the bucket and the account is left to the caller's key", () => {
    const t = target("/my-bucket/?putVectors", "oss-vectors.test");
    assert.equal(t.style, "path");
    assert.equal(t.bucket, "my-bucket");
    assert.equal(t.accountId, undefined);
    assert.equal(t.objectKey, "");
  });

  test("`/` on the bare endpoint is the service level (ListVectorBuckets)", () => {
    const t = target("/", "oss-vectors.test");
    assert.equal(t.style, "service");
    assert.equal(t.bucket, undefined);
  });

  test("a host that merely ends in -<digits> is not a bucket unless its account exists or the path is /", () => {
    // node-1.example is an ordinary server name: the bucket comes from the path.
    const t = target("/logs/", "node-1.example");
    assert.equal(t.style, "path");
    assert.equal(t.bucket, "logs");
    // At `/` it is read as a bucket, so an unknown account answers NoSuchBucket, not a bucket list.
    const root = target("/", "node-1.example");
    assert.equal(root.style, "virtual-hosted");
    assert.deepEqual([root.bucket, root.accountId], ["node", "1"]);
  });

  test("IP addresses are never virtual-hosted", () => {
    assert.equal(target("/", "10.0.0.1:9000").style, "service");
    assert.equal(target("/b/", "[::1]:9000").bucket, "b");
  });

  test("anything after the bucket is an object key (which vector operations refuse); the path is percent-decoded", () => {
    assert.equal(target("/b/some/key", "oss-vectors.test").objectKey, "some/key");
    assert.equal(target("/b%2Dx/", "oss-vectors.test").bucket, "b-x");
    assert.equal(target(`/k%20y`, `b-${ACCOUNT}.oss-vectors.test`).objectKey, "k y");
    // A broken escape is kept as sent rather than failing the request.
    assert.equal(target("/b%zz/", "oss-vectors.test").bucket, "b%zz");
  });
});

describe("query forms", () => {
  test("a sub-resource may come bare, with `=`, or with a value, among other parameters", () => {
    assert.deepEqual(queryNames("putVectors"), ["putVectors"]);
    assert.deepEqual(queryNames("putVectors="), ["putVectors"]);
    assert.deepEqual(queryNames("x-oss-date=1&policy&&a%20b=2"), ["x-oss-date", "policy", "a b"]);
  });

  test("parameters are decoded (`+` is a space) and the first of a repeated name wins", () => {
    const params = queryParams("a=1&a=2&b=x+y%2Bz&c");
    assert.deepEqual([...params], [["a", "1"], ["b", "x y+z"], ["c", ""]]);
  });
});

describe("through the pipeline", () => {
  let server: InProcessServer;
  before(async () => {
    server = await startInProcess();
    const made = await server.send({ method: "PUT", bucket: "addressed", credentials: server.root });
    assert.equal(made.status, 200, made.text);
  });
  after(() => server.close());

  test("the same bucket answers virtual-hosted and path style, with the sub-resource bare or with =", async () => {
    for (const style of ["virtual", "path"] as const) {
      for (const query of ["bucketInfo", "bucketInfo="]) {
        const res = await server.send({ method: "GET", bucket: "addressed", style, query, credentials: server.root });
        assert.equal(res.status, 200, `${style} ?${query}: ${res.text}`);
        const info = (res.json() as { BucketInfo: { Name: string } }).BucketInfo;
        assert.equal(info.Name, `acs:ossvector:${server.region}:${server.accountId}:addressed`);
      }
    }
  });

  test("a query that names no operation of the method is 405 MethodNotAllowed", async () => {
    const res = await server.send({ method: "GET", bucket: "addressed", query: "nonsense", credentials: server.root });
    assert.deepEqual([res.status, res.errorCode], [405, "MethodNotAllowed"]);
  });

  test("an object key after the bucket is 400 InvalidRequest", async () => {
    const req = server.build({ method: "GET", bucket: "addressed", query: "bucketInfo", credentials: server.root });
    const res = await server.request({ ...req, target: "/addressed/some-key?bucketInfo" });
    assert.deepEqual([res.status, res.errorCode], [400, "InvalidRequest"]);
  });

  test("a virtual-hosted bucket that does not exist is 404 NoSuchBucket", async () => {
    const res = await server.send({ method: "GET", bucket: "missing", style: "virtual", query: "bucketInfo", credentials: server.root });
    assert.deepEqual([res.status, res.errorCode], [404, "NoSuchBucket"]);
  });

  test("GET / on the virtual host of an unknown account addresses a bucket: refused, never a bucket list", async () => {
    const res = await server.send({ method: "GET", bucket: "nobody", accountId: "999", style: "virtual", credentials: server.root });
    assert.deepEqual([res.status, res.errorCode], [405, "MethodNotAllowed"]);
  });

  test("an HTTP/1.1 request without Host is 400 InvalidRequest in OSS's error shape", async () => {
    const res = await server.request({ method: "GET", target: "/", headers: [] });
    assert.deepEqual([res.status, res.errorCode], [400, "InvalidRequest"]);
    assert.ok(res.headers["x-oss-request-id"]);
  });
});
