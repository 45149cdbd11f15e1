// S3 Vectors authorisation through the shared policy engine (identity, bucket and session policies
// with s3vectors: actions and AWS ARNs, including the GetVectors permission that reading metadata or
// data implies), and the one data model: what one API writes the other reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { awsAccountId } from "@ossv/protocol/s3vectors";
import { startInProcess, type InProcessResponse, type InProcessServer } from "../testing/in-process.ts";
import { callS3v } from "../testing/s3v-requests.ts";
import { newAccessKey, newAccountId } from "../accounts.ts";

async function withServer(run: (server: InProcessServer) => Promise<void>): Promise<void> {
  const server = await startInProcess();
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

function ok(response: InProcessResponse): Record<string, unknown> {
  assert.equal(response.status, 200, response.text);
  return response.json() as Record<string, unknown>;
}

function denied(response: InProcessResponse): void {
  assert.equal(response.status, 403, response.text);
  assert.equal(response.headers["x-amzn-errortype"], "AccessDeniedException");
}

const awsPolicy = (...Statement: object[]) => ({ Version: "2012-10-17", Statement });

async function bucketWithIndex(server: InProcessServer): Promise<{ bucketArn: string; indexArn: string }> {
  const bucketArn = ok(await callS3v(server, "CreateVectorBucket", { vectorBucketName: "shared" }))["vectorBucketArn"] as string;
  const indexArn = ok(await callS3v(server, "CreateIndex", { vectorBucketName: "shared", indexName: "docs", dataType: "float32", dimension: 2, distanceMetric: "cosine" }))["indexArn"] as string;
  ok(await callS3v(server, "PutVectors", { indexArn, vectors: [{ key: "a", data: { float32: [1, 0] }, metadata: { kind: "x" } }] }));
  return { bucketArn, indexArn };
}

test("QueryVectors with a filter or metadata, and ListVectors with data or metadata, also need GetVectors", () => withServer(async (server) => {
  const { indexArn } = await bucketWithIndex(server);
  const reader = await server.addUser("reader", { read: awsPolicy({ Effect: "Allow", Action: ["s3vectors:QueryVectors", "s3vectors:ListVectors"], Resource: indexArn }) });
  const query = { indexArn, topK: 1, queryVector: { float32: [1, 0] } };
  ok(await callS3v(server, "QueryVectors", { ...query, returnDistance: true }, reader));
  denied(await callS3v(server, "QueryVectors", { ...query, filter: { kind: "x" } }, reader));
  denied(await callS3v(server, "QueryVectors", { ...query, returnMetadata: true }, reader));
  ok(await callS3v(server, "ListVectors", { indexArn }, reader));
  denied(await callS3v(server, "ListVectors", { indexArn, returnData: true }, reader));
  denied(await callS3v(server, "ListVectors", { indexArn, returnMetadata: true }, reader));
  denied(await callS3v(server, "GetIndex", { indexArn }, reader));
  await server.engine.catalog.putUserPolicy(server.accountId, "reader", "get", JSON.stringify(awsPolicy({ Effect: "Allow", Action: "s3vectors:GetVectors", Resource: "arn:aws:s3vectors:*:*:bucket/shared/index/*" })));
  const hits = ok(await callS3v(server, "QueryVectors", { ...query, filter: { kind: "x" }, returnMetadata: true }, reader));
  assert.deepEqual(hits["vectors"], [{ key: "a", metadata: { kind: "x" } }]);
  ok(await callS3v(server, "ListVectors", { indexArn, returnData: true }, reader));
}));

test("tags at creation need TagResource; an explicit Deny wins over an Allow; ListVectorBuckets needs Resource *", () => withServer(async (server) => {
  const creator = await server.addUser("creator", { make: awsPolicy({ Effect: "Allow", Action: "s3vectors:CreateVectorBucket", Resource: "*" }) });
  denied(await callS3v(server, "CreateVectorBucket", { vectorBucketName: "tagged-one", tags: { a: "b" } }, creator));
  ok(await callS3v(server, "CreateVectorBucket", { vectorBucketName: "untagged-one" }, creator));
  const scoped = await server.addUser("scoped", { list: awsPolicy({ Effect: "Allow", Action: "s3vectors:ListVectorBuckets", Resource: "arn:aws:s3vectors:*:*:bucket/*" }) });
  denied(await callS3v(server, "ListVectorBuckets", {}, scoped));
  const all = await server.addUser("all-but", {
    all: awsPolicy({ Effect: "Allow", Action: "s3vectors:*", Resource: "*" }, { Effect: "Deny", Action: "s3vectors:DeleteVectorBucket", Resource: "*" }),
  });
  ok(await callS3v(server, "ListVectorBuckets", {}, all));
  denied(await callS3v(server, "DeleteVectorBucket", { vectorBucketName: "untagged-one" }, all));
}));

test("a bucket policy in the AWS form lets another account in, by ARN, for what it names only", () => withServer(async (server) => {
  const { bucketArn, indexArn } = await bucketWithIndex(server);
  const otherAccount = newAccountId();
  await server.engine.catalog.createAccount(otherAccount);
  const key = newAccessKey();
  await server.engine.catalog.putAccessKey({ ...key, accessKeySecret: server.secrets.seal(key.accessKeySecret), accountId: otherAccount, status: "active", createdAt: new Date().toISOString() });
  denied(await callS3v(server, "GetIndex", { indexArn }, key));
  const policy = awsPolicy({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${awsAccountId(otherAccount)}:root` }, Action: ["s3vectors:GetIndex", "s3vectors:QueryVectors"], Resource: `${bucketArn}/index/*` });
  ok(await callS3v(server, "PutVectorBucketPolicy", { vectorBucketArn: bucketArn, policy: JSON.stringify(policy) }));
  assert.equal((ok(await callS3v(server, "GetIndex", { indexArn }, key))["index"] as { indexName: string }).indexName, "docs");
  ok(await callS3v(server, "QueryVectors", { indexArn, topK: 1, queryVector: { float32: [1, 0] } }, key));
  denied(await callS3v(server, "QueryVectors", { indexArn, topK: 1, queryVector: { float32: [1, 0] }, returnMetadata: true }, key));
  denied(await callS3v(server, "DeleteIndex", { indexArn }, key));
  // By name, an index means the caller's own account: the other account has no bucket "shared".
  const byName = await callS3v(server, "GetIndex", { vectorBucketName: "shared", indexName: "docs" }, key);
  assert.equal(byName.status, 404, byName.text);
}));

test("index modes: ENHANCED by default, bucket default and per-index update, CLASSIC queryMode refused on ENHANCED", () => withServer(async (server) => {
  const { indexArn } = await bucketWithIndex(server);
  assert.equal((ok(await callS3v(server, "GetVectorBucket", { vectorBucketName: "shared" }))["vectorBucket"] as { defaultIndexMode: string }).defaultIndexMode, "ENHANCED");
  assert.equal((ok(await callS3v(server, "GetIndex", { indexArn }))["index"] as { indexMode: string }).indexMode, "ENHANCED");
  const query = { indexArn, topK: 1, queryVector: { float32: [1, 0] } };
  const classic = await callS3v(server, "QueryVectors", { ...query, queryMode: "CLASSIC" });
  assert.equal(classic.status, 400, classic.text);
  ok(await callS3v(server, "PutVectorBucketDefaultIndexMode", { vectorBucketName: "shared", defaultIndexMode: "CLASSIC" }));
  const second = ok(await callS3v(server, "CreateIndex", { vectorBucketName: "shared", indexName: "old-style", dataType: "float32", dimension: 2, distanceMetric: "cosine" }))["indexArn"];
  assert.equal((ok(await callS3v(server, "GetIndex", { indexArn: second }))["index"] as { indexMode: string }).indexMode, "CLASSIC");
  assert.equal((ok(await callS3v(server, "GetIndex", { indexArn }))["index"] as { indexMode: string }).indexMode, "ENHANCED");
  ok(await callS3v(server, "QueryVectors", { indexArn: second, topK: 1, queryVector: { float32: [1, 0] }, queryMode: "ENHANCED" }));
  ok(await callS3v(server, "UpdateIndexMode", { indexArn: second, indexMode: "ENHANCED" }));
  assert.equal((ok(await callS3v(server, "GetIndex", { indexArn: second }))["index"] as { indexMode: string }).indexMode, "ENHANCED");
  // $startsWith is ENHANCED's: refused on a CLASSIC index unless the query asks for ENHANCED.
  ok(await callS3v(server, "PutVectors", { indexArn: second, vectors: [{ key: "p1", data: { float32: [1, 0] }, metadata: { path: "/marketing/a" } }, { key: "p2", data: { float32: [1, 0] }, metadata: { path: "/sales/b" } }] }));
  ok(await callS3v(server, "UpdateIndexMode", { indexArn: second, indexMode: "CLASSIC" }));
  const prefixQuery = { indexArn: second, topK: 5, queryVector: { float32: [1, 0] }, filter: { path: { $startsWith: "/marketing/" } } };
  const refusedPrefix = await callS3v(server, "QueryVectors", prefixQuery);
  assert.equal(refusedPrefix.status, 400, refusedPrefix.text);
  assert.match((refusedPrefix.json() as { fieldList: Array<{ path: string }> }).fieldList[0]!.path, /^\/filter/);
  assert.deepEqual(ok(await callS3v(server, "QueryVectors", { ...prefixQuery, queryMode: "ENHANCED" }))["vectors"], [{ key: "p1" }]);
  const bad = await callS3v(server, "UpdateIndexMode", { indexArn: second, indexMode: "FAST" });
  assert.equal(bad.status, 400, bad.text);
}));

test("one data model: a bucket written through the OSS API is read through S3 Vectors, and the other way round", () => withServer(async (server) => {
  const oss = (method: string, bucket: string, query: string, body?: object) => server.send({ method, bucket, query, credentials: server.root, ...(body && { body: JSON.stringify(body) }) });
  assert.equal((await oss("PUT", "oss-made", "")).status, 200);
  assert.equal((await oss("POST", "oss-made", "putVectorIndex", { indexName: "ossIndex", dataType: "float32", dimension: 2, distanceMetric: "euclidean" })).status, 200);
  assert.equal((await oss("POST", "oss-made", "putVectors", { indexName: "ossIndex", vectors: [{ key: "v1", data: { float32: [1, 2] }, metadata: { lang: "en" } }] })).status, 200);
  const buckets = ok(await callS3v(server, "ListVectorBuckets"))["vectorBuckets"] as Array<{ vectorBucketName: string }>;
  assert.deepEqual(buckets.map((b) => b.vectorBucketName), ["oss-made"]);
  const index = ok(await callS3v(server, "GetIndex", { vectorBucketName: "oss-made", indexName: "ossIndex" }))["index"] as Record<string, unknown>;
  assert.equal(index["indexMode"], "ENHANCED");
  assert.equal(index["metadataConfiguration"], undefined);
  const got = ok(await callS3v(server, "GetVectors", { indexArn: index["indexArn"], keys: ["v1"], returnData: true, returnMetadata: true }));
  assert.deepEqual(got["vectors"], [{ key: "v1", data: { float32: [1, 2] }, metadata: { lang: "en" } }]);

  ok(await callS3v(server, "CreateVectorBucket", { vectorBucketName: "s3-made", tags: { team: "a" } }));
  ok(await callS3v(server, "CreateIndex", { vectorBucketName: "s3-made", indexName: "s3idx", dataType: "float32", dimension: 2, distanceMetric: "cosine", metadataConfiguration: { nonFilterableMetadataKeys: ["body"] } }));
  ok(await callS3v(server, "PutVectors", { vectorBucketName: "s3-made", indexName: "s3idx", vectors: [{ key: "w1", data: { float32: [0, 1] }, metadata: { body: "long text", lang: "de" } }] }));
  const info = await oss("GET", "s3-made", "bucketInfo");
  assert.equal(info.status, 200, info.text);
  const ossIndex = await oss("POST", "s3-made", "getVectorIndex", { indexName: "s3idx" });
  assert.deepEqual((ossIndex.json() as { index: { metadata: unknown } }).index.metadata, { nonFilterableMetadataKeys: ["body"] });
  const hits = await oss("POST", "s3-made", "queryVectors", { indexName: "s3idx", topK: 1, queryVector: { float32: [0, 1] }, filter: { lang: "de" }, returnMetadata: true });
  assert.deepEqual((hits.json() as { vectors: unknown }).vectors, [{ key: "w1", metadata: { body: "long text", lang: "de" } }]);
  // Deleted through one API, gone in the other.
  assert.equal((await oss("POST", "s3-made", "deleteVectors", { indexName: "s3idx", keys: ["w1"] })).status, 204);
  assert.deepEqual(ok(await callS3v(server, "GetVectors", { vectorBucketName: "s3-made", indexName: "s3idx", keys: ["w1"] }))["vectors"], []);
}));
