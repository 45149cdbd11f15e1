// Wire exactness of all 19 operations against a real local HTTP server: method, path, query, body,
// Content-MD5, Content-Type, a signature that verifies, and how results are read back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { VectorsClient } from "./client.ts";
import {
  respondEmpty, respondJson, respondRaw, signatureVerifies, startScriptedServer, type RecordedRequest, type ScriptedServer,
} from "./testing/scripted-server.ts";

const ACCOUNT = "1234567890123456";
const EMPTY_MD5 = "1B2M2Y8AsgTpgAmY7PhCfg==";
let server: ScriptedServer;
let client: VectorsClient;

before(async () => {
  server = await startScriptedServer();
  client = new VectorsClient({
    region: "cn-hangzhou", accountId: ACCOUNT, endpoint: server.url,
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" }, retry: false,
  });
});
after(() => server.close());

function lastRequest(): RecordedRequest {
  const request = server.requests.at(-1);
  assert.ok(request, "the server saw no request");
  return request;
}

function md5(body: Buffer): string {
  return createHash("md5").update(body).digest("base64");
}

/** Checks what every request must carry: MD5 of the body, JSON content type iff a body, a valid signature. */
function assertCommonHeaders(request: RecordedRequest, bucket: string | undefined): void {
  assert.equal(request.headers["content-md5"], request.body.length ? md5(request.body) : EMPTY_MD5);
  assert.equal(request.headers["content-type"], request.body.length ? "application/json" : undefined);
  assert.equal(request.headers["x-oss-content-sha256"], "UNSIGNED-PAYLOAD");
  assert.match(request.headers["user-agent"] ?? "", /^ossv-sdk-js\/.+\/vectors-client$/);
  assert.ok(signatureVerifies(request, { region: "cn-hangzhou", accountId: ACCOUNT, bucket, secret: "sk" }), "signature verifies");
  assert.ok(!signatureVerifies(request, { region: "cn-hangzhou", accountId: ACCOUNT, bucket, secret: "other" }));
}

function assertSent(method: string, url: string, body?: unknown): RecordedRequest {
  const request = lastRequest();
  assert.equal(request.method, method);
  assert.equal(request.url, url);
  if (body === undefined) assert.equal(request.body.length, 0);
  else if (typeof body === "string") assert.equal(request.text, body);
  else assert.deepEqual(request.json(), body);
  return request;
}

test("putVectorBucket() sends PUT /{bucket}/ with no body and the optional headers", async () => {
  server.enqueue(respondEmpty(200));
  const result = await client.putVectorBucket({ bucket: "demo", resourceGroupId: "rg-1", tagging: { k1: "v 1", k2: "v2" } });
  const request = assertSent("PUT", "/demo/");
  assert.equal(request.headers["x-oss-resource-group-id"], "rg-1");
  assert.equal(request.headers["x-oss-bucket-tagging"], "k1=v%201&k2=v2");
  assertCommonHeaders(request, "demo");
  assert.equal(result.statusCode, 200);
  assert.match(result.requestId, /^[0-9A-F]{24}$/);
  assert.equal(result.headers["x-oss-request-id"], result.requestId);
});

test("getVectorBucket() sends GET ?bucketInfo and maps BucketInfo to camelCase", async () => {
  server.enqueue(respondJson(200, { BucketInfo: {
    Name: `acs:ossvector:cn-hangzhou:${ACCOUNT}:demo`, Location: "oss-cn-hangzhou", Region: "cn-hangzhou",
    CreationDate: "2025-04-17T07:51:28.000Z", ExtranetEndpoint: "cn-hangzhou.oss-vectors.aliyuncs.com",
    IntranetEndpoint: "cn-hangzhou-internal.oss-vectors.aliyuncs.com", ResourceGroupId: "rg-1",
  } }));
  const result = await client.getVectorBucket({ bucket: "demo" });
  assertCommonHeaders(assertSent("GET", "/demo/?bucketInfo"), "demo");
  assert.deepEqual(result.bucketInfo, {
    name: `acs:ossvector:cn-hangzhou:${ACCOUNT}:demo`, location: "oss-cn-hangzhou", region: "cn-hangzhou",
    creationDate: "2025-04-17T07:51:28.000Z", extranetEndpoint: "cn-hangzhou.oss-vectors.aliyuncs.com",
    intranetEndpoint: "cn-hangzhou-internal.oss-vectors.aliyuncs.com", resourceGroupId: "rg-1",
  });
});

