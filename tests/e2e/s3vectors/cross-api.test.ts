// One server, one data directory, two APIs: what the OSS Vectors API writes (through our @ossv/sdk)
// the S3 Vectors API reads (through @aws-sdk/client-s3vectors), and the reverse, including deletes.
// Names here are valid in both APIs (OSS index names are letters and digits; S3 bucket names may be
// up to 63 characters, OSS ones up to 32).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateIndexCommand, CreateVectorBucketCommand, DeleteIndexCommand, DeleteVectorBucketCommand, DeleteVectorsCommand, GetIndexCommand,
  GetVectorBucketCommand, GetVectorsCommand, ListIndexesCommand, ListVectorBucketsCommand, ListVectorsCommand, PutVectorsCommand, QueryVectorsCommand,
} from "@aws-sdk/client-s3vectors";
import { ServiceError } from "@ossv/sdk";
import { asFloat32, expectS3Error, startS3vServer, uniqueName, type S3vServer } from "./harness.ts";

let s: S3vServer;
before(async () => { s = await startS3vServer(); });
after(async () => { await s.stop(); });

async function ossError(call: Promise<unknown>, code: string): Promise<void> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, `expected OSS ${code}, got ${String(error)}`);
  assert.equal(error.code, code);
}

const f32 = (values: number[]) => values.map((v) => Math.fround(v));

describe("written through the OSS API, read through the S3 API", () => {
  test("the bucket, its index and its vectors, with metadata, filters and distances", async () => {
    const bucket = uniqueName("oss2s3");
    await s.oss.putVectorBucket({ bucket });
    await s.oss.putVectorIndex({ bucket, indexName: "docs", dataType: "float32", dimension: 3, distanceMetric: "cosine", metadata: { nonFilterableMetadataKeys: ["body"] } });
    await s.oss.putVectors({ bucket, indexName: "docs", vectors: [
      { key: "a", data: { float32: [1, 0, 0] }, metadata: { genre: "drama", year: 2020, body: "text", tags: ["x"] } },
      { key: "ключ", data: { float32: [0.1, 0.9, 0.3] }, metadata: { genre: "comedy", year: 2024 } },
    ] });

    const { vectorBucket } = await s.s3.send(new GetVectorBucketCommand({ vectorBucketName: bucket }));
    assert.equal(vectorBucket?.vectorBucketName, bucket);
    assert.match(vectorBucket.vectorBucketArn!, new RegExp(`^arn:aws:s3vectors:us-east-1:\\d{12}:bucket/${bucket}$`));
    const listed = await s.s3.send(new ListVectorBucketsCommand({ prefix: bucket }));
    assert.deepEqual(listed.vectorBuckets?.map((b) => b.vectorBucketName), [bucket]);
    const { index } = await s.s3.send(new GetIndexCommand({ vectorBucketName: bucket, indexName: "docs" }));
    assert.deepEqual([index?.dimension, index?.distanceMetric, index?.dataType], [3, "cosine", "float32"]);
    assert.deepEqual(index?.metadataConfiguration, { nonFilterableMetadataKeys: ["body"] });
    assert.equal(index?.indexArn, `${vectorBucket.vectorBucketArn}/index/docs`);
    assert.deepEqual((await s.s3.send(new ListIndexesCommand({ vectorBucketName: bucket }))).indexes?.map((i) => i.indexName), ["docs"]);

    const got = await s.s3.send(new GetVectorsCommand({ indexArn: index.indexArn, keys: ["a", "ключ"], returnData: true, returnMetadata: true }));
    assert.deepEqual(asFloat32(got.vectors), [
      { key: "a", data: { float32: [1, 0, 0] }, metadata: { genre: "drama", year: 2020, body: "text", tags: ["x"] } },
      { key: "ключ", data: { float32: f32([0.1, 0.9, 0.3]) }, metadata: { genre: "comedy", year: 2024 } },
    ]);
    const hits = await s.s3.send(new QueryVectorsCommand({
      vectorBucketName: bucket, indexName: "docs", topK: 5, queryVector: { float32: [1, 0, 0] }, filter: { year: { $gte: 2021 } }, returnDistance: true,
    }));
    assert.deepEqual(hits.vectors?.map((v) => v.key), ["ключ"]);
    const oss = await s.oss.queryVectors({ bucket, indexName: "docs", topK: 5, queryVector: { float32: [1, 0, 0] }, filter: { year: { $gte: 2021 } }, returnDistance: true });
    assert.ok(Math.abs(hits.vectors[0]!.distance! - oss.vectors[0]!.distance!) < 1e-6, "both APIs report the same distance");
  });
});

