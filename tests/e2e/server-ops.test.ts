// Every operation's behaviour, the errors the documentation lists (docs/protocol.md#error-codes), and
// pagination edges (exact page counts, no trailing empty page), through @ossv/sdk against a real server.
// Malformed requests, which the SDK would never send, are in server-validation.test.ts.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_LIMITS, withLimits } from "@ossv/protocol";
import type { VectorsClient } from "@ossv/sdk";
import { expectServiceError, startSdkServer, type SdkServer } from "./sdk-server.ts";

let s: SdkServer;
let client: VectorsClient;
before(async () => {
  s = await startSdkServer();
  client = s.client;
});
after(async () => { await s.stop(); });

let counter = 0;
const uniqueBucket = (tag: string) => `ops-${tag}-${++counter}`;
const vec = (key: string, values: number[], metadata?: Record<string, string | number>) =>
  ({ key, data: { float32: values }, ...(metadata ? { metadata } : {}) });

async function bucketWithIndex(tag: string, index: { distanceMetric?: "cosine" | "euclidean"; nonFilterable?: string[] } = {}) {
  const bucket = uniqueBucket(tag);
  await client.putVectorBucket({ bucket });
  await client.putVectorIndex({
    bucket, indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: index.distanceMetric ?? "euclidean",
    ...(index.nonFilterable ? { metadata: { nonFilterableMetadataKeys: index.nonFilterable } } : {}),
  });
  return bucket;
}

describe("buckets", () => {
  test("PutVectorBucket twice is 409 BucketAlreadyExists; an unknown bucket is 404 NoSuchBucket", async () => {
    const bucket = uniqueBucket("dup");
    assert.equal((await client.putVectorBucket({ bucket })).statusCode, 200);
    await expectServiceError(client.putVectorBucket({ bucket }), 409, "BucketAlreadyExists");
    await expectServiceError(client.getVectorBucket({ bucket: "no-such-bucket" }), 404, "NoSuchBucket");
    await expectServiceError(client.deleteVectorBucket({ bucket: "no-such-bucket" }), 404, "NoSuchBucket");
    await expectServiceError(client.putVectors({ bucket: "no-such-bucket", indexName: "idx", vectors: [vec("a", [1, 2, 3])] }), 404, "NoSuchBucket");
    await expectServiceError(client.putVectorBucket({ bucket: "a".repeat(33) }), 400, "InvalidBucketName");
  });

  test("GetVectorBucket returns the ARN as Name, and this server as its endpoint", async () => {
    const bucket = uniqueBucket("info");
    await client.putVectorBucket({ bucket, resourceGroupId: "rg-test" });
    const { bucketInfo } = await client.getVectorBucket({ bucket });
    assert.equal(bucketInfo.name, `acs:ossvector:cn-hangzhou:${s.server.accountId}:${bucket}`);
    assert.equal(bucketInfo.location, "oss-cn-hangzhou");
    assert.equal(bucketInfo.region, "cn-hangzhou");
    assert.equal(bucketInfo.resourceGroupId, "rg-test");
    assert.equal(bucketInfo.extranetEndpoint, `127.0.0.1:${s.server.port}`);
  });

  test("DeleteVectorBucket is 409 BucketNotEmpty while it has an index, then 204", async () => {
    const bucket = await bucketWithIndex("full");
    await expectServiceError(client.deleteVectorBucket({ bucket }), 409, "BucketNotEmpty");
    assert.equal((await client.deleteVectorIndex({ bucket, indexName: "idx" })).statusCode, 204);
    assert.equal((await client.deleteVectorBucket({ bucket })).statusCode, 204);
  });

  test("ListVectorBuckets pages by marker with exact page counts and a prefix", async () => {
    const prefix = `lst${counter++}`;
    for (let i = 0; i < 5; i++) await client.putVectorBucket({ bucket: `${prefix}-b${i}` });
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    for (;;) {
      const page = await client.listVectorBuckets({ prefix, maxKeys: 2, ...(marker ? { marker } : {}) });
      pages++;
      names.push(...page.buckets.map((b) => b.name.split(":").pop()!));
      if (!page.isTruncated) {
        assert.equal(page.nextMarker, undefined);
        break;
      }
      marker = page.nextMarker;
    }
    assert.equal(pages, 3);
    assert.deepEqual(names, [0, 1, 2, 3, 4].map((i) => `${prefix}-b${i}`));
  });

  test("an account may hold at most maxBucketsPerRegion buckets", async () => {
    const limited = await startSdkServer({ limits: withLimits({ maxBucketsPerRegion: 2 }) });
    try {
      await limited.client.putVectorBucket({ bucket: "one" });
      await limited.client.putVectorBucket({ bucket: "two" });
      await expectServiceError(limited.client.putVectorBucket({ bucket: "three" }), 400, "TooManyBuckets");
    } finally {
      await limited.stop();
    }
  });
});