test("listVectorBuckets() sends prefix, marker and max-keys as query parameters on /", async () => {
  server.enqueue(respondJson(200, { ListAllMyBucketsResult: {
    Prefix: "my bucket", Marker: "a/b", MaxKeys: 10, IsTruncated: true, NextMarker: "demo2",
    Buckets: [{ Name: `acs:ossvector:cn-hangzhou:${ACCOUNT}:demo1`, Region: "cn-hangzhou" }],
  } }));
  const result = await client.listVectorBuckets({ prefix: "my bucket", marker: "a/b", maxKeys: 10, resourceGroupId: "rg" });
  const request = assertSent("GET", "/?marker=a%2Fb&max-keys=10&prefix=my%20bucket");
  assert.equal(request.headers["x-oss-resource-group-id"], "rg");
  assertCommonHeaders(request, undefined);
  assert.equal(result.isTruncated, true);
  assert.equal(result.nextMarker, "demo2");
  assert.equal(result.maxKeys, 10);
  assert.deepEqual(result.buckets, [{ name: `acs:ossvector:cn-hangzhou:${ACCOUNT}:demo1`, region: "cn-hangzhou" }]);
});

test("listVectorBuckets() sends an empty marker bare and reads a minimal result as not truncated", async () => {
  server.enqueue(respondJson(200, { ListAllMyBucketsResult: { Buckets: [] } }));
  const result = await client.listVectorBuckets({ marker: "" });
  assertSent("GET", "/?marker");
  assert.deepEqual([result.buckets, result.isTruncated, result.nextMarker], [[], false, undefined]);
});

test("deleteVectorBucket() sends DELETE /{bucket}/", async () => {
  server.enqueue(respondEmpty(204));
  const result = await client.deleteVectorBucket({ bucket: "demo" });
  assertCommonHeaders(assertSent("DELETE", "/demo/"), "demo");
  assert.equal(result.statusCode, 204);
});

test("putVectorIndex() sends POST ?putVectorIndex with the index definition", async () => {
  server.enqueue(respondEmpty(200));
  await client.putVectorIndex({
    bucket: "demo", indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "cosine",
    metadata: { nonFilterableMetadataKeys: ["body"] },
  });
  const request = assertSent("POST", "/demo/?putVectorIndex", {
    indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "cosine", metadata: { nonFilterableMetadataKeys: ["body"] },
  });
  assert.equal(request.text, '{"dataType":"float32","dimension":3,"distanceMetric":"cosine","indexName":"idx","metadata":{"nonFilterableMetadataKeys":["body"]}}');
  assertCommonHeaders(request, "demo");
});

const WIRE_INDEX = {
  indexName: "idx", vectorBucketName: "demo", createTime: "2025-04-17T10:56:21.000Z", dataType: "float32",
  dimension: 3, distanceMetric: "cosine", metadata: { nonFilterableMetadataKeys: ["body"] }, status: "enable",
};

test("getVectorIndex() sends POST ?getVectorIndex and keeps the index's wire field names", async () => {
  server.enqueue(respondJson(200, { index: { ...WIRE_INDEX, futureField: 1 } }));
  const result = await client.getVectorIndex({ bucket: "demo", indexName: "idx" });
  assertCommonHeaders(assertSent("POST", "/demo/?getVectorIndex", { indexName: "idx" }), "demo");
  assert.deepEqual(result.index, { ...WIRE_INDEX, futureField: 1 });
});

test("listVectorIndexes() sends no body without options, and reads indexes and nextToken in any case", async () => {
  server.enqueue(respondJson(200, { Indexes: [{ IndexName: "idx", Dimension: 3 }], NextToken: "t1" }));
  const result = await client.listVectorIndexes({ bucket: "demo" });
  assertCommonHeaders(assertSent("POST", "/demo/?listVectorIndexes"), "demo");
  assert.deepEqual(result.indexes, [{ indexName: "idx", dimension: 3 }]);
  assert.equal(result.nextToken, "t1");

  server.enqueue(respondJson(200, { indexes: [], nextToken: "" }));
  const last = await client.listVectorIndexes({ bucket: "demo", maxResults: 5, nextToken: "t1", prefix: "i" });
  assertSent("POST", "/demo/?listVectorIndexes", { maxResults: 5, nextToken: "t1", prefix: "i" });
  assert.equal(last.nextToken, undefined);
});