describe("written through the S3 API, read through the OSS API", () => {
  test("the bucket, its index and its vectors", async () => {
    const bucket = uniqueName("s32oss");
    await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "docs", dataType: "float32", dimension: 2, distanceMetric: "euclidean", metadataConfiguration: { nonFilterableMetadataKeys: ["note"] } }));
    await s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName: "docs", vectors: [
      { key: "p", data: { float32: [3, 4] }, metadata: { color: "red", n: 1, note: "kept" } },
      { key: "q", data: { float32: [0.1, 0.2] } },
    ] }));

    const { bucketInfo } = await s.oss.getVectorBucket({ bucket });
    assert.equal(bucketInfo.name.split(":").at(-1), bucket);
    assert.deepEqual((await s.oss.listVectorBuckets({ prefix: bucket })).buckets.map((b) => b.name.split(":").at(-1)), [bucket]);
    const { index } = await s.oss.getVectorIndex({ bucket, indexName: "docs" });
    assert.deepEqual([index.dimension, index.distanceMetric], [2, "euclidean"]);
    assert.deepEqual(index.metadata, { nonFilterableMetadataKeys: ["note"] });
    const got = await s.oss.getVectors({ bucket, indexName: "docs", keys: ["p", "q"], returnData: true, returnMetadata: true });
    assert.deepEqual(got.vectors.find((v) => v.key === "p"), { key: "p", data: { float32: [3, 4] }, metadata: { color: "red", n: 1, note: "kept" } });
    assert.deepEqual(asFloat32(got.vectors.filter((v) => v.key === "q"))[0]?.data, { float32: f32([0.1, 0.2]) });
    const query = await s.oss.queryVectors({ bucket, indexName: "docs", queryVector: { float32: [0, 0] }, topK: 1, filter: { color: { $eq: "red" } }, returnDistance: true });
    assert.deepEqual(query.vectors, [{ key: "p", distance: 5 }]);
    assert.deepEqual((await s.oss.listVectors({ bucket, indexName: "docs" })).vectors.map((v) => v.key).sort(), ["p", "q"]);
  });
});

