// Wire-level behaviour of the server: addressing styles, sub-resource forms, response and error
// formats, authentication outcomes. Raw requests, so malformed ones can be sent too.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type RawRequest, type TestServer } from "./raw-client.ts";

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

let counter = 0;
const uniqueBucket = (tag: string) => `wire-${tag}-${++counter}`;

async function createBucket(bucket: string): Promise<void> {
  const res = await t.send({ method: "PUT", bucket });
  assert.equal(res.status, 200, res.text);
}

async function createIndex(bucket: string, indexName = "idx", extra: Record<string, unknown> = {}): Promise<void> {
  const body = JSON.stringify({ indexName, dataType: "float32", dimension: 3, distanceMetric: "euclidean", ...extra });
  const res = await t.send({ method: "POST", bucket, query: "putVectorIndex", body, headers: { "content-type": "application/json" } });
  assert.equal(res.status, 200, res.text);
}

function assertOssError(res: { status: number; headers: Record<string, unknown>; json: () => any }, status: number, code: string): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.equal(res.status, status);
  assert.equal(res.headers["content-type"], "application/json");
  const body = res.json();
  assert.deepEqual(Object.keys(body), ["Error"]);
  assert.equal(body.Error.Code, code);
  assert.equal(body.Error.RequestId, res.headers["x-oss-request-id"]);
  assert.equal(typeof body.Error.Message, "string");
  if (body.Error.EC) assert.equal(res.headers["x-oss-ec"], body.Error.EC);
}

describe("addressing", () => {
  test("a bucket made virtual-hosted is found path-style, with the ARN as its Name", async () => {
    const bucket = uniqueBucket("addr");
    const put = await t.send({ method: "PUT", bucket, style: "virtual" });
    assert.equal(put.status, 200, put.text);
    const res = await t.send({ method: "GET", bucket, query: "bucketInfo", style: "path" });
    assert.equal(res.status, 200);
    assert.equal(res.json().BucketInfo.Name, `acs:ossvector:cn-hangzhou:${t.server.accountId}:${bucket}`);
    assert.equal(res.json().BucketInfo.Location, "oss-cn-hangzhou");
    // The endpoint fields name this server, as reached, so code that follows them stays here.
    assert.equal(res.json().BucketInfo.ExtranetEndpoint, `127.0.0.1:${t.server.port}`);
    const virtual = await t.send({ method: "GET", bucket, query: "bucketInfo", style: "virtual" });
    assert.equal(virtual.json().BucketInfo.ExtranetEndpoint, `localhost:${t.server.port}`);
  });

  test("an absolute-form request target addresses the bucket in its host", async () => {
    const bucket = uniqueBucket("abs");
    await createBucket(bucket);
    const target = `http://${bucket}-${t.server.accountId}.localhost:${t.server.port}/?bucketInfo`;
    const res = await t.send({ method: "GET", bucket, query: "bucketInfo", style: "virtual", target, hostHeader: "elsewhere.invalid" });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().BucketInfo.Region, "cn-hangzhou");
  });

  test("`?op` and `?op=` select the same operation", async () => {
    const bucket = uniqueBucket("sub");
    await createBucket(bucket);
    for (const query of ["getVectorIndex", "getVectorIndex="]) {
      const res = await t.send({ method: "POST", bucket, query, body: '{"indexName":"missing"}' });
      assertOssError(res, 404, "NoSuchVectorIndex");
    }
    await createIndex(bucket);
    const res = await t.send({ method: "POST", bucket, query: "listVectorIndexes=" });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json().indexes.length, 1);
  });

  test("an object key in the path is refused, and an unknown sub-resource is 405", async () => {
    const bucket = uniqueBucket("key");
    await createBucket(bucket);
    const target = `/${bucket}/some/key?bucketInfo`;
    assertOssError(await t.send({ method: "GET", bucket, query: "bucketInfo", target }), 400, "InvalidRequest");
    assertOssError(await t.send({ method: "PATCH", bucket }), 405, "MethodNotAllowed");
  });
});

