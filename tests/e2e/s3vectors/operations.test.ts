// Every S3 Vectors operation on its success path through the unmodified @aws-sdk/client-s3vectors,
// then the same scenario through boto3. The two index-mode operations exist in neither released SDK
// we pin (JS 3.1137.0, botocore 1.43.11), so they go out as raw requests signed by the SDK's signer.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateIndexCommand, CreateVectorBucketCommand, DeleteIndexCommand, DeleteVectorBucketCommand, DeleteVectorBucketPolicyCommand,
  DeleteVectorsCommand, GetIndexCommand, GetVectorBucketCommand, GetVectorBucketPolicyCommand, GetVectorsCommand, ListIndexesCommand,
  ListTagsForResourceCommand, ListVectorBucketsCommand, ListVectorsCommand, PutVectorBucketPolicyCommand, PutVectorsCommand,
  QueryVectorsCommand, TagResourceCommand, UntagResourceCommand,
} from "@aws-sdk/client-s3vectors";
import { asFloat32, AWS_REGION, expectS3Error, startS3vServer, uniqueName, type S3vServer } from "./harness.ts";
import { BOTO3_MISSING, clientError, ok, runBoto3, type Boto3Call } from "./boto3.ts";
import { assertS3Error, callS3 } from "./signed-request.ts";

let s: S3vServer;
before(async () => { s = await startS3vServer(); });
after(async () => { await s.stop(); });

const ARN_BUCKET = /^arn:aws:s3vectors:us-east-1:(\d{12}):bucket\/([a-z0-9-]+)$/;
const f32 = (values: number[]) => values.map((v) => Math.fround(v));

/** A bucket with a cosine index of dimension 3 whose `body` key is not filterable. */
async function bucketWithIndex(): Promise<{ bucket: string; bucketArn: string; indexArn: string }> {
  const bucket = uniqueName("ops");
  const { vectorBucketArn } = await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
  const { indexArn } = await s.s3.send(new CreateIndexCommand({
    vectorBucketName: bucket, indexName: "docs", dataType: "float32", dimension: 3, distanceMetric: "cosine",
    metadataConfiguration: { nonFilterableMetadataKeys: ["body"] },
  }));
  return { bucket, bucketArn: vectorBucketArn!, indexArn: indexArn! };
}

