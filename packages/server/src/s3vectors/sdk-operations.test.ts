// The S3 Vectors operations through the unmodified JS SDK against a real server on port 0: each
// operation's success shape, its validation, name-vs-ARN addressing and pagination.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateIndexCommand, CreateVectorBucketCommand, DeleteIndexCommand, DeleteVectorBucketCommand, DeleteVectorBucketPolicyCommand,
  DeleteVectorsCommand, GetIndexCommand, GetVectorBucketCommand, GetVectorBucketPolicyCommand, GetVectorsCommand, ListIndexesCommand,
  ListTagsForResourceCommand, ListVectorBucketsCommand, ListVectorsCommand, PutVectorBucketPolicyCommand, PutVectorsCommand,
  QueryVectorsCommand, S3VectorsClient, TagResourceCommand, UntagResourceCommand, type S3VectorsServiceException,
} from "@aws-sdk/client-s3vectors";
import { startServer, type RunningServer } from "../server.ts";

let server: RunningServer;
let dataDir: string;
let client: S3VectorsClient;

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-s3v-sdk-"));
  // Small list pages, so paging shows with a few vectors.
  server = await startServer({ dataDir, port: 0, maxListResponseBytes: 300, onInternalError: (error) => { throw error; } });
  client = new S3VectorsClient({
    endpoint: server.url, region: "us-east-1", maxAttempts: 1,
    credentials: { accessKeyId: server.rootCredentials.accessKeyId, secretAccessKey: server.rootCredentials.accessKeySecret },
  });
});