describe("formats", () => {
  test("JSON responses have Content-Type application/json exactly and a 24-hex request id", async () => {
    const res = await t.send({ method: "GET", query: "max-keys=5" });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers["content-type"], "application/json");
    assert.match(String(res.headers["x-oss-request-id"]), /^[0-9A-F]{24}$/);
    assert.deepEqual(Object.keys(res.json()), ["ListAllMyBucketsResult"]);
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) ids.add(String((await t.send({ method: "GET", query: "max-keys=1" })).headers["x-oss-request-id"]));
    assert.equal(ids.size, 20, "every response has its own request id");
  });

  test("deletes answer 204 with no body", async () => {
    const bucket = uniqueBucket("del");
    await createBucket(bucket);
    const res = await t.send({ method: "DELETE", bucket });
    assert.equal(res.status, 204);
    assert.equal(res.text, "");
  });

  test("requests without Content-Type and with an empty body are accepted", async () => {
    const bucket = uniqueBucket("noct");
    await createBucket(bucket);
    await createIndex(bucket);
    const res = await t.send({ method: "POST", bucket, query: "listVectorIndexes" });
    assert.equal(res.status, 200, res.text);
    const put = await t.send({ method: "POST", bucket, query: "putVectors", body: '{"indexName":"idx","vectors":[{"key":"a","data":{"float32":[1,2,3]}}]}' });
    assert.equal(put.status, 200, put.text);
  });

  test("a wrong Content-MD5 is 400 InvalidDigest and writes nothing", async () => {
    const bucket = uniqueBucket("md5");
    await createBucket(bucket);
    await createIndex(bucket);
    const body = '{"indexName":"idx","vectors":[{"key":"a","data":{"float32":[1,2,3]}}]}';
    const bad = await t.send({ method: "POST", bucket, query: "putVectors", body, headers: { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" } });
    assertOssError(bad, 400, "InvalidDigest");
    const get = await t.send({ method: "POST", bucket, query: "getVectors", body: '{"indexName":"idx","keys":["a"]}' });
    assert.deepEqual(get.json(), { vectors: [] });
  });

  test("an unparsable body is 400 MalformedJson", async () => {
    const bucket = uniqueBucket("json");
    await createBucket(bucket);
    assertOssError(await t.send({ method: "POST", bucket, query: "putVectorIndex", body: "{nope" }), 400, "MalformedJson");
    assertOssError(await t.send({ method: "POST", bucket, query: "putVectorIndex", body: "[1,2]" }), 400, "MalformedJson");
  });
});

describe("authentication", () => {
  const denied: Array<[string, Partial<RawRequest>, number, string]> = [
    ["an unknown access key", { credentials: { accessKeyId: "LTAInobody", accessKeySecret: "x" } }, 403, "InvalidAccessKeyId"],
    ["a wrong secret", { credentials: { accessKeyId: "", accessKeySecret: "wrong" } }, 403, "SignatureDoesNotMatch"],
    ["a clock 16 minutes off", { time: new Date(Date.now() - 16 * 60 * 1000) }, 403, "RequestTimeTooSkewed"],
    ["no signature at all", { credentials: null }, 403, "AccessDenied"],
    ["a token with a long-term key", { credentials: { accessKeyId: "", accessKeySecret: "", securityToken: "tok" } }, 403, "InvalidSecurityToken"],
  ];
  for (const [name, overrides, status, code] of denied) {
    test(`${name} is refused with ${code}`, async () => {
      const credentials = overrides.credentials === undefined || overrides.credentials === null
        ? overrides.credentials
        : {
          accessKeyId: overrides.credentials.accessKeyId || t.credentials.accessKeyId,
          accessKeySecret: overrides.credentials.accessKeySecret || t.credentials.accessKeySecret,
          ...(overrides.credentials.securityToken ? { securityToken: overrides.credentials.securityToken } : {}),
        };
      const res = await t.send({ method: "GET", query: "max-keys=1", ...overrides, ...(credentials !== undefined ? { credentials } : {}) });
      assertOssError(res, status, code);
    });
  }

  test("a signature for another region is refused with a message naming both", async () => {
    const { sendRaw } = await import("./raw-client.ts");
    const other = { ...t.server, region: "cn-shanghai" };
    const res = await sendRaw(other, { method: "GET", credentials: t.credentials, accountId: t.server.accountId });
    assertOssError(res, 400, "InvalidArgument");
    assert.match(res.json().Error.Message, /cn-shanghai.*cn-hangzhou/);
  });

  test("a bucket addressed under another account is refused", async () => {
    const bucket = uniqueBucket("acct");
    await createBucket(bucket);
    const res = await t.send({ method: "GET", bucket, query: "bucketInfo", style: "virtual", accountId: "1000000000000001" });
    assertOssError(res, 403, "AccessDenied");
  });

  test("a presigned URL works until it expires", async () => {
    const bucket = uniqueBucket("pre");
    await createBucket(bucket);
    const ok = await t.send({ method: "GET", bucket, query: "bucketInfo", presign: { expiresSeconds: 60 } });
    assert.equal(ok.status, 200, ok.text);
    const old = new Date(Date.now() - 120_000);
    const expired = await t.send({ method: "GET", bucket, query: "bucketInfo", presign: { expiresSeconds: 60 }, time: old });
    assertOssError(expired, 403, "AccessDenied");
  });

  test("a SignatureDoesNotMatch error shows the string the server signed", async () => {
    const res = await t.send({ method: "GET", credentials: { accessKeyId: t.credentials.accessKeyId, accessKeySecret: "bad" } });
    assert.match(res.json().Error.StringToSign, /^OSS4-HMAC-SHA256\n/);
  });
});