describe("indexes", () => {
  test("GetVectorIndex returns the index as created", async () => {
    const bucket = await bucketWithIndex("get", { distanceMetric: "cosine", nonFilterable: ["body"] });
    const { index } = await client.getVectorIndex({ bucket, indexName: "idx" });
    assert.equal(index.indexName, "idx");
    assert.equal(index.vectorBucketName, bucket);
    assert.equal(index.dimension, 3);
    assert.equal(index.distanceMetric, "cosine");
    assert.equal(index.dataType, "float32");
    assert.equal(index.status, "enable");
    assert.deepEqual(index.metadata, { nonFilterableMetadataKeys: ["body"] });
    assert.match(String(index.createTime), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await expectServiceError(client.getVectorIndex({ bucket, indexName: "missing" }), 404, "NoSuchVectorIndex");
  });

  test("PutVectorIndex on an existing name is 409; a bad dimension or name is 400", async () => {
    const bucket = await bucketWithIndex("bad");
    const spec = { bucket, indexName: "idx", dataType: "float32" as const, dimension: 3, distanceMetric: "euclidean" as const };
    await expectServiceError(client.putVectorIndex(spec), 409, "VectorBucketIndexAlreadyExist");
    await expectServiceError(client.putVectorIndex({ ...spec, indexName: "other", dimension: 4097 }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.putVectorIndex({ ...spec, indexName: "has-dash" }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.putVectorIndex({ ...spec, indexName: "x", metadata: { nonFilterableMetadataKeys: ["bad key"] } }), 400, "VectorIndexParameterInvalid");
  });

  test("the index past the bucket's limit is 400 VectorBucketIndexExceedLimit", async () => {
    const limited = await startSdkServer({ limits: { ...DEFAULT_LIMITS, maxIndexesPerBucket: 2 } });
    try {
      await limited.client.putVectorBucket({ bucket: "limited" });
      const make = (indexName: string) => limited.client.putVectorIndex({ bucket: "limited", indexName, dataType: "float32", dimension: 2, distanceMetric: "cosine" });
      await make("a");
      await make("b");
      await expectServiceError(make("c"), 400, "VectorBucketIndexExceedLimit");
    } finally {
      await limited.stop();
    }
  });

  test("ListVectorIndexes: 11 by 5 is 3 pages, 10 by 5 is 2, a token only when more remain", async () => {
    const bucket = uniqueBucket("pages");
    await client.putVectorBucket({ bucket });
    for (let i = 0; i < 11; i++) {
      await client.putVectorIndex({ bucket, indexName: `ix${String(i).padStart(2, "0")}`, dataType: "float32", dimension: 2, distanceMetric: "cosine" });
    }
    const walk = async (maxResults: number, prefix?: string) => {
      let nextToken: string | undefined;
      const pages: string[][] = [];
      do {
        const page = await client.listVectorIndexes({ bucket, maxResults, ...(nextToken ? { nextToken } : {}), ...(prefix ? { prefix } : {}) });
        pages.push(page.indexes.map((i) => i.indexName));
        nextToken = page.nextToken;
      } while (nextToken);
      return pages;
    };
    assert.equal((await walk(5)).length, 3);
    assert.equal((await walk(1)).flat().length, 11);
    await client.deleteVectorIndex({ bucket, indexName: "ix10" });
    const ten = await walk(5);
    assert.equal(ten.length, 2);
    assert.deepEqual(ten.flat(), Array.from({ length: 10 }, (_, i) => `ix0${i}`));
    assert.equal((await walk(100, "ix0")).flat().length, 10);
  });

  test("DeleteVectorIndex removes its data; a re-created index starts empty", async () => {
    const bucket = await bucketWithIndex("recreate");
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("a", [1, 2, 3])] });
    await client.deleteVectorIndex({ bucket, indexName: "idx" });
    await expectServiceError(client.getVectors({ bucket, indexName: "idx", keys: ["a"] }), 404, "NoSuchVectorIndex");
    await expectServiceError(client.deleteVectorIndex({ bucket, indexName: "idx" }), 404, "NoSuchVectorIndex");
    await client.putVectorIndex({ bucket, indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" });
    assert.deepEqual((await client.getVectors({ bucket, indexName: "idx", keys: ["a"] })).vectors, []);
  });
});

describe("vectors", () => {
  test("PutVectors upserts; GetVectors returns data and metadata on request, omitting missing keys", async () => {
    const bucket = await bucketWithIndex("put");
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("a", [0.1, 0.2, 0.3], { genre: "drama" }), vec("b", [1, 1, 1])] });
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("a", [0.5, 0.5, 0.5], { genre: "comedy", year: 2020 })] });
    assert.deepEqual((await client.getVectors({ bucket, indexName: "idx", keys: ["a", "missing"] })).vectors, [{ key: "a" }]);
    const full = await client.getVectors({ bucket, indexName: "idx", keys: ["b", "a"], returnData: true, returnMetadata: true });
    assert.deepEqual(full.vectors, [
      { key: "b", data: { float32: [1, 1, 1] }, metadata: {} },
      { key: "a", data: { float32: [0.5, 0.5, 0.5] }, metadata: { genre: "comedy", year: 2020 } },
    ]);
  });

  test("float32 values come back in their shortest form", async () => {
    const bucket = await bucketWithIndex("f32");
    const float32Max = (2 - 2 ** -23) * 2 ** 127;
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("a", [0.1, 1e-7, -float32Max])] });
    const { vectors } = await client.getVectors({ bucket, indexName: "idx", keys: ["a"], returnData: true });
    assert.deepEqual(vectors[0]!.data!.float32, [0.1, 1e-7, -3.4028235e38]);
  });

  test("PutVectors refuses a bad batch whole: duplicate key, wrong dimension, zero cosine vector", async () => {
    const bucket = await bucketWithIndex("badput", { distanceMetric: "cosine" });
    const bad = [[vec("a", [1, 2, 3]), vec("a", [1, 2, 4])], [vec("b", [1, 2])], [vec("c", [0, 0, 0])], [vec("d", [1, 2, 3], { big: "x".repeat(41 * 1024) })]];
    for (const vectors of bad) {
      await expectServiceError(client.putVectors({ bucket, indexName: "idx", vectors: [vec("ok", [1, 2, 3]), ...vectors] }), 400, "VectorIndexParameterInvalid");
    }
    assert.deepEqual((await client.listVectors({ bucket, indexName: "idx" })).vectors, [], "a refused batch writes nothing");
  });

  test("ListVectors: 10 by 5 is exactly 2 pages; segments partition the keys", async () => {
    const bucket = await bucketWithIndex("list");
    const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
    await client.putVectors({ bucket, indexName: "idx", vectors: keys.map((k, i) => vec(k, [i, 1, 1], { i })) });
    let nextToken: string | undefined;
    const pages: string[][] = [];
    do {
      const page = await client.listVectors({ bucket, indexName: "idx", maxResults: 5, returnMetadata: true, ...(nextToken ? { nextToken } : {}) });
      pages.push(page.vectors.map((v) => v.key));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.equal(pages.length, 2);
    assert.deepEqual(pages.flat().sort(), [...keys].sort());
    const segments = await Promise.all([0, 1, 2].map((segmentIndex) => client.listVectors({ bucket, indexName: "idx", segmentCount: 3, segmentIndex })));
    const listed = segments.flatMap((page) => page.vectors.map((v) => v.key));
    assert.deepEqual(listed.sort(), [...keys].sort());
    assert.equal(new Set(listed).size, 10);
    await expectServiceError(client.listVectors({ bucket, indexName: "idx", nextToken: "garbage!" }), 400, "VectorIndexParameterInvalid");
  });

  test("ListVectors puts vector-key-1 in segment 1 of 2, as the real service does", async () => {
    const bucket = await bucketWithIndex("seg");
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("vector-key-1", [1, 2, 3])] });
    const page = await client.listVectors({ bucket, indexName: "idx", segmentCount: 2, segmentIndex: 1 });
    assert.deepEqual(page.vectors, [{ key: "vector-key-1" }]);
  });

  test("QueryVectors ranks by distance with optional distance and metadata", async () => {
    const bucket = await bucketWithIndex("query");
    await client.putVectors({ bucket, indexName: "idx", vectors: [
      vec("near", [1, 0, 0], { tag: "x" }), vec("mid", [2, 0, 0], { tag: "y" }), vec("far", [5, 0, 0], { tag: "x" }),
    ] });
    const plain = await client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 2 });
    assert.deepEqual(plain.vectors, [{ key: "near" }, { key: "mid" }]);
    const rich = await client.queryVectors({
      bucket, indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 5, filter: { tag: { $eq: "x" } }, returnDistance: true, returnMetadata: true,
    });
    assert.deepEqual(rich.vectors, [{ key: "near", distance: 1, metadata: { tag: "x" } }, { key: "far", distance: 5, metadata: { tag: "x" } }]);
    const query = (topK: number, extra = {}) => client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK, ...extra });
    await expectServiceError(query(101), 400, "VectorIndexParameterInvalid");
    await expectServiceError(query(1, { filter: { tag: { $regex: "x" } } }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0] }, topK: 1 }), 400, "VectorIndexParameterInvalid");
  });

  test("DeleteVectors removes keys at once from get, list and query; missing keys are ignored", async () => {
    const bucket = await bucketWithIndex("delete");
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("a", [1, 0, 0]), vec("b", [2, 0, 0]), vec("c", [3, 0, 0])] });
    assert.equal((await client.deleteVectors({ bucket, indexName: "idx", keys: ["a", "c", "never-existed"] })).statusCode, 204);
    assert.deepEqual((await client.getVectors({ bucket, indexName: "idx", keys: ["a", "b", "c"] })).vectors, [{ key: "b" }]);
    assert.deepEqual((await client.listVectors({ bucket, indexName: "idx" })).vectors, [{ key: "b" }]);
    assert.deepEqual((await client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 10 })).vectors, [{ key: "b" }]);
    await expectServiceError(client.deleteVectors({ bucket, indexName: "idx", keys: ["b", "b"] }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.deleteVectors({ bucket, indexName: "nope", keys: ["b"] }), 404, "NoSuchVectorIndex");
  });
});

