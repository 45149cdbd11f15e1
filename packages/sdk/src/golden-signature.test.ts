// The SDK end to end (request building + signing) reproduces the golden examples of
// docs/protocol.md#test-vectors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";

const FIXED_TIME = new Date(1702743657 * 1000);

interface Captured {
  url: string;
  init: RequestInit;
}

function capturingClient(captured: Captured[], credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string }) {
  return new VectorsClient({
    region: "cn-hangzhou", accountId: "1234567890123456", credentials, now: () => FIXED_TIME,
    fetch: async (url, init) => {
      captured.push({ url, init });
      return new Response(JSON.stringify({ ListAllMyBucketsResult: { Buckets: [] } }), { status: 200, headers: { "content-type": "application/json" } });
    },
  });
}

test("putVectors() signs golden example B byte for byte", async () => {
  const captured: Captured[] = [];
  const client = capturingClient(captured, { accessKeyId: "ak", accessKeySecret: "sk" });
  await client.putVectors({
    bucket: "examplebucket", indexName: "index1",
    vectors: [{ key: "doc-1", data: { float32: [0.1, 0.2, 0.3] }, metadata: { genre: "drama" } }],
  });
  const [{ url, init }] = captured as [Captured];
  const headers = init.headers as Record<string, string>;
  assert.equal(url, "https://examplebucket-1234567890123456.cn-hangzhou.oss-vectors.aliyuncs.com/?putVectors");
  assert.equal(init.method, "POST");
  assert.equal(new TextDecoder().decode(init.body as Uint8Array),
    '{"indexName":"index1","vectors":[{"data":{"float32":[0.1,0.2,0.3]},"key":"doc-1","metadata":{"genre":"drama"}}]}');
  assert.equal(headers["content-md5"], "Gwlq5A2nxvZ9HZKPX3jZag==");
  assert.equal(headers["content-type"], "application/json");
  assert.equal(headers["x-oss-date"], "20231216T162057Z");
  assert.equal(headers["date"], "Sat, 16 Dec 2023 16:20:57 GMT");
  assert.equal(headers["authorization"],
    "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=ef2c0b7d50175d5bb3e7d3edde96d1f7674e3b7235d829bf04e2f16d74e6bc68");
});

test("listVectorBuckets() with an STS token signs golden example C", async () => {
  const captured: Captured[] = [];
  const client = capturingClient(captured, { accessKeyId: "ak", accessKeySecret: "sk", securityToken: "token" });
  await client.listVectorBuckets({ maxKeys: 10, prefix: "my bucket" });
  const [{ url, init }] = captured as [Captured];
  const headers = init.headers as Record<string, string>;
  assert.equal(url, "https://cn-hangzhou.oss-vectors.aliyuncs.com/?max-keys=10&prefix=my%20bucket");
  assert.equal(headers["content-md5"], "1B2M2Y8AsgTpgAmY7PhCfg==");
  assert.equal(headers["x-oss-security-token"], "token");
  assert.match(headers["authorization"] ?? "", /,Signature=ab5b1f2fb031192e4514d78cecb21cd0b81a2444e8275b8aceae1c39ec835734$/);
});
