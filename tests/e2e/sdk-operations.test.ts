// The SDK against a real ossv server on port 0 with a temporary data directory: every one of the 19
// operations, in path style (IP endpoint) and virtual-hosted style, plus the service errors the SDK
// must surface and recover from.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "@ossv/server";
import {
  AnonymousCredentialsProvider, RefreshingCredentialsProvider, ServiceError, VectorsClient, type VectorsClientConfig,
} from "@ossv/sdk";
import { loopbackFetch } from "../../packages/sdk/src/testing/scripted-server.ts";

let server: RunningServer;
let dataDir: string;
let client: VectorsClient;

function clientFor(overrides: Partial<VectorsClientConfig> = {}): VectorsClient {
  return new VectorsClient({
    region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials,
    retry: { baseDelayMs: 5 }, ...overrides,
  });
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-sdk-ops-"));
  server = await startServer({ port: 0, host: "127.0.0.1", dataDir, region: "cn-hangzhou" });
  client = clientFor();
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function serviceError(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
  return error;
}

describe("every operation, path style", () => {
  const bucket = "sdk-e2e-ops";
  const indexName = "docs";

  test("putVectorBucket(), getVectorBucket() and listVectorBuckets() manage the bucket", async () => {
    const put = await client.putVectorBucket({ bucket });
    assert.equal(put.statusCode, 200);
    assert.match(put.requestId, /^[0-9A-F]{24}$/);
    const { bucketInfo } = await client.getVectorBucket({ bucket });
    assert.equal(bucketInfo.name, `acs:ossvector:cn-hangzhou:${server.accountId}:${bucket}`);
    assert.equal(bucketInfo.region, "cn-hangzhou");
    assert.equal(bucketInfo.location, "oss-cn-hangzhou");
    assert.ok(bucketInfo.creationDate && !Number.isNaN(Date.parse(bucketInfo.creationDate)));
    const listed = await client.listVectorBuckets({ prefix: "sdk-e2e-o" });
    assert.deepEqual(listed.buckets.map((b) => b.name.split(":").at(-1)), [bucket]);
    assert.equal(listed.isTruncated, false);
  });

  test("putVectorIndex(), getVectorIndex() and listVectorIndexes() manage the index", async () => {
    await client.putVectorIndex({
      bucket, indexName, dataType: "float32", dimension: 3, distanceMetric: "cosine", metadata: { nonFilterableMetadataKeys: ["body"] },
    });
    const { index } = await client.getVectorIndex({ bucket, indexName });
    assert.equal(index.indexName, indexName);
    assert.equal(index.vectorBucketName, bucket);
    assert.deepEqual([index.dataType, index.dimension, index.distanceMetric], ["float32", 3, "cosine"]);
    assert.deepEqual(index.metadata, { nonFilterableMetadataKeys: ["body"] });
    const listed = await client.listVectorIndexes({ bucket });
    assert.deepEqual(listed.indexes.map((i) => i.indexName), [indexName]);
    assert.equal(listed.nextToken, undefined);
  });

  test("putVectors(), getVectors(), listVectors() and queryVectors() round-trip vectors and metadata", async () => {
    await client.putVectors({ bucket, indexName, vectors: [
      { key: "a", data: { float32: [1, 0, 0] }, metadata: { genre: "drama", year: 2020, body: "long text" } },
      { key: "b", data: { float32: new Float32Array([0, 1, 0]) }, metadata: { genre: "comedy", year: 2021 } },
      { key: "c", data: { float32: [0.9, 0.1, 0] }, metadata: { genre: "drama", tags: ["x", "y"] } },
    ] });
    const got = await client.getVectors({ bucket, indexName, keys: ["b", "missing"], returnData: true, returnMetadata: true });
    assert.deepEqual(got.vectors, [{ key: "b", data: { float32: [0, 1, 0] }, metadata: { genre: "comedy", year: 2021 } }]);
    const listed = await client.listVectors({ bucket, indexName, returnMetadata: true });
    assert.deepEqual(listed.vectors.map((v) => v.key).sort(), ["a", "b", "c"]);
    assert.equal(listed.vectors.find((v) => v.key === "a")?.data, undefined, "no data unless asked for");
    const query = await client.queryVectors({
      bucket, indexName, queryVector: { float32: [1, 0, 0] }, topK: 3, filter: { genre: { $eq: "drama" } },
      returnDistance: true, returnMetadata: true,
    });
    assert.deepEqual(query.vectors.map((v) => v.key), ["a", "c"]);
    assert.ok(query.vectors[0]!.distance! <= query.vectors[1]!.distance!);
    assert.equal(query.vectors[0]!.metadata?.["genre"], "drama");
  });

  test("deleteVectors() removes the keys and ignores missing ones", async () => {
    const result = await client.deleteVectors({ bucket, indexName, keys: ["a", "never-there"] });
    assert.equal(result.statusCode, 204);
    const got = await client.getVectors({ bucket, indexName, keys: ["a", "b", "c"] });
    assert.deepEqual(got.vectors.map((v) => v.key).sort(), ["b", "c"]);
  });

  test("putBucketPolicy(), getBucketPolicy() and deleteBucketPolicy() keep the policy text verbatim", async () => {
    const policy = `{"Version":"1","Statement":[{"Effect":"Allow","Action":["oss:GetVectorBucket"],"Principal":["*"],"Resource": ["acs:ossvector:*:${server.accountId}:${bucket}"]}]}`;
    await client.putBucketPolicy({ bucket, policy });
    assert.equal((await client.getBucketPolicy({ bucket })).policy, policy);
    await client.deleteBucketPolicy({ bucket });
    assert.equal((await serviceError(client.getBucketPolicy({ bucket }))).code, "NoSuchBucketPolicy");
    // Unsigned requests must name the account in the host, so anonymous callers use virtual-hosted style.
    const anonymous = clientFor({
      credentials: new AnonymousCredentialsProvider(), endpoint: `http://localhost:${server.port}`, fetch: loopbackFetch(server.port),
    });
    assert.equal((await serviceError(anonymous.getVectorBucket({ bucket }))).code, "AccessDenied");
  });

  test("an anonymous client reads a bucket whose policy grants `*`", async () => {
    const policy = { Version: "1", Statement: [{ Effect: "Allow", Action: ["oss:GetVectorBucket"], Principal: ["*"], Resource: ["*"] }] };
    await client.putBucketPolicy({ bucket, policy });
    try {
      const anonymous = clientFor({
        credentials: new AnonymousCredentialsProvider(), endpoint: `http://localhost:${server.port}`, fetch: loopbackFetch(server.port),
      });
      const { bucketInfo } = await anonymous.getVectorBucket({ bucket });
      assert.equal(bucketInfo.name.split(":").at(-1), bucket);
    } finally {
      await client.deleteBucketPolicy({ bucket });
    }
  });

  test("putBucketLogging(), getBucketLogging() and deleteBucketLogging() manage logging", async () => {
    await client.putBucketLogging({ bucket, bucketLoggingStatus: { loggingEnabled: { targetBucket: "sdk-e2e-logs", targetPrefix: "vec/" } } });
    const { bucketLoggingStatus } = await client.getBucketLogging({ bucket });
    assert.equal(bucketLoggingStatus.loggingEnabled?.targetBucket, "sdk-e2e-logs");
    assert.equal(bucketLoggingStatus.loggingEnabled?.targetPrefix, "vec/");
    await client.deleteBucketLogging({ bucket });
    assert.equal((await client.getBucketLogging({ bucket })).bucketLoggingStatus.loggingEnabled?.targetBucket, undefined);
  });

  test("deleteVectorIndex() and deleteVectorBucket() clean up; the bucket is then NoSuchBucket", async () => {
    assert.equal((await serviceError(client.deleteVectorBucket({ bucket }))).code, "BucketNotEmpty");
    await client.deleteVectorIndex({ bucket, indexName });
    assert.equal((await serviceError(client.getVectorIndex({ bucket, indexName }))).code, "NoSuchVectorIndex");
    const deleted = await client.deleteVectorBucket({ bucket });
    assert.equal(deleted.statusCode, 204);
    const missing = await serviceError(client.getVectorBucket({ bucket }));
    assert.deepEqual([missing.statusCode, missing.code, missing.ec, missing.retryable], [404, "NoSuchBucket", "0015-00000101", false]);
    assert.equal(missing.requestId, missing.headers["x-oss-request-id"]);
  });
});

describe("virtual-hosted style", () => {
  test("a client on `localhost` reaches `{bucket}-{accountId}.localhost` for every kind of operation", async () => {
    const hosted = clientFor({ endpoint: `http://localhost:${server.port}`, fetch: loopbackFetch(server.port) });
    const bucket = "sdk-e2e-hosted";
    await hosted.putVectorBucket({ bucket });
    await hosted.putVectorIndex({ bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "euclidean" });
    await hosted.putVectors({ bucket, indexName: "idx", vectors: [{ key: "p", data: { float32: [3, 4] } }] });
    const query = await hosted.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0] }, topK: 1, returnDistance: true });
    assert.deepEqual(query.vectors, [{ key: "p", distance: 5 }]);
    const listed = await hosted.listVectorBuckets({ prefix: bucket });
    assert.equal(listed.buckets.length, 1);
    await hosted.deleteVectorIndex({ bucket, indexName: "idx" });
    await hosted.deleteVectorBucket({ bucket });
  });
});

