// Every error class of the S3 Vectors API a client's mistake can cause, through the JS SDK (which
// validates nothing itself, so every bad value reaches the server): ValidationException (400) for
// each rule of names, ARNs, shapes and limits, NotFoundException (404), ConflictException (409) and
// ServiceQuotaExceededException (402). A refused write changes nothing. botocore validates ranges
// before sending, so boto3 is checked on the errors only the server can find.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateIndexCommand, CreateVectorBucketCommand, DeleteIndexCommand, DeleteVectorBucketCommand, DeleteVectorsCommand, GetIndexCommand,
  GetVectorBucketCommand, GetVectorBucketPolicyCommand, GetVectorsCommand, ListIndexesCommand, ListTagsForResourceCommand,
  ListVectorBucketsCommand, ListVectorsCommand, PutVectorBucketPolicyCommand, PutVectorsCommand, QueryVectorsCommand, TagResourceCommand,
  type CreateIndexCommandInput, type PutInputVector,
} from "@aws-sdk/client-s3vectors";
import { withLimits } from "@ossv/protocol";
import { S3_VECTORS_LIMITS } from "@ossv/protocol/s3vectors";
import { AWS_REGION, expectS3Error, startS3vServer, uniqueName, type S3vServer } from "./harness.ts";
import { BOTO3_MISSING, clientError, ok, runBoto3 } from "./boto3.ts";
import { assertS3Error, callS3 } from "./signed-request.ts";

let s: S3vServer;
let bucket: string;
let bucketArn: string;
let indexArn: string;
const at = () => ({ vectorBucketName: bucket, indexName: "idx" });

before(async () => {
  s = await startS3vServer();
  bucket = uniqueName("val");
  bucketArn = (await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }))).vectorBucketArn!;
  indexArn = (await s.s3.send(new CreateIndexCommand({
    ...at(), dataType: "float32", dimension: 3, distanceMetric: "cosine", metadataConfiguration: { nonFilterableMetadataKeys: ["body"] },
  }))).indexArn!;
});
after(async () => { await s.stop(); });

/** Expects 400 ValidationException (and the message, when given), naming the case on failure. */
async function invalid(call: Promise<unknown>, label: string, message?: RegExp): Promise<void> {
  const error = await expectS3Error(call, 400, "ValidationException").catch((e: Error) => { throw new Error(`${label}: ${e.message}`); });
  if (message) assert.match(error.message, message, label);
}

const vec = (key: string, float32: number[], metadata?: Record<string, unknown>): PutInputVector =>
  ({ key, data: { float32 }, ...(metadata && { metadata: metadata as PutInputVector["metadata"] }) });

