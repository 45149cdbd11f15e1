// The four S3 Vectors paginators (ListVectorBuckets, ListIndexes, ListVectors, QueryVectors) through
// the JS SDK's own paginate* helpers and botocore's paginators: every item exactly once, pages within
// their size, a token only while more remains. botocore 1.43.11 predates QueryVectors' nextToken, so
// boto3's side of paged queries goes out as raw requests signed by the SDK's signer (same wire shape).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateIndexCommand, CreateVectorBucketCommand, ListIndexesCommand, ListVectorsCommand, PutVectorsCommand, QueryVectorsCommand,
  paginateListIndexes, paginateListVectorBuckets, paginateListVectors, paginateQueryVectors,
} from "@aws-sdk/client-s3vectors";
import { AWS_REGION, expectS3Error, startS3vServer, uniqueName, type S3vServer } from "./harness.ts";
import { BOTO3_MISSING, ok, runBoto3 } from "./boto3.ts";
import { assertS3Error, callS3 } from "./signed-request.ts";

let s: S3vServer;
const BUCKETS = 7;
const INDEXES = 7;
const VECTORS = 23;
const QUERY_VECTORS = 260;
let prefix: string;
let bucket: string;
const queryIndex = "many";

const vectorFor = (i: number) => [Math.cos(i / 7), Math.sin(i / 7) * (1 + i / 50)];

before(async () => {
  // Pages of QueryVectors hold up to 1,000 hits; a small response budget makes the server cut pages
  // sooner (as AWS's ~1 MB processing cap does), so a few hundred vectors span several pages.
  s = await startS3vServer({ maxListResponseBytes: 2_000 });
  prefix = uniqueName("pg");
  for (let i = 0; i < BUCKETS; i++) await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: `${prefix}-b${i}` }));
  bucket = `${prefix}-b0`;
  for (let i = 0; i < INDEXES; i++) {
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: `idx-${i}`, dataType: "float32", dimension: 2, distanceMetric: "euclidean" }));
  }
  await s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName: "idx-0", vectors: Array.from({ length: VECTORS }, (_, i) => ({ key: `k${i}`, data: { float32: vectorFor(i) } })) }));
  await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: queryIndex, dataType: "float32", dimension: 2, distanceMetric: "euclidean" }));
  await s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName: queryIndex, vectors: Array.from({ length: QUERY_VECTORS }, (_, i) => ({ key: `q${i}`, data: { float32: vectorFor(i) }, metadata: { even: i % 2 === 0 } })) }));
});
after(async () => { await s.stop(); });

const sorted = (items: string[]) => [...items].sort();
const expectedBuckets = () => Array.from({ length: BUCKETS }, (_, i) => `${prefix}-b${i}`).sort();
const expectedIndexes = () => [...Array.from({ length: INDEXES }, (_, i) => `idx-${i}`), queryIndex].sort();
const expectedKeys = () => Array.from({ length: VECTORS }, (_, i) => `k${i}`).sort();

/** Collects pages, checking each page's size and that only the last page lacks a token. */
async function collect<P extends { nextToken?: string }>(pages: AsyncIterable<P>, items: (page: P) => string[], pageSize: number): Promise<string[]> {
  const all: string[] = [];
  const list: P[] = [];
  for await (const page of pages) list.push(page);
  list.forEach((page, i) => {
    const got = items(page);
    assert.ok(got.length <= pageSize, `page ${i} has ${got.length} items, more than ${pageSize}`);
    assert.equal(page.nextToken === undefined, i === list.length - 1, `page ${i} of ${list.length}: nextToken ${page.nextToken}`);
    all.push(...got);
  });
  assert.ok(list.length >= 2, "the walk spans several pages");
  return all;
}

/** Exact top-k by euclidean distance in float32, ties by key (the test vectors have no ties). */
function bruteForceTopK(query: number[], topK: number, keep: (i: number) => boolean = () => true): string[] {
  const rows = Array.from({ length: QUERY_VECTORS }, (_, i) => i).filter(keep).map((i) => {
    const v = vectorFor(i).map(Math.fround);
    return { key: `q${i}`, d: Math.hypot(v[0]! - query[0]!, v[1]! - query[1]!) };
  });
  return rows.sort((a, b) => a.d - b.d).slice(0, topK).map((r) => r.key);
}