test("deleteVectorIndex() sends POST ?deleteVectorIndex", async () => {
  server.enqueue(respondEmpty(204));
  await client.deleteVectorIndex({ bucket: "demo", indexName: "idx" });
  assertCommonHeaders(assertSent("POST", "/demo/?deleteVectorIndex", { indexName: "idx" }), "demo");
});

test("putVectors() sends ?putVectors with float32 data from arrays and Float32Arrays", async () => {
  server.enqueue(respondEmpty(200));
  await client.putVectors({ bucket: "demo", indexName: "idx", vectors: [
    { key: "a", data: { float32: [0.1, 0.2, 0.3] }, metadata: { genre: "drama", tags: ["x", "y"], year: 2020 } },
    { key: "b", data: { float32: new Float32Array([1, 0.5, -2]) } },
  ] });
  const request = assertSent("POST", "/demo/?putVectors", { indexName: "idx", vectors: [
    { key: "a", data: { float32: [0.1, 0.2, 0.3] }, metadata: { genre: "drama", tags: ["x", "y"], year: 2020 } },
    { key: "b", data: { float32: [1, 0.5, -2] } },
  ] });
  assertCommonHeaders(request, "demo");
});

test("getVectors() sends keys and flags, and reads vectors back as on the wire", async () => {
  server.enqueue(respondJson(200, { vectors: [{ key: "a", data: { float32: [0.1, 0.2, 0.3] }, metadata: { genre: "drama" } }] }));
  const result = await client.getVectors({ bucket: "demo", indexName: "idx", keys: ["a", "zz"], returnData: true, returnMetadata: false });
  assertCommonHeaders(assertSent("POST", "/demo/?getVectors", { indexName: "idx", keys: ["a", "zz"], returnData: true, returnMetadata: false }), "demo");
  assert.deepEqual(result.vectors, [{ key: "a", data: { float32: [0.1, 0.2, 0.3] }, metadata: { genre: "drama" } }]);
});

test("listVectors() sends the paging and segment fields it was given, and nothing else", async () => {
  server.enqueue(respondJson(200, { vectors: [{ key: "a" }], nextToken: "n2" }));
  const result = await client.listVectors({
    bucket: "demo", indexName: "idx", maxResults: 2, nextToken: "n1", returnMetadata: true, segmentCount: 2, segmentIndex: 1,
  });
  assertCommonHeaders(assertSent("POST", "/demo/?listVectors", {
    indexName: "idx", maxResults: 2, nextToken: "n1", returnMetadata: true, segmentCount: 2, segmentIndex: 1,
  }), "demo");
  assert.deepEqual(result.vectors, [{ key: "a" }]);
  assert.equal(result.nextToken, "n2");
});

test("queryVectors() sends queryVector, topK and filter, and reads distances", async () => {
  server.enqueue(respondJson(200, { vectors: [{ key: "a", distance: 0.12, metadata: { genre: "drama" } }, { key: "b", distance: 0.5 }] }));
  const filter = { $and: [{ genre: { $in: ["drama", "comedy"] } }, { year: { $eq: "2020" } }] };
  const result = await client.queryVectors({
    bucket: "demo", indexName: "idx", queryVector: { float32: [0.1, 0.2, 0.3] }, topK: 2, filter, returnDistance: true, returnMetadata: true,
  });
  assertCommonHeaders(assertSent("POST", "/demo/?queryVectors", {
    indexName: "idx", queryVector: { float32: [0.1, 0.2, 0.3] }, topK: 2, filter, returnDistance: true, returnMetadata: true,
  }), "demo");
  assert.deepEqual(result.vectors, [{ key: "a", distance: 0.12, metadata: { genre: "drama" } }, { key: "b", distance: 0.5 }]);
});

test("deleteVectors() sends POST ?deleteVectors with the keys", async () => {
  server.enqueue(respondEmpty(204));
  const result = await client.deleteVectors({ bucket: "demo", indexName: "idx", keys: ["a", "b"] });
  assertCommonHeaders(assertSent("POST", "/demo/?deleteVectors", { indexName: "idx", keys: ["a", "b"] }), "demo");
  assert.equal(result.statusCode, 204);
});

test("putBucketPolicy() sends a string policy byte for byte, and an object as JSON", async () => {
  const policy = '{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetVectors"],"Principal":["*"],"Resource": ["acs:ossvector:*:*:demo"]}]}';
  server.enqueue(respondEmpty(200));
  await client.putBucketPolicy({ bucket: "demo", policy });
  assertCommonHeaders(assertSent("PUT", "/demo/?policy", policy), "demo");
  server.enqueue(respondEmpty(200));
  await client.putBucketPolicy({ bucket: "demo", policy: { Version: "1", Statement: [] } });
  assertSent("PUT", "/demo/?policy", { Version: "1", Statement: [] });
});