describe("ValidationException", () => {
  test("bucket names outside 3-63 characters of a-z 0-9 - (edges accepted)", async () => {
    for (const name of ["ab", "a".repeat(64), "Upper-case", "under_score", "-lead", "trail-", "dot.ted", "a&b", "ünï"]) {
      await invalid(s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: name })), `bucket ${name}`, /vectorBucketName|[Ii]nvalid vector bucket name/);
    }
    await invalid(s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: "ab" })), "length", /length between 3 and 63/);
    for (const name of ["a0b", `z${"9".repeat(61)}z`]) {
      const created = await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: name }));
      assert.match(created.vectorBucketArn!, new RegExp(`:bucket/${name}$`));
      await s.s3.send(new DeleteVectorBucketCommand({ vectorBucketName: name }));
    }
  });

  test("CreateIndex: names, dataType, dimension, distanceMetric and nonFilterableMetadataKeys", async () => {
    const base: CreateIndexCommandInput = { vectorBucketName: bucket, indexName: "fresh", dataType: "float32", dimension: 3, distanceMetric: "cosine" };
    const cases: Array<[string, Record<string, unknown>, RegExp?]> = [
      ["dataType float16", { dataType: "float16" }, /dataType.*\[float32\]/],
      ["dimension 0", { dimension: 0 }, /between 1 and 4096/],
      ["dimension 4097", { dimension: 4097 }, /between 1 and 4096/],
      ["distanceMetric dot", { distanceMetric: "dot" }, /euclidean, cosine/],
      ["distanceMetric upper case", { distanceMetric: "COSINE" }],
      ["index name of 2", { indexName: "ab" }],
      ["index name of 64", { indexName: "a".repeat(64) }],
      ["index name upper case", { indexName: "Index" }],
      ["index name underscore", { indexName: "my_index" }],
      ["index name leading dot", { indexName: ".idx" }],
      ["no nonFilterableMetadataKeys", { metadataConfiguration: { nonFilterableMetadataKeys: [] } }],
      ["11 nonFilterableMetadataKeys", { metadataConfiguration: { nonFilterableMetadataKeys: Array.from({ length: 11 }, (_, i) => `k${i}`) } }],
      ["a 64-character nonFilterable key", { metadataConfiguration: { nonFilterableMetadataKeys: ["x".repeat(64)] } }],
      ["an empty nonFilterable key", { metadataConfiguration: { nonFilterableMetadataKeys: [""] } }],
      ["no indexName", { indexName: undefined }],
      ["no dimension", { dimension: undefined }],
      ["neither bucket name nor ARN", { vectorBucketName: undefined }],
      ["both bucket name and ARN", { vectorBucketArn: "BUCKET_ARN" }, /either vectorBucketName or vectorBucketArn but not both/],
    ];
    for (const [label, change, message] of cases) {
      const input = { ...base, ...change };
      if (input.vectorBucketArn === "BUCKET_ARN") input.vectorBucketArn = bucketArn;
      await invalid(s.s3.send(new CreateIndexCommand(input)), label, message);
    }
    const edges: Array<Partial<CreateIndexCommandInput>> = [
      { indexName: "a.b", dimension: 1 }, { indexName: `x${"-".repeat(61)}y`, dimension: 4096 },
      { indexName: "ten-keys", metadataConfiguration: { nonFilterableMetadataKeys: Array.from({ length: 10 }, (_, i) => `${i}`.padEnd(63, "k")) } },
    ];
    for (const edge of edges) await s.s3.send(new CreateIndexCommand({ ...base, ...edge }));
    assert.equal((await s.s3.send(new ListIndexesCommand({ vectorBucketName: bucket }))).indexes?.length, 4, "only the valid indexes exist");
  });

  test("index addressing: names or ARN, not both, and ARNs of the right form", async () => {
    await invalid(s.s3.send(new GetIndexCommand({ ...at(), indexArn })), "names and ARN", /either indexArn or both vectorBucketName and indexName/);
    await invalid(s.s3.send(new GetIndexCommand({ vectorBucketName: bucket })), "bucket without index name");
    await invalid(s.s3.send(new GetIndexCommand({ indexName: "idx" })), "index name without bucket");
    await invalid(s.s3.send(new GetIndexCommand({})), "nothing");
    for (const arn of ["not-an-arn", bucketArn, `${bucketArn}/index/`, indexArn.replace("s3vectors", "s3"), indexArn.replace(/:\d{12}:/, ":123:")]) {
      await invalid(s.s3.send(new GetIndexCommand({ indexArn: arn })), `index ARN ${arn}`);
    }
    await invalid(s.s3.send(new GetVectorBucketCommand({ vectorBucketArn: indexArn })), "an index ARN for a bucket");
    await invalid(s.s3.send(new GetVectorBucketCommand({ vectorBucketName: bucket, vectorBucketArn: bucketArn })), "bucket name and ARN", /but not both/);
  });

  test("PutVectors refuses each broken batch whole, and writes nothing", async () => {
    const ok3 = vec("fine", [1, 2, 3]);
    const cases: Array<[string, PutInputVector[], RegExp?]> = [
      ["wrong length", [vec("a", [1, 2])], /Invalid record for key 'a': vector must have length 3, but has length 2/],
      ["all zeros on cosine", [vec("z", [0, 0, 0])]],
      ["NaN (sent as the string \"NaN\")", [vec("n", [1, NaN, 3])]],
      ["Infinity (sent as \"Infinity\")", [vec("i", [Infinity, 1, 1])]],
      ["-Infinity (sent as \"-Infinity\")", [vec("m", [1, 1, -Infinity])]],
      ["beyond float32", [vec("big", [1, 1, 1e39])]],
      ["empty key", [vec("", [1, 2, 3])]],
      ["a 1025-character key", [vec("k".repeat(1025), [1, 2, 3])]],
      ["a key twice in one batch", [vec("twice", [1, 2, 3]), vec("twice", [3, 2, 1])]],
      ["metadata an array", [{ key: "md", data: { float32: [1, 2, 3] }, metadata: [1, 2] }]],
      ["metadata a string", [{ key: "md", data: { float32: [1, 2, 3] }, metadata: "text" }]],
      ["metadata with a nested object", [vec("md", [1, 2, 3], { nested: { no: 1 } })]],
      ["metadata with null", [vec("md", [1, 2, 3], { gone: null })]],
      ["filterable metadata over 2 KB", [vec("md", [1, 2, 3], { genre: "g".repeat(2100) })]],
      ["metadata over 40 KB", [vec("md", [1, 2, 3], { body: "b".repeat(41 * 1024) })]],
      ["no data", [{ key: "nodata" } as PutInputVector]],
      ["no key", [{ data: { float32: [1, 2, 3] } } as PutInputVector]],
      ["no float32", [{ key: "nof", data: {} as { float32: number[] } }]],
      ["501 vectors", Array.from({ length: 501 }, (_, i) => vec(`b${i}`, [1, 2, i + 1]))],
    ];
    for (const [label, vectors, message] of cases) {
      await invalid(s.s3.send(new PutVectorsCommand({ ...at(), vectors: [ok3, ...vectors] })), label, message);
    }
    await invalid(s.s3.send(new PutVectorsCommand({ ...at(), vectors: [] })), "no vectors");
    await invalid(s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, vectors: [ok3] })), "no index name");
    const listed = await s.s3.send(new ListVectorsCommand(at()));
    assert.deepEqual(listed.vectors, [], "a refused batch writes nothing");
    await s.s3.send(new PutVectorsCommand({ ...at(), vectors: Array.from({ length: 500 }, (_, i) => vec(`e${i}`, [1, 2, i + 1])) }));
    await s.s3.send(new PutVectorsCommand({ ...at(), vectors: [vec("k".repeat(1024), [1, 2, 3], { genre: "g".repeat(1900), body: "b".repeat(30 * 1024) })] }));
    await s.s3.send(new DeleteVectorsCommand({ ...at(), keys: Array.from({ length: 500 }, (_, i) => `e${i}`) }));
    await s.s3.send(new DeleteVectorsCommand({ ...at(), keys: ["k".repeat(1024)] }));
  });

  test("GetVectors, DeleteVectors and ListVectors parameters out of range", async () => {
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
    await invalid(s.s3.send(new GetVectorsCommand({ ...at(), keys: [] })), "get 0 keys");
    await invalid(s.s3.send(new GetVectorsCommand({ ...at(), keys: keys(101) })), "get 101 keys");
    await invalid(s.s3.send(new GetVectorsCommand({ ...at(), keys: [""] })), "get an empty key");
    await invalid(s.s3.send(new GetVectorsCommand(at() as never)), "get without keys");
    await invalid(s.s3.send(new DeleteVectorsCommand({ ...at(), keys: [] })), "delete 0 keys");
    await invalid(s.s3.send(new DeleteVectorsCommand({ ...at(), keys: keys(501) })), "delete 501 keys");
    await invalid(s.s3.send(new DeleteVectorsCommand({ ...at(), keys: ["x".repeat(1025)] })), "delete a 1025-character key");
    for (const [label, input] of [
      ["maxResults 0", { maxResults: 0 }], ["maxResults 1001", { maxResults: 1001 }],
      ["segmentCount 0", { segmentCount: 0, segmentIndex: 0 }], ["segmentCount 17", { segmentCount: 17, segmentIndex: 0 }],
      ["segmentIndex = segmentCount", { segmentCount: 2, segmentIndex: 2 }], ["segmentIndex -1", { segmentCount: 2, segmentIndex: -1 }],
      ["segmentIndex alone", { segmentIndex: 0 }], ["segmentCount alone", { segmentCount: 2 }],
      ["empty nextToken", { nextToken: "" }], ["garbage nextToken", { nextToken: "garbage" }],
    ] as const) {
      await invalid(s.s3.send(new ListVectorsCommand({ ...at(), ...input })), `ListVectors ${label}`);
    }
    await invalid(s.s3.send(new ListVectorBucketsCommand({ maxResults: 0 })), "ListVectorBuckets maxResults 0");
    await invalid(s.s3.send(new ListVectorBucketsCommand({ maxResults: 501 })), "ListVectorBuckets maxResults 501");
    await invalid(s.s3.send(new ListVectorBucketsCommand({ nextToken: "forged" })), "ListVectorBuckets forged token");
    await invalid(s.s3.send(new ListIndexesCommand({ vectorBucketName: bucket, maxResults: 501 })), "ListIndexes maxResults 501");
    await invalid(s.s3.send(new ListIndexesCommand({ vectorBucketName: bucket, prefix: "x".repeat(64) })), "ListIndexes prefix of 64");
    assert.equal((await s.s3.send(new ListVectorBucketsCommand({ maxResults: 500 }))).$metadata.httpStatusCode, 200);
    assert.equal((await s.s3.send(new ListVectorsCommand({ ...at(), maxResults: 1000, segmentCount: 16, segmentIndex: 15 }))).$metadata.httpStatusCode, 200);
  });

  test("QueryVectors: topK, the query vector and the filter", async () => {
    const q = { ...at(), queryVector: { float32: [1, 0, 0] }, topK: 3 };
    const cases: Array<[string, Record<string, unknown>]> = [
      ["topK 0", { topK: 0 }], ["topK -1", { topK: -1 }], ["topK 10001", { topK: 10_001 }], ["no topK", { topK: undefined }],
      ["a 2-value query vector", { queryVector: { float32: [1, 0] } }], ["a NaN query", { queryVector: { float32: [NaN, 0, 1] } }],
      ["an Infinity query", { queryVector: { float32: [Infinity, 0, 1] } }], ["a zero query on cosine", { queryVector: { float32: [0, 0, 0] } }],
      ["no query vector", { queryVector: undefined }],
      ["a filter on a non-filterable key", { filter: { body: "x" } }],
      ["a non-filterable key deep in the filter", { filter: { $or: [{ genre: "a" }, { $and: [{ body: { $exists: true } }] }] } }],
      ["an unknown operator", { filter: { genre: { $regex: "a.*" } } }],
      ["an empty $and", { filter: { $and: [] } }],
      ["an empty $in", { filter: { genre: { $in: [] } } }],
      ["$in of a non-array", { filter: { genre: { $in: "a" } } }],
      ["$gt of a string", { filter: { year: { $gt: "2020" } } }],
      ["$exists of a string", { filter: { year: { $exists: "yes" } } }],
      ["a filter that is a string", { filter: "genre = a" }],
      ["a filter that is an array", { filter: [{ genre: "a" }] }],
      ["$and of a non-array", { filter: { $and: { genre: "a" } } }],
      ["over 100 constraints", { filter: { genre: { $in: Array.from({ length: 101 }, (_, i) => `g${i}`) } } }],
    ];
    for (const [label, change] of cases) await invalid(s.s3.send(new QueryVectorsCommand({ ...q, ...change })), `query ${label}`);
    assert.equal((await s.s3.send(new QueryVectorsCommand({ ...q, topK: 10_000, filter: { genre: { $in: Array.from({ length: 100 }, (_, i) => `g${i}`) } } }))).$metadata.httpStatusCode, 200);
  });

  test("policies and tags are checked", async () => {
    for (const policy of ["not json", "[]", '{"Version":"2012-10-17"}', '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3vectors:*","Resource":"*"}]}']) {
      await invalid(s.s3.send(new PutVectorBucketPolicyCommand({ vectorBucketName: bucket, policy })), `policy ${policy}`);
    }
    await invalid(s.s3.send(new PutVectorBucketPolicyCommand({ vectorBucketName: bucket } as never)), "no policy");
    await expectS3Error(s.s3.send(new GetVectorBucketPolicyCommand({ vectorBucketName: bucket })), 404, "NotFoundException");
    const fiftyOne = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"]));
    for (const [label, tags] of [
      ["51 tags", fiftyOne], ["a 129-character key", { ["k".repeat(129)]: "v" }], ["a 257-character value", { k: "v".repeat(257) }],
      ["an empty key", { "": "v" }], ["a key with &", { "a&b": "v" }], ["an aws: key", { "aws:owner": "me" }],
    ] as const) {
      await invalid(s.s3.send(new TagResourceCommand({ resourceArn: bucketArn, tags })), `tags ${label}`);
    }
    await invalid(s.s3.send(new TagResourceCommand({ resourceArn: "not-an-arn", tags: { k: "v" } })), "tags on a non-ARN");
    await invalid(s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: uniqueName("tagged"), tags: fiftyOne })), "create with 51 tags");
    assert.deepEqual((await s.s3.send(new ListTagsForResourceCommand({ resourceArn: bucketArn }))).tags, {}, "refused tags are not kept");
    await s.s3.send(new TagResourceCommand({ resourceArn: bucketArn, tags: Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`t${i}`.padEnd(128, "-"), "v".repeat(256)])) }));
  });

  test("index modes: an unknown mode, and CLASSIC for a new bucket (raw: newer than the SDKs)", async () => {
    assertS3Error(await callS3(s.endpoint, s.root, "PutVectorBucketDefaultIndexMode", { vectorBucketName: bucket, defaultIndexMode: "TURBO" }), 400, "ValidationException");
    assertS3Error(await callS3(s.endpoint, s.root, "PutVectorBucketDefaultIndexMode", { vectorBucketName: bucket }), 400, "ValidationException");
    assertS3Error(await callS3(s.endpoint, s.root, "UpdateIndexMode", { indexArn }), 400, "ValidationException");
    assertS3Error(await callS3(s.endpoint, s.root, "QueryVectors", { indexArn, topK: 1, queryVector: { float32: [1, 0, 0] }, queryMode: "FAST" }), 400, "ValidationException");
  });
});