describe("JS SDK paginators", () => {
  test("paginateListVectorBuckets walks every bucket once, two per page", async () => {
    const names = await collect(paginateListVectorBuckets({ client: s.s3, pageSize: 2 }, { prefix }), (p) => p.vectorBuckets!.map((b) => b.vectorBucketName!), 2);
    assert.deepEqual(names, expectedBuckets(), "every bucket once, in name order");
  });

  test("paginateListIndexes walks every index once, three per page", async () => {
    const names = await collect(paginateListIndexes({ client: s.s3, pageSize: 3 }, { vectorBucketName: bucket }), (p) => p.indexes!.map((i) => i.indexName!), 3);
    assert.deepEqual(names, expectedIndexes());
  });

  test("paginateListVectors walks every vector once, sequentially and in three parallel segments", async () => {
    // A fresh input object per walk: the SDK's paginators write nextToken and maxResults into the one they get.
    const input = () => ({ vectorBucketName: bucket, indexName: "idx-0" });
    const keys = await collect(paginateListVectors({ client: s.s3, pageSize: 4 }, input()), (p) => p.vectors!.map((v) => v.key!), 4);
    assert.deepEqual(sorted(keys), expectedKeys());
    assert.equal(new Set(keys).size, keys.length);
    const segments: string[][] = [];
    for (let segmentIndex = 0; segmentIndex < 3; segmentIndex++) {
      const pages = paginateListVectors({ client: s.s3, pageSize: 2 }, { ...input(), segmentCount: 3, segmentIndex });
      const segment: string[] = [];
      for await (const page of pages) segment.push(...page.vectors!.map((v) => v.key!));
      segments.push(segment);
    }
    assert.deepEqual(sorted(segments.flat()), expectedKeys(), "the segments together hold every key exactly once");
  });

  test("paginateQueryVectors returns exactly topK hits across pages, in distance order, with distanceMetric on every page", async () => {
    const query = [0.3, 0.2];
    for (const [topK, filter] of [[230, undefined], [120, { even: true }]] as const) {
      const pages = [];
      for await (const page of paginateQueryVectors({ client: s.s3 }, {
        vectorBucketName: bucket, indexName: queryIndex, queryVector: { float32: query }, topK, returnDistance: true, ...(filter && { filter }),
      })) pages.push(page);
      assert.ok(pages.length >= 2, `topK ${topK} came back in ${pages.length} page(s); the server pages QueryVectors (page size at most 100)`);
      for (const page of pages) assert.equal(page.distanceMetric, "euclidean");
      const hits = pages.flatMap((p) => p.vectors!);
      const distances = hits.map((h) => h.distance!);
      assert.deepEqual(distances, [...distances].sort((a, b) => a - b), "distances ascend across pages");
      assert.deepEqual(hits.map((h) => h.key), bruteForceTopK(query, topK, filter ? (i) => i % 2 === 0 : undefined), `topK ${topK}`);
    }
  });

  // A token continues the walk it came from and no other: used on another index or bucket, a server
  // that does not check would silently start that other listing at a key of the first.
  test("a token is bound to its request: another query, another index or a changed token is a ValidationException", async () => {
    const base = { vectorBucketName: bucket, indexName: queryIndex, queryVector: { float32: [0.3, 0.2] }, topK: 230 };
    const first = await s.s3.send(new QueryVectorsCommand(base));
    const token = first.nextToken;
    assert.ok(token, "a first page of 230 hits has a token");
    // A character in the middle: every one of its 6 bits is data. The last one may carry only padding
    // bits, so replacing it can decode to the same bytes (this test once failed that way in CI).
    const at = Math.floor(token.length / 2);
    const flipped = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    const list = await s.s3.send(new ListVectorsCommand({ vectorBucketName: bucket, indexName: "idx-0", maxResults: 2 }));
    assert.ok(list.nextToken);
    const listToken = list.nextToken;
    const indexToken = (await s.s3.send(new ListIndexesCommand({ vectorBucketName: bucket, maxResults: 2 }))).nextToken;
    assert.ok(indexToken);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["query token, other query vector", () => s.s3.send(new QueryVectorsCommand({ ...base, queryVector: { float32: [0.5, 0.2] }, nextToken: token }))],
      ["query token, other topK", () => s.s3.send(new QueryVectorsCommand({ ...base, topK: 229, nextToken: token }))],
      ["query token, a filter added", () => s.s3.send(new QueryVectorsCommand({ ...base, filter: { even: true }, nextToken: token }))],
      ["query token, changed", () => s.s3.send(new QueryVectorsCommand({ ...base, nextToken: flipped }))],
      ["list token, other index", () => s.s3.send(new ListVectorsCommand({ vectorBucketName: bucket, indexName: "idx-1", nextToken: listToken }))],
      ["list token, other segment", () => s.s3.send(new ListVectorsCommand({ vectorBucketName: bucket, indexName: "idx-0", segmentCount: 2, segmentIndex: 1, nextToken: listToken }))],
      ["ListIndexes token, other bucket", () => s.s3.send(new ListIndexesCommand({ vectorBucketName: `${prefix}-b1`, nextToken: indexToken }))],
      ["list token for QueryVectors", () => s.s3.send(new QueryVectorsCommand({ ...base, nextToken: listToken }))],
    ];
    const accepted: string[] = [];
    for (const [label, call] of cases) {
      await expectS3Error(call(), 400, "ValidationException").catch(() => accepted.push(label));
    }
    assert.deepEqual(accepted, [], "tokens used out of their request");
  });
});