describe("@aws-sdk/client-s3vectors, every operation", () => {
  test("CreateVectorBucket, GetVectorBucket (by name and ARN) and ListVectorBuckets", async () => {
    const bucket = uniqueName("ops");
    const created = await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket, tags: { team: "search" } }));
    assert.equal(created.$metadata.httpStatusCode, 200);
    const match = ARN_BUCKET.exec(created.vectorBucketArn ?? "");
    assert.ok(match, `bucket ARN ${created.vectorBucketArn}`);
    assert.equal(match[2], bucket);
    const byName = await s.s3.send(new GetVectorBucketCommand({ vectorBucketName: bucket }));
    const byArn = await s.s3.send(new GetVectorBucketCommand({ vectorBucketArn: created.vectorBucketArn }));
    assert.deepEqual(byArn.vectorBucket, byName.vectorBucket);
    const info = byName.vectorBucket!;
    assert.equal(info.vectorBucketName, bucket);
    assert.equal(info.vectorBucketArn, created.vectorBucketArn);
    assert.ok(info.creationTime instanceof Date && Math.abs(info.creationTime.getTime() - Date.now()) < 120_000, String(info.creationTime));
    assert.equal(info.encryptionConfiguration?.sseType, "AES256", "the default encryption is reported");
    const listed = await s.s3.send(new ListVectorBucketsCommand({ prefix: bucket }));
    assert.deepEqual(listed.vectorBuckets?.map((b) => [b.vectorBucketName, b.vectorBucketArn]), [[bucket, created.vectorBucketArn]]);
    assert.ok(listed.vectorBuckets?.[0]?.creationTime instanceof Date);
    assert.equal(listed.nextToken, undefined);
  });

  test("an aws:kms encryption configuration is kept and reported (ossv has no KMS, and raises no Kms* error)", async () => {
    const bucket = uniqueName("kms");
    const encryptionConfiguration = { sseType: "aws:kms" as const, kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab" };
    await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket, encryptionConfiguration }));
    assert.deepEqual((await s.s3.send(new GetVectorBucketCommand({ vectorBucketName: bucket }))).vectorBucket?.encryptionConfiguration, encryptionConfiguration);
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "cosine" }));
    assert.deepEqual((await s.s3.send(new GetIndexCommand({ vectorBucketName: bucket, indexName: "idx" }))).index?.encryptionConfiguration, encryptionConfiguration, "an index inherits its bucket's");
  });

  test("CreateIndex, GetIndex (by names and ARN) and ListIndexes", async () => {
    const { bucket, bucketArn, indexArn } = await bucketWithIndex();
    assert.equal(indexArn, `${bucketArn}/index/docs`);
    const byNames = await s.s3.send(new GetIndexCommand({ vectorBucketName: bucket, indexName: "docs" }));
    const byArn = await s.s3.send(new GetIndexCommand({ indexArn }));
    assert.deepEqual(byArn.index, byNames.index);
    const index = byNames.index!;
    assert.deepEqual(
      [index.vectorBucketName, index.indexName, index.indexArn, index.dataType, index.dimension, index.distanceMetric],
      [bucket, "docs", indexArn, "float32", 3, "cosine"],
    );
    assert.deepEqual(index.metadataConfiguration, { nonFilterableMetadataKeys: ["body"] });
    assert.ok(index.creationTime instanceof Date);
    await s.s3.send(new CreateIndexCommand({ vectorBucketArn: bucketArn, indexName: "second.one", dataType: "float32", dimension: 2, distanceMetric: "euclidean" }));
    const listed = await s.s3.send(new ListIndexesCommand({ vectorBucketArn: bucketArn }));
    assert.deepEqual(listed.indexes?.map((i) => [i.indexName, i.indexArn, i.vectorBucketName]), [
      ["docs", indexArn, bucket], ["second.one", `${bucketArn}/index/second.one`, bucket],
    ]);
    const prefixed = await s.s3.send(new ListIndexesCommand({ vectorBucketName: bucket, prefix: "sec" }));
    assert.deepEqual(prefixed.indexes?.map((i) => i.indexName), ["second.one"]);
  });

  test("PutVectors, GetVectors, ListVectors, QueryVectors and DeleteVectors round-trip keys, data and metadata", async () => {
    const { bucket, indexArn } = await bucketWithIndex();
    const at = { vectorBucketName: bucket, indexName: "docs" };
    await s.s3.send(new PutVectorsCommand({ ...at, vectors: [
      { key: "a", data: { float32: [1, 0, 0] }, metadata: { genre: "drama", year: 2020, body: "long text", tags: ["x", "y"], flag: true } },
      { key: "b", data: { float32: [0.1, 0.9, 0] }, metadata: { genre: "comedy", year: 2021 } },
      { key: "c", data: { float32: [0.9, 0.1, 0.1] } },
    ] }));
    const got = await s.s3.send(new GetVectorsCommand({ indexArn, keys: ["c", "missing", "a"], returnData: true, returnMetadata: true }));
    assert.deepEqual(asFloat32(got.vectors), [
      { key: "c", data: { float32: f32([0.9, 0.1, 0.1]) }, metadata: {} },
      { key: "a", data: { float32: [1, 0, 0] }, metadata: { genre: "drama", year: 2020, body: "long text", tags: ["x", "y"], flag: true } },
    ], "request order, missing keys skipped, float32 values, `{}` for no metadata");
    const bare = await s.s3.send(new GetVectorsCommand({ ...at, keys: ["b"] }));
    assert.deepEqual(bare.vectors, [{ key: "b" }], "no data or metadata unless asked for");

    const listed = await s.s3.send(new ListVectorsCommand({ ...at, returnMetadata: true }));
    assert.deepEqual(listed.vectors?.map((v) => v.key).sort(), ["a", "b", "c"]);
    assert.equal(listed.vectors?.find((v) => v.key === "b")?.data, undefined);
    assert.deepEqual(listed.vectors?.find((v) => v.key === "b")?.metadata, { genre: "comedy", year: 2021 });

    const query = await s.s3.send(new QueryVectorsCommand({
      ...at, queryVector: { float32: [1, 0, 0] }, topK: 3, filter: { $or: [{ genre: "drama" }, { year: { $gte: 2021 } }] },
      returnDistance: true, returnMetadata: true,
    }));
    assert.equal(query.distanceMetric, "cosine");
    assert.deepEqual(query.vectors?.map((v) => v.key), ["a", "b"]);
    assert.ok(Math.abs(query.vectors[0]!.distance!) < 1e-6, `cosine distance of identical directions: ${query.vectors[0]!.distance}`);
    assert.ok(query.vectors[0]!.distance! <= query.vectors[1]!.distance!);
    assert.equal((query.vectors[0]!.metadata as Record<string, unknown>)["body"], "long text", "non-filterable keys come back too");
    const plain = await s.s3.send(new QueryVectorsCommand({ ...at, queryVector: { float32: [0, 1, 0] }, topK: 1 }));
    assert.deepEqual(plain.vectors, [{ key: "b" }], "no distance or metadata unless asked for");

    await s.s3.send(new PutVectorsCommand({ ...at, vectors: [{ key: "a", data: { float32: [0, 0, 1] }, metadata: { genre: "news" } }] }));
    const replaced = await s.s3.send(new GetVectorsCommand({ ...at, keys: ["a"], returnData: true, returnMetadata: true }));
    assert.deepEqual(replaced.vectors, [{ key: "a", data: { float32: [0, 0, 1] }, metadata: { genre: "news" } }], "an upsert replaces data and all metadata");

    const deleted = await s.s3.send(new DeleteVectorsCommand({ ...at, keys: ["a", "never-there"] }));
    assert.equal(deleted.$metadata.httpStatusCode, 200);
    const after = await s.s3.send(new GetVectorsCommand({ ...at, keys: ["a", "b", "c"] }));
    assert.deepEqual(after.vectors?.map((v) => v.key), ["b", "c"]);
  });

  test("PutVectorBucketPolicy, GetVectorBucketPolicy and DeleteVectorBucketPolicy keep the document verbatim", async () => {
    const { bucket, bucketArn } = await bucketWithIndex();
    await expectS3Error(s.s3.send(new GetVectorBucketPolicyCommand({ vectorBucketName: bucket })), 404, "NotFoundException");
    const policy = `{"Version":"2012-10-17",  "Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3vectors:GetIndex","Resource":"${bucketArn}/index/*"}]}`;
    await s.s3.send(new PutVectorBucketPolicyCommand({ vectorBucketName: bucket, policy }));
    assert.equal((await s.s3.send(new GetVectorBucketPolicyCommand({ vectorBucketArn: bucketArn }))).policy, policy);
    const removed = await s.s3.send(new DeleteVectorBucketPolicyCommand({ vectorBucketName: bucket }));
    assert.equal(removed.$metadata.httpStatusCode, 200);
    await expectS3Error(s.s3.send(new GetVectorBucketPolicyCommand({ vectorBucketName: bucket })), 404, "NotFoundException");
    await s.s3.send(new DeleteVectorBucketPolicyCommand({ vectorBucketName: bucket })); // idempotent
  });

  test("TagResource, ListTagsForResource and UntagResource on a bucket and an index", async () => {
    const bucket = uniqueName("ops");
    const { vectorBucketArn } = await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket, tags: { team: "search" } }));
    const { indexArn } = await s.s3.send(new CreateIndexCommand({
      vectorBucketName: bucket, indexName: "tagged", dataType: "float32", dimension: 2, distanceMetric: "euclidean", tags: { stage: "dev" },
    }));
    assert.deepEqual((await s.s3.send(new ListTagsForResourceCommand({ resourceArn: vectorBucketArn }))).tags, { team: "search" });
    assert.deepEqual((await s.s3.send(new ListTagsForResourceCommand({ resourceArn: indexArn }))).tags, { stage: "dev" });
    await s.s3.send(new TagResourceCommand({ resourceArn: vectorBucketArn, tags: { "cost center": "r+d/ml", team: "ranking", "a:b=c+d@e": "" } }));
    assert.deepEqual((await s.s3.send(new ListTagsForResourceCommand({ resourceArn: vectorBucketArn }))).tags,
      { team: "ranking", "cost center": "r+d/ml", "a:b=c+d@e": "" }, "TagResource adds and overwrites");
    const untagged = await s.s3.send(new UntagResourceCommand({ resourceArn: vectorBucketArn, tagKeys: ["cost center", "team", "not-there"] }));
    assert.equal(untagged.$metadata.httpStatusCode, 200);
    assert.deepEqual((await s.s3.send(new ListTagsForResourceCommand({ resourceArn: vectorBucketArn }))).tags, { "a:b=c+d@e": "" });
    assert.deepEqual((await s.s3.send(new ListTagsForResourceCommand({ resourceArn: indexArn }))).tags, { stage: "dev" }, "index tags are separate");
  });

  test("PutVectorBucketDefaultIndexMode, UpdateIndexMode and queryMode (raw, signed by the SDK's signer)", async () => {
    const { bucket, indexArn } = await bucketWithIndex();
    const put = await callS3(s.endpoint, s.root, "PutVectorBucketDefaultIndexMode", { vectorBucketName: bucket, defaultIndexMode: "ENHANCED" });
    assert.equal(put.status, 200, put.text);
    const info = await callS3(s.endpoint, s.root, "GetVectorBucket", { vectorBucketName: bucket });
    assert.equal(info.body.vectorBucket.defaultIndexMode, "ENHANCED", info.text);
    const update = await callS3(s.endpoint, s.root, "UpdateIndexMode", { indexArn, indexMode: "ENHANCED" });
    assert.equal(update.status, 200, update.text);
    const index = await callS3(s.endpoint, s.root, "GetIndex", { indexArn });
    assert.equal(index.body.index.indexMode, "ENHANCED", index.text);
    assert.equal(typeof index.body.index.creationTime, "number", "creationTime is epoch seconds on the wire");
    await s.s3.send(new PutVectorsCommand({ indexArn, vectors: [
      { key: "p1", data: { float32: [1, 0, 0] }, metadata: { path: "/marketing/a" } },
      { key: "p2", data: { float32: [1, 0.1, 0] }, metadata: { path: "/sales/b" } },
    ] }));
    const query = await callS3(s.endpoint, s.root, "QueryVectors", {
      indexArn, topK: 5, queryVector: { float32: [1, 0, 0] }, filter: { path: { $startsWith: "/marketing/" } }, queryMode: "ENHANCED",
    });
    assert.equal(query.status, 200, query.text);
    assert.deepEqual(query.body.vectors, [{ key: "p1" }]);
    assertS3Error(await callS3(s.endpoint, s.root, "UpdateIndexMode", { indexArn, indexMode: "FAST" }), 400, "ValidationException");
    assertS3Error(await callS3(s.endpoint, s.root, "UpdateIndexMode", { vectorBucketName: bucket, indexName: "nope", indexMode: "ENHANCED" }), 404, "NotFoundException");
    assertS3Error(await callS3(s.endpoint, s.root, "PutVectorBucketDefaultIndexMode", { vectorBucketName: `${bucket}-x`, defaultIndexMode: "ENHANCED" }), 404, "NotFoundException");
  });

  test("DeleteIndex and DeleteVectorBucket: a bucket with indexes is not deleted, then both go", async () => {
    const { bucket, indexArn } = await bucketWithIndex();
    const conflict = await expectS3Error(s.s3.send(new DeleteVectorBucketCommand({ vectorBucketName: bucket })), 409, "ConflictException");
    assert.match(conflict.message, /not empty/);
    assert.equal((await s.s3.send(new DeleteIndexCommand({ indexArn }))).$metadata.httpStatusCode, 200);
    await expectS3Error(s.s3.send(new GetIndexCommand({ indexArn })), 404, "NotFoundException");
    await expectS3Error(s.s3.send(new DeleteIndexCommand({ indexArn })), 404, "NotFoundException");
    assert.equal((await s.s3.send(new DeleteVectorBucketCommand({ vectorBucketName: bucket }))).$metadata.httpStatusCode, 200);
    const gone = await expectS3Error(s.s3.send(new GetVectorBucketCommand({ vectorBucketName: bucket })), 404, "NotFoundException");
    assert.equal(gone.message, "The specified vector bucket could not be found");
  });
});