test("getBucketPolicy() returns the stored text unchanged", async () => {
  const policy = '{"Version":"1", "Statement":[]}';
  server.enqueue(respondRaw(200, "application/json", policy));
  const result = await client.getBucketPolicy({ bucket: "demo" });
  assertCommonHeaders(assertSent("GET", "/demo/?policy"), "demo");
  assert.equal(result.policy, policy);
});

test("deleteBucketPolicy() sends DELETE ?policy", async () => {
  server.enqueue(respondEmpty(204));
  await client.deleteBucketPolicy({ bucket: "demo" });
  assertCommonHeaders(assertSent("DELETE", "/demo/?policy"), "demo");
});

test("putBucketLogging() sends the PascalCase BucketLoggingStatus wrapper", async () => {
  server.enqueue(respondEmpty(200));
  await client.putBucketLogging({ bucket: "demo", bucketLoggingStatus: { loggingEnabled: { targetBucket: "logs", targetPrefix: "v/" } } });
  assertCommonHeaders(assertSent("PUT", "/demo/?logging", { BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "logs", TargetPrefix: "v/" } } }), "demo");
});

test("getBucketLogging() maps LoggingEnabled, including the empty one left after a delete", async () => {
  server.enqueue(respondJson(200, { BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "logs", TargetPrefix: "v/", LoggingRole: "r" } } }));
  const result = await client.getBucketLogging({ bucket: "demo" });
  assertCommonHeaders(assertSent("GET", "/demo/?logging"), "demo");
  assert.deepEqual(result.bucketLoggingStatus, { loggingEnabled: { targetBucket: "logs", targetPrefix: "v/", loggingRole: "r" } });
  server.enqueue(respondJson(200, { BucketLoggingStatus: { LoggingEnabled: {} } }));
  assert.deepEqual((await client.getBucketLogging({ bucket: "demo" })).bucketLoggingStatus, { loggingEnabled: {} });
});

test("deleteBucketLogging() sends DELETE ?logging", async () => {
  server.enqueue(respondEmpty(204));
  await client.deleteBucketLogging({ bucket: "demo" });
  assertCommonHeaders(assertSent("DELETE", "/demo/?logging"), "demo");
});

test("additionalHeaders puts host and user-agent under the signature", async () => {
  const signingMore = new VectorsClient({
    region: "cn-hangzhou", accountId: ACCOUNT, endpoint: server.url, credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    additionalHeaders: ["Host", "User-Agent"], userAgentSuffix: "my-app/1.0",
  });
  server.enqueue(respondEmpty(204));
  await signingMore.deleteVectorIndex({ bucket: "demo", indexName: "idx" });
  const request = lastRequest();
  assert.match(request.headers["authorization"] ?? "", /,AdditionalHeaders=host;user-agent,Signature=/);
  assert.match(request.headers["user-agent"] ?? "", /\/vectors-client\/my-app\/1\.0$/);
  const check = { region: "cn-hangzhou", accountId: ACCOUNT, bucket: "demo", secret: "sk" };
  assert.ok(signatureVerifies(request, check));
  assert.ok(!signatureVerifies({ ...request, headers: { ...request.headers, "user-agent": "someone else" } }, check));
});

test("contentMd5 can be replaced by a faster implementation, or left out; the signature still verifies", async () => {
  const native = new VectorsClient({
    region: "cn-hangzhou", accountId: ACCOUNT, endpoint: server.url, credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    retry: false, contentMd5: (body) => createHash("md5").update(body).digest("base64"),
  });
  server.enqueue(respondEmpty(204));
  await native.deleteVectors({ bucket: "demo", indexName: "idx", keys: ["a"] });
  assertCommonHeaders(lastRequest(), "demo");
  const none = new VectorsClient({
    region: "cn-hangzhou", accountId: ACCOUNT, endpoint: server.url, credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    retry: false, contentMd5: false,
  });
  server.enqueue(respondEmpty(204));
  await none.deleteVectors({ bucket: "demo", indexName: "idx", keys: ["a"] });
  const request = lastRequest();
  assert.equal(request.headers["content-md5"], undefined);
  assert.ok(signatureVerifies(request, { region: "cn-hangzhou", accountId: ACCOUNT, bucket: "demo", secret: "sk" }));
});