describe("deletes are seen by the other API", () => {
  test("vectors, indexes and buckets deleted on one side are gone on the other, and stay gone", async () => {
    const bucket = uniqueName("del");
    await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
    await s.oss.putVectorIndex({ bucket, indexName: "one", dataType: "float32", dimension: 2, distanceMetric: "euclidean" });
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "two", dataType: "float32", dimension: 2, distanceMetric: "euclidean" }));
    const vectors = [{ key: "a", data: { float32: [1, 1] } }, { key: "b", data: { float32: [2, 2] } }];
    await s.oss.putVectors({ bucket, indexName: "one", vectors });
    await s.s3.send(new DeleteVectorsCommand({ vectorBucketName: bucket, indexName: "one", keys: ["a"] }));
    assert.deepEqual((await s.oss.getVectors({ bucket, indexName: "one", keys: ["a", "b"] })).vectors.map((v) => v.key), ["b"]);
    await s.oss.deleteVectors({ bucket, indexName: "one", keys: ["b"] });
    assert.deepEqual((await s.s3.send(new ListVectorsCommand({ vectorBucketName: bucket, indexName: "one" }))).vectors, []);
    const query = await s.s3.send(new QueryVectorsCommand({ vectorBucketName: bucket, indexName: "one", topK: 5, queryVector: { float32: [1, 1] } }));
    assert.deepEqual(query.vectors, [], "no deleted vector comes back in a query");

    await s.oss.deleteVectorIndex({ bucket, indexName: "two" });
    await expectS3Error(s.s3.send(new GetIndexCommand({ vectorBucketName: bucket, indexName: "two" })), 404, "NotFoundException");
    await s.s3.send(new DeleteIndexCommand({ vectorBucketName: bucket, indexName: "one" }));
    await ossError(s.oss.getVectorIndex({ bucket, indexName: "one" }), "NoSuchVectorIndex");
    await s.s3.send(new DeleteVectorBucketCommand({ vectorBucketName: bucket }));
    await ossError(s.oss.getVectorBucket({ bucket }), "NoSuchBucket");

    await s.oss.putVectorBucket({ bucket });
    await s.oss.putVectorIndex({ bucket, indexName: "one", dataType: "float32", dimension: 2, distanceMetric: "euclidean" });
    assert.deepEqual((await s.s3.send(new GetVectorsCommand({ vectorBucketName: bucket, indexName: "one", keys: ["a", "b"] }))).vectors, [], "a recreated index starts empty");
  });

  test("a bucket with an index made through the other API is not empty for either", async () => {
    const bucket = uniqueName("busy");
    await s.oss.putVectorBucket({ bucket });
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "cosine" }));
    await ossError(s.oss.deleteVectorBucket({ bucket }), "BucketNotEmpty");
    await expectS3Error(s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "cosine" })), 409, "ConflictException");
    await ossError(s.oss.putVectorIndex({ bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "cosine" }), "VectorBucketIndexAlreadyExist");
    await expectS3Error(s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket })), 409, "ConflictException");
  });
});

describe("names only the S3 API allows at creation, reached through the OSS API", () => {
  test("a 40-character bucket and an index named with '-' and '.': listed, read, queried and deleted from", async () => {
    const bucket = uniqueName("s3-only").padEnd(40, "x");
    const indexName = "title-vectors.v2";
    await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName, dataType: "float32", dimension: 2, distanceMetric: "euclidean" }));
    await s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName, vectors: [
      { key: "k1", data: { float32: [1, 2] }, metadata: { lang: "en" } },
      { key: "k2", data: { float32: [3, 4] }, metadata: { lang: "fr" } },
    ] }));

    // The OSS API refuses to create such names, but reaches them once they exist.
    const buckets = await s.oss.listVectorBuckets({ prefix: bucket });
    // The OSS API lists a bucket by its resource name, acs:ossvector:{region}:{account}:{bucket}.
    assert.deepEqual(buckets.buckets?.map((b) => b.name.split(":").at(-1)), [bucket]);
    const indexes = await s.oss.listVectorIndexes({ bucket });
    assert.deepEqual(indexes.indexes?.map((i) => i.indexName), [indexName]);
    const got = await s.oss.getVectors({ bucket, indexName, keys: ["k1"], returnData: true, returnMetadata: true });
    assert.deepEqual(got.vectors, [{ key: "k1", data: { float32: [1, 2] }, metadata: { lang: "en" } }]);
    const hits = await s.oss.queryVectors({ bucket, indexName, topK: 5, queryVector: { float32: [3, 4] }, filter: { lang: "fr" } });
    assert.deepEqual(hits.vectors.map((v) => v.key), ["k2"]);
    await s.oss.deleteVectors({ bucket, indexName, keys: ["k2"] });
    const left = await s.s3.send(new ListVectorsCommand({ vectorBucketName: bucket, indexName }));
    assert.deepEqual(left.vectors?.map((v) => v.key), ["k1"]);
  });
});