describe("boto3, the same scenario", { skip: BOTO3_MISSING }, () => {
  test("every operation succeeds through boto3, and its errors arrive as ClientError", async () => {
    const bucket = uniqueName("boto");
    const at = { vectorBucketName: bucket, indexName: "docs" };
    const calls: Boto3Call[] = [
      { op: "CreateVectorBucket", params: { vectorBucketName: bucket, tags: { team: "search" } } },
      { op: "GetVectorBucket", params: { vectorBucketName: bucket } },
      { op: "ListVectorBuckets", params: { prefix: bucket } },
      { op: "CreateIndex", params: { ...at, dataType: "float32", dimension: 3, distanceMetric: "euclidean", metadataConfiguration: { nonFilterableMetadataKeys: ["body"] } } },
      { op: "GetIndex", params: at },
      { op: "ListIndexes", params: { vectorBucketName: bucket } },
      { op: "PutVectors", params: { ...at, vectors: [
        { key: "a", data: { float32: [1, 2, 3] }, metadata: { genre: "drama", body: "text", n: 1.5, ok: false, list: ["x"] } },
        { key: "ключ 😀", data: { float32: [0.1, 0.2, 0.3] } },
      ] } },
      { op: "GetVectors", params: { ...at, keys: ["ключ 😀", "a", "zz"], returnData: true, returnMetadata: true } },
      { op: "ListVectors", params: { ...at, returnData: true } },
      { op: "QueryVectors", params: { ...at, queryVector: { float32: [1, 2, 3.1] }, topK: 2, filter: { genre: { $in: ["drama", "x"] } }, returnDistance: true, returnMetadata: true } },
      { op: "DeleteVectors", params: { ...at, keys: ["a"] } },
      { op: "GetVectors", params: { ...at, keys: ["a", "ключ 😀"] } },
      { op: "PutVectorBucketPolicy", params: { vectorBucketName: bucket, policy: '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3vectors:DeleteIndex","Resource":"*"}]}' } },
      { op: "GetVectorBucketPolicy", params: { vectorBucketName: bucket } },
      { op: "DeleteVectorBucketPolicy", params: { vectorBucketName: bucket } },
      { op: "GetVectorBucketPolicy", params: { vectorBucketName: bucket } },
      { op: "TagResource", params: { resourceArn: "BUCKET_ARN", tags: { "cost center": "ml" } } },
      { op: "ListTagsForResource", params: { resourceArn: "BUCKET_ARN" } },
      { op: "UntagResource", params: { resourceArn: "BUCKET_ARN", tagKeys: ["team"] } },
      { op: "ListTagsForResource", params: { resourceArn: "BUCKET_ARN" } },
      { op: "CreateVectorBucket", params: { vectorBucketName: bucket } },
      { op: "DeleteVectorBucket", params: { vectorBucketName: bucket } },
      { op: "DeleteIndex", params: at },
      { op: "DeleteVectorBucket", params: { vectorBucketName: bucket } },
      { op: "GetVectorBucket", params: { vectorBucketName: bucket } },
    ];
    // The bucket ARN is the server's choice: the driver reads it from CreateVectorBucket's answer.
    const withArn = calls.map((c) => (c.params?.["resourceArn"] === "BUCKET_ARN" ? { ...c, params: { ...c.params, resourceArn: { __result__: [0, "vectorBucketArn"] } } } : c));
    const [create, getBucket, listBuckets, createIndex, getIndex, listIndexes, putVectors, getVectors, listVectors, queryVectors,
      deleteVectors, getAfterDelete, putPolicy, getPolicy, deletePolicy, getMissingPolicy, tag, tags, untag, tagsAfter,
      createAgain, deleteNonEmpty, deleteIndex, deleteBucket, getDeleted] = await runBoto3(s.endpoint, AWS_REGION, s.root, withArn);
    const bucketArn = ok(create, "CreateVectorBucket").vectorBucketArn as string;
    assert.match(bucketArn, ARN_BUCKET);

    assert.equal(ok(getBucket).vectorBucket.vectorBucketArn, bucketArn);
    assert.equal(typeof ok(getBucket).vectorBucket.creationTime, "number", "botocore parsed creationTime as a datetime");
    assert.deepEqual(ok(listBuckets).vectorBuckets.map((b: { vectorBucketName: string }) => b.vectorBucketName), [bucket]);
    assert.equal(ok(createIndex).indexArn, `${bucketArn}/index/docs`);
    assert.deepEqual([ok(getIndex).index.dimension, ok(getIndex).index.distanceMetric], [3, "euclidean"]);
    assert.deepEqual(ok(listIndexes).indexes.map((i: { indexName: string }) => i.indexName), ["docs"]);
    ok(putVectors, "PutVectors");
    assert.deepEqual(asFloat32(ok(getVectors).vectors), [
      { key: "ключ 😀", data: { float32: f32([0.1, 0.2, 0.3]) }, metadata: {} },
      { key: "a", data: { float32: [1, 2, 3] }, metadata: { genre: "drama", body: "text", n: 1.5, ok: false, list: ["x"] } },
    ]);
    assert.equal(ok(listVectors).vectors.length, 2);
    const hits = ok(queryVectors);
    assert.equal(hits.distanceMetric, "euclidean");
    assert.deepEqual(hits.vectors.map((v: { key: string }) => v.key), ["a"]);
    assert.ok(hits.vectors[0].distance >= 0 && hits.vectors[0].distance < 0.2, `euclidean distance ${hits.vectors[0].distance}`);
    ok(deleteVectors);
    assert.deepEqual(ok(getAfterDelete).vectors, [{ key: "ключ 😀" }]);
    ok(putPolicy);
    assert.match(ok(getPolicy).policy, /s3vectors:DeleteIndex/);
    ok(deletePolicy);
    clientError(getMissingPolicy, 404, "NotFoundException");
    ok(tag);
    assert.deepEqual(ok(tags).tags, { team: "search", "cost center": "ml" });
    ok(untag);
    assert.deepEqual(ok(tagsAfter).tags, { "cost center": "ml" });
    clientError(createAgain, 409, "ConflictException");
    clientError(deleteNonEmpty, 409, "ConflictException");
    ok(deleteIndex);
    ok(deleteBucket);
    assert.equal(clientError(getDeleted, 404, "NotFoundException"), "The specified vector bucket could not be found");
  });
});