describe("NotFoundException, ConflictException", () => {
  test("missing buckets, indexes, policies and tagged resources are 404 with AWS's messages", async () => {
    const missing = uniqueName("missing");
    const cases: Array<[string, () => Promise<unknown>, string?]> = [
      ["GetVectorBucket", () => s.s3.send(new GetVectorBucketCommand({ vectorBucketName: missing })), "The specified vector bucket could not be found"],
      ["DeleteVectorBucket", () => s.s3.send(new DeleteVectorBucketCommand({ vectorBucketName: missing })), "The specified vector bucket could not be found"],
      ["ListIndexes", () => s.s3.send(new ListIndexesCommand({ vectorBucketName: missing })), "The specified vector bucket could not be found"],
      ["GetVectorBucketPolicy of a missing bucket", () => s.s3.send(new GetVectorBucketPolicyCommand({ vectorBucketName: missing })), "The specified vector bucket could not be found"],
      ["GetVectorBucketPolicy without a policy", () => s.s3.send(new GetVectorBucketPolicyCommand({ vectorBucketName: bucket })), "The specified vector bucket policy could not be found"],
      ["GetIndex in a missing bucket", () => s.s3.send(new GetIndexCommand({ vectorBucketName: missing, indexName: "idx" })), "The specified index could not be found"],
      ["GetIndex", () => s.s3.send(new GetIndexCommand({ vectorBucketName: bucket, indexName: "nope" })), "The specified index could not be found"],
      ["DeleteIndex", () => s.s3.send(new DeleteIndexCommand({ vectorBucketName: bucket, indexName: "nope" }))],
      ["CreateIndex in a missing bucket", () => s.s3.send(new CreateIndexCommand({ vectorBucketName: missing, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "cosine" }))],
      ["PutVectors", () => s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName: "nope", vectors: [vec("a", [1, 2, 3])] }))],
      ["GetVectors", () => s.s3.send(new GetVectorsCommand({ indexArn: `${bucketArn}/index/nope`, keys: ["a"] }))],
      ["ListVectors", () => s.s3.send(new ListVectorsCommand({ vectorBucketName: missing, indexName: "idx" }))],
      ["QueryVectors", () => s.s3.send(new QueryVectorsCommand({ vectorBucketName: bucket, indexName: "nope", topK: 1, queryVector: { float32: [1, 2, 3] } }))],
      ["DeleteVectors", () => s.s3.send(new DeleteVectorsCommand({ vectorBucketName: bucket, indexName: "nope", keys: ["a"] }))],
      ["ListTagsForResource", () => s.s3.send(new ListTagsForResourceCommand({ resourceArn: `${bucketArn}-gone` }))],
      ["TagResource", () => s.s3.send(new TagResourceCommand({ resourceArn: `${bucketArn}/index/gone`, tags: { k: "v" } }))],
    ];
    for (const [label, call, message] of cases) {
      const error = await expectS3Error(call(), 404, "NotFoundException").catch((e: Error) => { throw new Error(`${label}: ${e.message}`); });
      if (message) assert.equal(error.message, message, label);
    }
  });

  test("duplicate names and non-empty buckets are 409 ConflictException", async () => {
    const error = await expectS3Error(s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket })), 409, "ConflictException");
    assert.equal(error.message, "A vector bucket with the specified name already exists");
    await expectS3Error(s.s3.send(new CreateIndexCommand({ ...at(), dataType: "float32", dimension: 3, distanceMetric: "cosine" })), 409, "ConflictException");
    await expectS3Error(s.s3.send(new CreateIndexCommand({ ...at(), dataType: "float32", dimension: 7, distanceMetric: "euclidean" })), 409, "ConflictException");
    await expectS3Error(s.s3.send(new DeleteVectorBucketCommand({ vectorBucketArn: bucketArn })), 409, "ConflictException");
    assert.equal((await s.s3.send(new GetIndexCommand({ indexArn }))).index?.dimension, 3, "the first index is untouched");
  });
});