describe("bucket policy and logging", () => {
  test("a policy is stored byte for byte; without one Get is 404 NoSuchBucketPolicy", async () => {
    const bucket = uniqueBucket("policy");
    await client.putVectorBucket({ bucket });
    await expectServiceError(client.getBucketPolicy({ bucket }), 404, "NoSuchBucketPolicy");
    const text = `{"Version":"1","Statement":[{"Action":["ossvector:PutVectors","ossvector:GetVectors"],"Effect":"Deny","Principal":["1234567890"],"Resource": ["acs:ossvector:cn-hangzhou:${s.server.accountId}:*"]}]}`;
    await client.putBucketPolicy({ bucket, policy: text });
    assert.equal((await client.getBucketPolicy({ bucket })).policy, text);
    assert.equal((await client.deleteBucketPolicy({ bucket })).statusCode, 204);
    await expectServiceError(client.getBucketPolicy({ bucket }), 404, "NoSuchBucketPolicy");
    await expectServiceError(client.putBucketPolicy({ bucket, policy: '{"Version":"1","Statement":[{"Effect":"Maybe"}]}' }), 400, "MalformedPolicy");
  });

  test("logging round-trips, and after delete Get answers an empty LoggingEnabled", async () => {
    const bucket = uniqueBucket("logging");
    await client.putVectorBucket({ bucket });
    const loggingEnabled = { targetBucket: "log-target", targetPrefix: "MyLog-", loggingRole: "AliyunOSSLoggingDefaultRole" };
    await client.putBucketLogging({ bucket, bucketLoggingStatus: { loggingEnabled } });
    assert.deepEqual((await client.getBucketLogging({ bucket })).bucketLoggingStatus.loggingEnabled, loggingEnabled);
    assert.equal((await client.deleteBucketLogging({ bucket })).statusCode, 204);
    assert.deepEqual((await client.getBucketLogging({ bucket })).bucketLoggingStatus.loggingEnabled ?? {}, {});
    await expectServiceError(client.getBucketLogging({ bucket: "no-such-bucket" }), 404, "NoSuchBucket");
  });
});