describe("errors and recovery", () => {
  test("a wrong secret is SignatureDoesNotMatch and an unknown key is InvalidAccessKeyId, neither retried", async () => {
    const wrongSecret = clientFor({ credentials: { ...server.rootCredentials, accessKeySecret: "wrong" } });
    const mismatch = await serviceError(wrongSecret.listVectorBuckets());
    assert.deepEqual([mismatch.statusCode, mismatch.code, mismatch.attempts], [403, "SignatureDoesNotMatch", 1]);
    const unknown = clientFor({ credentials: { accessKeyId: "LTAI-nobody", accessKeySecret: "x" } });
    assert.equal((await serviceError(unknown.listVectorBuckets())).code, "InvalidAccessKeyId");
  });

  test("a client whose clock is an hour slow is corrected by the server's Date and succeeds", async () => {
    const slow = clientFor({ now: () => new Date(Date.now() - 3600_000) });
    const result = await slow.listVectorBuckets();
    assert.equal(result.statusCode, 200);
    assert.ok(Math.abs(slow.clockOffsetMs - 3600_000) < 5_000, `offset ${slow.clockOffsetMs}`);
  });

  test("a refreshing provider is asked once and its keys sign concurrent requests", async () => {
    let fetches = 0;
    const provider = new RefreshingCredentialsProvider(async () => {
      fetches += 1;
      return { ...server.rootCredentials, expiration: new Date(Date.now() + 3600_000) };
    });
    const refreshing = clientFor({ credentials: provider });
    const pages = await Promise.all([1, 2, 3, 4].map(() => refreshing.listVectorBuckets()));
    assert.ok(pages.every((page) => page.statusCode === 200));
    assert.equal(fetches, 1);
  });

  test("client-side checks fail before sending: missing parameters and invalid bucket names", async () => {
    await assert.rejects(client.getVectors({ bucket: "sdk-e2e-x", indexName: "", keys: ["a"] }), { name: "ParamRequiredError" });
    await assert.rejects(client.getVectorBucket({ bucket: "Not_A_Bucket" }), { name: "InvalidParamError" });
  });
});