after(async () => {
  client.destroy();
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function refused(promise: Promise<unknown>, name: string, status: number, message?: RegExp): Promise<S3VectorsServiceException> {
  try {
    await promise;
  } catch (error) {
    const e = error as S3VectorsServiceException;
    assert.equal(e.name, name, e.message);
    assert.equal(e.$metadata.httpStatusCode, status);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected ${name}`);
}

test("buckets: create, get by name and ARN, list with prefix and pages, delete", async () => {
  const names = ["page-a", "page-b", "page-c", "other-1"];
  const arns = [];
  for (const name of names) arns.push((await client.send(new CreateVectorBucketCommand({ vectorBucketName: name }))).vectorBucketArn!);
  assert.match(arns[0]!, /^arn:aws:s3vectors:us-east-1:\d{12}:bucket\/page-a$/);
  const byName = await client.send(new GetVectorBucketCommand({ vectorBucketName: "page-a" }));
  const byArn = await client.send(new GetVectorBucketCommand({ vectorBucketArn: arns[0] }));
  assert.deepEqual(byName.vectorBucket, byArn.vectorBucket);
  assert.equal(byName.vectorBucket?.vectorBucketArn, arns[0]);
  assert.deepEqual(byName.vectorBucket?.encryptionConfiguration, { sseType: "AES256" });
  assert.ok(byName.vectorBucket?.creationTime instanceof Date);
  const seen: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListVectorBucketsCommand({ prefix: "page-", maxResults: 2, nextToken: token }));
    assert.ok(page.vectorBuckets!.length <= 2);
    seen.push(...page.vectorBuckets!.map((b) => b.vectorBucketName!));
    token = page.nextToken;
  } while (token);
  assert.deepEqual(seen, ["page-a", "page-b", "page-c"]);
  await refused(client.send(new CreateVectorBucketCommand({ vectorBucketName: "page-a" })), "ConflictException", 409, /already exists/);
  await refused(client.send(new CreateVectorBucketCommand({ vectorBucketName: "Bad_Name" })), "ValidationException", 400, /^Invalid vector bucket name$/);
  await refused(client.send(new CreateVectorBucketCommand({ vectorBucketName: "ab" })), "ValidationException", 400, /length 2 at '\/vectorBucketName'/);
  await refused(client.send(new GetVectorBucketCommand({ vectorBucketName: "page-a", vectorBucketArn: arns[0] })), "ValidationException", 400, /^Must specify either vectorBucketName or vectorBucketArn but not both$/);
  await refused(client.send(new GetVectorBucketCommand({})), "ValidationException", 400);
  for (const name of names) await client.send(new DeleteVectorBucketCommand({ vectorBucketName: name }));
  await refused(client.send(new GetVectorBucketCommand({ vectorBucketName: "page-a" })), "NotFoundException", 404, /^The specified vector bucket could not be found$/);
});

test("bucket policies: put (AWS form), get the same string, delete, 404 when none", async () => {
  const { vectorBucketArn } = await client.send(new CreateVectorBucketCommand({ vectorBucketName: "with-policy" }));
  await refused(client.send(new GetVectorBucketPolicyCommand({ vectorBucketName: "with-policy" })), "NotFoundException", 404, /policy could not be found/);
  const policy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "s3vectors:GetVectors", Resource: `${vectorBucketArn}/index/*` }],
  }, null, 1);
  await client.send(new PutVectorBucketPolicyCommand({ vectorBucketArn, policy }));
  assert.equal((await client.send(new GetVectorBucketPolicyCommand({ vectorBucketName: "with-policy" }))).policy, policy);
  await refused(client.send(new PutVectorBucketPolicyCommand({ vectorBucketArn, policy: "{nope" })), "ValidationException", 400, /not valid JSON/);
  await client.send(new DeleteVectorBucketPolicyCommand({ vectorBucketName: "with-policy" }));
  await client.send(new DeleteVectorBucketPolicyCommand({ vectorBucketName: "with-policy" }));
  await refused(client.send(new GetVectorBucketPolicyCommand({ vectorBucketName: "with-policy" })), "NotFoundException", 404);
  await client.send(new DeleteVectorBucketCommand({ vectorBucketName: "with-policy" }));
});

test("indexes: create, get by name pair and by ARN, list, delete; the service's validation messages", async () => {
  await client.send(new CreateVectorBucketCommand({ vectorBucketName: "idx-bucket" }));
  const spec = { vectorBucketName: "idx-bucket", dataType: "float32" as const, dimension: 3, distanceMetric: "cosine" as const };
  const { indexArn } = await client.send(new CreateIndexCommand({ ...spec, indexName: "movies", metadataConfiguration: { nonFilterableMetadataKeys: ["synopsis"] } }));
  await client.send(new CreateIndexCommand({ ...spec, indexName: "music.v2" }));
  assert.match(indexArn!, /:bucket\/idx-bucket\/index\/movies$/);
  const byArn = await client.send(new GetIndexCommand({ indexArn }));
  const byName = await client.send(new GetIndexCommand({ vectorBucketName: "idx-bucket", indexName: "movies" }));
  assert.deepEqual(byArn.index, byName.index);
  assert.equal(byArn.index?.dimension, 3);
  assert.deepEqual(byArn.index?.metadataConfiguration, { nonFilterableMetadataKeys: ["synopsis"] });
  await refused(client.send(new GetIndexCommand({ indexArn, indexName: "movies" })), "ValidationException", 400, /^Must specify either indexArn or both vectorBucketName and indexName$/);
  await refused(client.send(new GetIndexCommand({ vectorBucketName: "idx-bucket" })), "ValidationException", 400, /^Must specify either indexArn/);
  await refused(client.send(new GetIndexCommand({ vectorBucketName: "no-such-bucket", indexName: "movies" })), "NotFoundException", 404, /^The specified index could not be found$/);
  await refused(client.send(new CreateIndexCommand({ ...spec, indexName: "movies" })), "ConflictException", 409);
  await refused(client.send(new CreateIndexCommand({ ...spec, indexName: "x12", dimension: 4097 })), "ValidationException", 400, /'\/dimension' failed to satisfy constraint: Member must be between 1 and 4096, inclusive/);
  await refused(client.send(new CreateIndexCommand({ ...spec, indexName: "x12", distanceMetric: "dot" as "cosine" })), "ValidationException", 400, /enum value set: \[euclidean, cosine\]/);
  await refused(client.send(new CreateIndexCommand({ ...spec, indexName: "x12", dataType: "float16" as "float32" })), "ValidationException", 400, /enum value set: \[float32\]/);
  await refused(client.send(new CreateIndexCommand({ ...spec, indexName: "Upper" })), "ValidationException", 400, /Invalid index name/);
  await refused(client.send(new CreateIndexCommand({ ...spec, vectorBucketName: "no-such-bucket", indexName: "x12" })), "NotFoundException", 404, /vector bucket could not be found/);
  const listed = await client.send(new ListIndexesCommand({ vectorBucketName: "idx-bucket", maxResults: 1 }));
  assert.deepEqual(listed.indexes!.map((i) => i.indexName), ["movies"]);
  const rest = await client.send(new ListIndexesCommand({ vectorBucketName: "idx-bucket", nextToken: listed.nextToken }));
  assert.deepEqual(rest.indexes!.map((i) => i.indexName), ["music.v2"]);
  assert.equal(rest.nextToken, undefined);
  await refused(client.send(new ListIndexesCommand({ vectorBucketName: "no-such-bucket" })), "NotFoundException", 404, /vector bucket could not be found/);
  await refused(client.send(new DeleteVectorBucketCommand({ vectorBucketName: "idx-bucket" })), "ConflictException", 409, /not empty/);
  await client.send(new DeleteIndexCommand({ indexArn }));
  await client.send(new DeleteIndexCommand({ vectorBucketName: "idx-bucket", indexName: "music.v2" }));
  await refused(client.send(new DeleteIndexCommand({ indexArn })), "NotFoundException", 404);
  await client.send(new DeleteVectorBucketCommand({ vectorBucketName: "idx-bucket" }));
});

test("vectors: put, get, list in segments and pages, query with filter and pages, delete", async () => {
  await client.send(new CreateVectorBucketCommand({ vectorBucketName: "vec-bucket" }));
  const { indexArn } = await client.send(new CreateIndexCommand({
    vectorBucketName: "vec-bucket", indexName: "items", dataType: "float32", dimension: 2, distanceMetric: "euclidean",
    metadataConfiguration: { nonFilterableMetadataKeys: ["note"] },
  }));
  const vectors = Array.from({ length: 40 }, (_, i) => ({ key: `k${String(i).padStart(2, "0")}`, data: { float32: [i, 0] }, metadata: { even: i % 2 === 0, n: i, note: "x" } }));
  await client.send(new PutVectorsCommand({ indexArn, vectors }));
  await refused(client.send(new PutVectorsCommand({ indexArn, vectors: [{ key: "bad", data: { float32: [1, 2, 3] } }] })), "ValidationException", 400, /^Invalid record for key 'bad': vector must have length 2, but has length 3$/);
  await refused(client.send(new PutVectorsCommand({ indexArn, vectors: [{ key: "nan", data: { float32: [Number.NaN, 1] } }] })), "ValidationException", 400);
  await refused(client.send(new PutVectorsCommand({ indexArn, vectors: [{ key: "twice", data: { float32: [1, 1] } }, { key: "twice", data: { float32: [2, 2] } }] })), "ValidationException", 400, /appears twice/);
  await refused(client.send(new PutVectorsCommand({ indexArn, vectors: [{ key: "m", data: { float32: [1, 1] }, metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, i])) }] })), "ValidationException", 400, /at most 50/);
  const got = await client.send(new GetVectorsCommand({ indexArn, keys: ["k03", "missing", "k01"], returnData: true, returnMetadata: true }));
  assert.deepEqual(got.vectors, [{ key: "k03", data: { float32: [3, 0] }, metadata: { even: false, n: 3, note: "x" } }, { key: "k01", data: { float32: [1, 0] }, metadata: { even: false, n: 1, note: "x" } }]);
  // Every key exactly once across 3 segments, each read in small pages.
  const listed: string[] = [];
  for (let segmentIndex = 0; segmentIndex < 3; segmentIndex++) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(new ListVectorsCommand({ indexArn, segmentCount: 3, segmentIndex, maxResults: 7, nextToken }));
      assert.ok(page.vectors!.length <= 7);
      listed.push(...page.vectors!.map((v) => v.key!));
      nextToken = page.nextToken;
    } while (nextToken);
  }
  assert.deepEqual(listed.sort(), vectors.map((v) => v.key));
  await refused(client.send(new ListVectorsCommand({ indexArn, segmentCount: 2, segmentIndex: 2 })), "ValidationException", 400, /segmentIndex must be less than segmentCount/);
  await refused(client.send(new ListVectorsCommand({ indexArn, segmentCount: 2 })), "ValidationException", 400);
  // topK 15 of the even vectors nearest [0, 0]: pages of a few hits (300-byte pages) add up to exactly them.
  const hits: Array<{ key?: string; distance?: number }> = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    const page = await client.send(new QueryVectorsCommand({ indexArn, topK: 15, queryVector: { float32: [0, 0] }, filter: { even: true }, returnDistance: true, nextToken }));
    assert.equal(page.distanceMetric, "euclidean");
    hits.push(...page.vectors!);
    nextToken = page.nextToken;
    pages++;
  } while (nextToken);
  assert.ok(pages > 1, `${pages} pages`);
  assert.deepEqual(hits.map((h) => h.key), Array.from({ length: 15 }, (_, i) => `k${String(i * 2).padStart(2, "0")}`));
  assert.deepEqual(hits.map((h) => h.distance), Array.from({ length: 15 }, (_, i) => i * 2));
  await refused(client.send(new QueryVectorsCommand({ indexArn, topK: 15, queryVector: { float32: [1, 0] }, nextToken: "bogus" })), "ValidationException", 400, /nextToken/);
  await refused(client.send(new QueryVectorsCommand({ indexArn, topK: 1, queryVector: { float32: [0, 0] }, filter: { note: "x" } })), "ValidationException", 400);
  await refused(client.send(new QueryVectorsCommand({ indexArn, topK: 10_001, queryVector: { float32: [0, 0] } })), "ValidationException", 400, /between 1 and 10000/);
  await client.send(new DeleteVectorsCommand({ indexArn, keys: ["k00", "k02", "never"] }));
  const after = await client.send(new QueryVectorsCommand({ indexArn, topK: 2, queryVector: { float32: [0, 0] }, filter: { even: true }, returnMetadata: true }));
  assert.deepEqual(after.vectors, [{ key: "k04", metadata: { even: true, n: 4, note: "x" } }, { key: "k06", metadata: { even: true, n: 6, note: "x" } }]);
  await client.send(new DeleteIndexCommand({ indexArn }));
  await client.send(new DeleteVectorBucketCommand({ vectorBucketName: "vec-bucket" }));
});

test("tags: at creation, added, overwritten and removed on buckets and indexes by ARN", async () => {
  const { vectorBucketArn } = await client.send(new CreateVectorBucketCommand({ vectorBucketName: "tagged", tags: { team: "search" } }));
  const { indexArn } = await client.send(new CreateIndexCommand({ vectorBucketName: "tagged", indexName: "idx", dataType: "float32", dimension: 1, distanceMetric: "euclidean", tags: { tier: "gold" } }));
  assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: vectorBucketArn }))).tags, { team: "search" });
  await client.send(new TagResourceCommand({ resourceArn: vectorBucketArn, tags: { team: "ads", "cost center": "42" } }));
  assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: vectorBucketArn }))).tags, { team: "ads", "cost center": "42" });
  await client.send(new UntagResourceCommand({ resourceArn: vectorBucketArn, tagKeys: ["cost center", "absent"] }));
  assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: vectorBucketArn }))).tags, { team: "ads" });
  assert.deepEqual((await client.send(new ListTagsForResourceCommand({ resourceArn: indexArn }))).tags, { tier: "gold" });
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
  await refused(client.send(new TagResourceCommand({ resourceArn: indexArn, tags: many })), "ValidationException", 400, /at most 50 tags/);
  await refused(client.send(new TagResourceCommand({ resourceArn: indexArn, tags: { "aws:x": "1" } })), "ValidationException", 400, /reserved/);
  await refused(client.send(new ListTagsForResourceCommand({ resourceArn: `${vectorBucketArn}/index/none` })), "NotFoundException", 404);
  await client.send(new DeleteIndexCommand({ indexArn }));
  await client.send(new DeleteVectorBucketCommand({ vectorBucketArn }));
});