describe("boto3 paginators", { skip: BOTO3_MISSING }, () => {
  test("ListVectorBuckets, ListIndexes and ListVectors paginators walk every item once", async () => {
    const [buckets, indexes, vectors] = await runBoto3(s.endpoint, AWS_REGION, s.root, [
      { op: "ListVectorBuckets", params: { prefix }, paginate: true, paginationConfig: { PageSize: 2 } },
      { op: "ListIndexes", params: { vectorBucketName: bucket }, paginate: true, paginationConfig: { PageSize: 3 } },
      { op: "ListVectors", params: { vectorBucketName: bucket, indexName: "idx-0" }, paginate: true, paginationConfig: { PageSize: 5 } },
    ]);
    const bucketPages = ok(buckets) as Array<{ vectorBuckets: Array<{ vectorBucketName: string }>; nextToken?: string }>;
    assert.equal(bucketPages.length, Math.ceil(BUCKETS / 2));
    assert.deepEqual(bucketPages.flatMap((p) => p.vectorBuckets.map((b) => b.vectorBucketName)), expectedBuckets());
    const indexPages = ok(indexes) as Array<{ indexes: Array<{ indexName: string }> }>;
    assert.ok(indexPages.length >= 3);
    assert.deepEqual(indexPages.flatMap((p) => p.indexes.map((i) => i.indexName)), expectedIndexes());
    const vectorPages = ok(vectors) as Array<{ vectors: Array<{ key: string }> }>;
    assert.ok(vectorPages.length >= 5 && vectorPages.every((p) => p.vectors.length <= 5));
    assert.deepEqual(sorted(vectorPages.flatMap((p) => p.vectors.map((v) => v.key))), expectedKeys());
  });

  test("paged QueryVectors the way boto3 would send it (raw: botocore 1.43.11 has no nextToken)", async () => {
    const body = { vectorBucketName: bucket, indexName: queryIndex, topK: 150, queryVector: { float32: [-0.5, 0.1] }, returnDistance: true };
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const res = await callS3(s.endpoint, s.root, "QueryVectors", { ...body, ...(token && { nextToken: token }) });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.distanceMetric, "euclidean");
      assert.notEqual(res.body.nextToken, "", "no empty token");
      keys.push(...(res.body.vectors as Array<{ key: string }>).map((v) => v.key));
      token = res.body.nextToken;
      pages++;
    } while (token !== undefined && pages < 50);
    assert.ok(pages >= 2, `${pages} page(s)`);
    assert.deepEqual(keys, bruteForceTopK([-0.5, 0.1], 150));
    assertS3Error(await callS3(s.endpoint, s.root, "QueryVectors", { ...body, nextToken: "not-a-token" }), 400, "ValidationException");
  });
});
