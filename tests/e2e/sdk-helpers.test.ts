// The SDK's helpers against a real ossv server on port 0: paginators, segmented listing, batch put /
// get / delete with partial failures, delete-by-filter, and presigned requests.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "@ossv/server";
import {
  GetVectorIndexCommand, ServiceError, VectorsClient, deleteVectorsByFilter, deleteVectorsInBatches, getVectorsInBatches,
  listVectorsParallel, paginateListVectorBuckets, paginateListVectorIndexes, paginateListVectors, putVectorsInBatches,
  type RequestOperation, type VectorInput,
} from "@ossv/sdk";

let server: RunningServer;
let dataDir: string;
let client: VectorsClient;
/** Operations the client sent, counted by a middleware step of our own. */
const sent: RequestOperation[] = [];
const bucket = "sdk-e2e-helpers";
const indexName = "items";
const target = { bucket, indexName };

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-sdk-helpers-"));
  server = await startServer({ port: 0, host: "127.0.0.1", dataDir, region: "cn-hangzhou" });
  client = new VectorsClient({
    region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials,
  });
  client.middlewareStack.add((next) => (request, context) => {
    sent.push(context.operation);
    return next(request, context);
  }, { name: "countOperations", after: "retry" });
  await client.putVectorBucket({ bucket });
  await client.putVectorIndex({ ...target, dataType: "float32", dimension: 4, distanceMetric: "euclidean" });
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

function countSent(body: () => Promise<unknown>): Promise<RequestOperation[]> {
  const start = sent.length;
  return body().then(() => sent.slice(start));
}

function items(count: number): VectorInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `item-${String(i).padStart(4, "0")}`,
    data: { float32: [i, i % 7, i % 3, 1] },
    metadata: { color: ["red", "green", "blue"][i % 3]!, rank: i },
  }));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

test("paginateListVectorBuckets() and paginateListVectorIndexes() walk exact pages", async () => {
  for (const name of ["sdk-e2e-page-a", "sdk-e2e-page-b", "sdk-e2e-page-c"]) await client.putVectorBucket({ bucket: name });
  const bucketPages = await collect(paginateListVectorBuckets(client, { prefix: "sdk-e2e-page-", maxKeys: 2 }));
  assert.deepEqual(bucketPages.map((page) => page.buckets.length), [2, 1]);
  for (const name of ["alpha", "beta", "gamma"]) {
    await client.putVectorIndex({ bucket: "sdk-e2e-page-a", indexName: name, dataType: "float32", dimension: 2, distanceMetric: "cosine" });
  }
  const indexPages = await collect(paginateListVectorIndexes(client, { bucket: "sdk-e2e-page-a", maxResults: 1 }));
  assert.deepEqual(indexPages.map((page) => page.indexes.map((index) => index.indexName)), [["alpha"], ["beta"], ["gamma"]]);
});

test("putVectorsInBatches() writes 1200 vectors in three requests; paginateListVectors() and listVectorsParallel() see them all", async () => {
  const operations = await countSent(async () => {
    const result = await putVectorsInBatches(client, { ...target, vectors: items(1200) });
    assert.equal(result.putKeys.length, 1200);
    assert.deepEqual(result.failures, []);
  });
  assert.deepEqual(operations, ["PutVectors", "PutVectors", "PutVectors"]);
  const pages = await collect(paginateListVectors(client, { ...target, maxResults: 500 }));
  assert.deepEqual(pages.map((page) => page.vectors.length), [500, 500, 200]);
  const parallelKeys = (await collect(listVectorsParallel(client, { ...target, segmentCount: 4, maxResults: 100 }))).map((v) => v.key);
  assert.equal(parallelKeys.length, 1200);
  assert.equal(new Set(parallelKeys).size, 1200);
});

test("putVectorsInBatches() reports the batch the server refuses and keeps the rest", async () => {
  const vectors: VectorInput[] = [
    ...items(4).map((v) => ({ ...v, key: `batch-${v.key}` })),
    { key: "batch-wrong-dimension", data: { float32: [1, 2] } },
  ];
  const result = await putVectorsInBatches(client, { ...target, vectors }, { batchSize: 2 });
  assert.deepEqual(result.putKeys, ["batch-item-0000", "batch-item-0001", "batch-item-0002", "batch-item-0003"]);
  assert.equal(result.failures.length, 1);
  const [failure] = result.failures;
  assert.deepEqual([failure!.batchIndex, failure!.keys], [2, ["batch-wrong-dimension"]]);
  assert.ok(failure!.error instanceof ServiceError && failure!.error.statusCode === 400, String(failure!.error));
  await deleteVectorsInBatches(client, { ...target, keys: result.putKeys });
});

test("getVectorsInBatches() reads 250 keys in batches of 100 and names the missing ones", async () => {
  const keys = [...items(250).map((v) => v.key), "no-such-item"];
  let result: Awaited<ReturnType<typeof getVectorsInBatches>> | undefined;
  const operations = await countSent(async () => {
    result = await getVectorsInBatches(client, { ...target, keys, returnMetadata: true, returnData: true });
  });
  assert.equal(operations.length, 3);
  assert.equal(result!.vectors.length, 250);
  assert.deepEqual(result!.missingKeys, ["no-such-item"]);
  assert.deepEqual(result!.vectors[5], { key: "item-0005", data: { float32: [5, 5, 2, 1] }, metadata: { color: "blue", rank: 5 } });
});

test("deleteVectorsByFilter() deletes exactly the matching vectors", async () => {
  const filter = { $and: [{ color: { $eq: "red" } }, { rank: { $lt: 600 } }] };
  const dry = await deleteVectorsByFilter(client, { ...target, filter }, { dryRun: true });
  assert.deepEqual([dry.scannedCount, dry.matchedKeys.length, dry.deletedCount], [1200, 200, 0]);
  const result = await deleteVectorsByFilter(client, { ...target, filter });
  assert.deepEqual([result.deletedCount, result.failures.length], [200, 0]);
  const remaining = await collect(listVectorsParallel(client, { ...target, segmentCount: 2, returnMetadata: true }));
  assert.equal(remaining.length, 1000);
  assert.ok(remaining.every((v) => v.metadata?.["color"] !== "red" || Number(v.metadata?.["rank"]) >= 600));
  const query = await client.queryVectors({ ...target, queryVector: { float32: [0, 0, 0, 1] }, topK: 5, filter });
  assert.deepEqual(query.vectors, []);
});

test("deleteVectorsInBatches() removes everything that is left", async () => {
  const keys = (await collect(listVectorsParallel(client, { ...target, segmentCount: 3 }))).map((v) => v.key);
  const result = await deleteVectorsInBatches(client, { ...target, keys });
  assert.deepEqual([result.deletedKeys.length, result.failures.length], [1000, 0]);
  assert.equal((await client.listVectors(target)).vectors.length, 0);
});

test("presign() produces a request the server accepts from plain fetch", async () => {
  const presigned = await client.presign(new GetVectorIndexCommand(target), { expiresSeconds: 60 });
  const response = await fetch(presigned.url, { method: presigned.method, headers: presigned.headers, body: presigned.body });
  assert.equal(response.status, 200, await response.clone().text());
  const body = await response.json() as { index: { indexName: string; dimension: number } };
  assert.deepEqual([body.index.indexName, body.index.dimension], [indexName, 4]);
});