describe("ServiceQuotaExceededException", () => {
  test("past the bucket and index quotas is 402, and the quota's own edge is accepted", async () => {
    const small = await startS3vServer({ s3Limits: withLimits({ maxBucketsPerRegion: 2, maxIndexesPerBucket: 2 }, S3_VECTORS_LIMITS) });
    try {
      for (const name of ["quota-a", "quota-b"]) await small.s3.send(new CreateVectorBucketCommand({ vectorBucketName: name }));
      await expectS3Error(small.s3.send(new CreateVectorBucketCommand({ vectorBucketName: "quota-c" })), 402, "ServiceQuotaExceededException");
      const index = { vectorBucketName: "quota-a", dataType: "float32" as const, dimension: 2, distanceMetric: "cosine" as const };
      for (const indexName of ["one", "two"]) await small.s3.send(new CreateIndexCommand({ ...index, indexName }));
      await expectS3Error(small.s3.send(new CreateIndexCommand({ ...index, indexName: "three" })), 402, "ServiceQuotaExceededException");
      assert.equal((await small.s3.send(new ListVectorBucketsCommand({}))).vectorBuckets?.length, 2);
      assert.equal((await small.s3.send(new ListIndexesCommand({ vectorBucketName: "quota-a" }))).indexes?.length, 2);
    } finally {
      await small.stop();
    }
  });
});

describe("boto3 sees the server-side errors", { skip: BOTO3_MISSING }, () => {
  test("dimension mismatch, missing index, duplicate bucket and NaN as ClientError", async () => {
    const [mismatch, missing, duplicate, nan, stillEmpty] = await runBoto3(s.endpoint, AWS_REGION, s.root, [
      { op: "PutVectors", params: { ...at(), vectors: [{ key: "a", data: { float32: [1, 2] } }] } },
      { op: "GetIndex", params: { vectorBucketName: bucket, indexName: "nope" } },
      { op: "CreateVectorBucket", params: { vectorBucketName: bucket } },
      { op: "PutVectors", params: { ...at(), vectors: [{ key: "n", data: { float32: [1, { __float__: "NaN" }, 2] } }] } },
      { op: "GetVectors", params: { ...at(), keys: ["a", "n"] } },
    ]);
    assert.match(clientError(mismatch, 400, "ValidationException"), /vector must have length 3, but has length 2/);
    assert.equal(clientError(missing, 404, "NotFoundException"), "The specified index could not be found");
    clientError(duplicate, 409, "ConflictException");
    clientError(nan, 400, "ValidationException");
    assert.deepEqual(ok(stillEmpty).vectors, []);
  });
});
