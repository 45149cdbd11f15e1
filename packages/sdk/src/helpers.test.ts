// Paginators, segmented listing, batch helpers and delete-by-filter against a local server that keeps
// an in-memory index.
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";
import { deleteVectorsInBatches, getVectorsInBatches, putVectorsInBatches } from "./batch-helpers.ts";
import { deleteVectorsByFilter } from "./delete-by-filter.ts";
import { AbortError, ClientError, InvalidParamError, ServiceError } from "./errors.ts";
import { paginateListVectorBuckets, paginateListVectorIndexes, paginateListVectors } from "./paginators.ts";
import { listVectorsParallel } from "./parallel-list.ts";
import { createFakeIndex, type FakeIndex } from "./testing/fake-index.ts";
import { respondJson, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";
import type { VectorInput } from "./types.ts";

let server: ScriptedServer;
let client: VectorsClient;
let index: FakeIndex;
const target = { bucket: "demo", indexName: "idx" };

before(async () => {
  server = await startScriptedServer();
  client = new VectorsClient({
    region: "r", accountId: "1", endpoint: server.url, credentials: { accessKeyId: "a", accessKeySecret: "s" }, retry: false,
  });
});
beforeEach(() => {
  index = createFakeIndex();
  server.fallback = index.responder;
  server.requests.length = 0;
});
after(() => server.close());

interface TestVector extends VectorInput {
  data: { float32: number[] };
  metadata: { parity: string; n: number };
}

function vectorsNamed(count: number, prefix = "k"): TestVector[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}${String(i).padStart(4, "0")}`, data: { float32: [i, 1] }, metadata: { parity: i % 2 === 0 ? "even" : "odd", n: i },
  }));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

test("paginateListVectorBuckets() follows NextMarker while IsTruncated", async () => {
  const bucket = (name: string) => ({ Name: `acs:ossvector:r:1:${name}` });
  server.enqueue(
    respondJson(200, { ListAllMyBucketsResult: { IsTruncated: true, NextMarker: "b", Buckets: [bucket("a"), bucket("b")] } }),
    respondJson(200, { ListAllMyBucketsResult: { IsTruncated: false, Buckets: [bucket("c")] } }),
  );
  const pages = await collect(paginateListVectorBuckets(client, { maxKeys: 2 }));
  assert.deepEqual(pages.flatMap((p) => p.buckets.map((b) => b.name.split(":").at(-1))), ["a", "b", "c"]);
  assert.deepEqual(server.requests.map((r) => r.rawQuery), ["max-keys=2", "marker=b&max-keys=2"]);
});

test("paginateListVectorIndexes() stops at an empty nextToken and refuses a repeated one", async () => {
  server.enqueue(
    respondJson(200, { indexes: [{ indexName: "a" }], nextToken: "a" }),
    respondJson(200, { indexes: [{ indexName: "b" }], nextToken: "" }),
  );
  const pages = await collect(paginateListVectorIndexes(client, { bucket: "demo", maxResults: 1 }));
  assert.deepEqual(pages.flatMap((p) => p.indexes.map((i) => i.indexName)), ["a", "b"]);
  assert.deepEqual(server.requests.map((r) => r.json()), [{ maxResults: 1 }, { maxResults: 1, nextToken: "a" }]);
  server.enqueue(respondJson(200, { indexes: [], nextToken: "same" }), respondJson(200, { indexes: [], nextToken: "same" }));
  await assert.rejects(collect(paginateListVectorIndexes(client, { bucket: "demo" })), (error: unknown) =>
    error instanceof ClientError && error.code === "PaginationStalled");
});

test("putVectorsInBatches() writes 1234 vectors in batches of 500 and paginateListVectors() reads them back", async () => {
  const result = await putVectorsInBatches(client, { ...target, vectors: vectorsNamed(1234) }, { concurrency: 2 });
  assert.equal(result.putKeys.length, 1234);
  assert.deepEqual(result.failures, []);
  assert.deepEqual(server.requests.map((r) => (r.json() as { vectors: unknown[] }).vectors.length).sort(), [234, 500, 500]);
  const pages = await collect(paginateListVectors(client, { ...target, maxResults: 300 }));
  assert.equal(pages.length, 5);
  assert.equal(pages.flatMap((p) => p.vectors).length, 1234);
});

test("putVectorsInBatches() reports the failed batch and keeps the others, last duplicate winning", async () => {
  index.failWhen = (op, body) =>
    op === "putVectors" && (body["vectors"] as { key: string }[]).some((v) => v.key === "k0005") ? "VectorIndexParameterInvalid" : undefined;
  const vectors = [...vectorsNamed(10), { key: "k0001", data: { float32: [9, 9] } }];
  const result = await putVectorsInBatches(client, { ...target, vectors }, { batchSize: 4 });
  assert.deepEqual(result.failures.map((f) => [f.batchIndex, f.keys]), [[1, ["k0004", "k0005", "k0006", "k0007"]]]);
  const failure = result.failures[0]!.error;
  assert.ok(failure instanceof ServiceError && failure.code === "VectorIndexParameterInvalid");
  assert.equal(result.putKeys.length, 6);
  assert.deepEqual(index.vectors.get("k0001")?.data, { float32: [9, 9] });
  assert.equal(index.vectors.has("k0005"), false);
});

test("getVectorsInBatches() reads in batches of 100, lists missing keys and failed batches", async () => {
  for (const vector of vectorsNamed(250)) index.vectors.set(vector.key, { key: vector.key, data: vector.data });
  index.failWhen = (op, body) => (op === "getVectors" && (body["keys"] as string[]).includes("k0200") ? "InternalErrorOnPurpose" : undefined);
  const keys = [...vectorsNamed(250).map((v) => v.key), "absent-1", "k0001"];
  const result = await getVectorsInBatches(client, { ...target, keys, returnData: true });
  assert.deepEqual(server.requests.map((r) => (r.json() as { keys: string[] }).keys.length), [100, 100, 51]);
  assert.equal(result.vectors.length, 200);
  assert.deepEqual(result.vectors[0], { key: "k0000", data: { float32: [0, 1] } });
  assert.deepEqual(result.missingKeys, []);
  assert.deepEqual(result.failures.map((f) => f.batchIndex), [2]);
  assert.ok(result.failures[0]!.keys.includes("absent-1"));
  index.failWhen = undefined;
  const again = await getVectorsInBatches(client, { ...target, keys: ["k0003", "absent-1"] });
  assert.deepEqual([again.vectors.map((v) => v.key), again.missingKeys], [["k0003"], ["absent-1"]]);
});

test("deleteVectorsInBatches() dedupes keys, deletes in batches of 500 and reports failures", async () => {
  for (const vector of vectorsNamed(1100)) index.vectors.set(vector.key, vector);
  index.failWhen = (op, body) => (op === "deleteVectors" && (body["keys"] as string[]).includes("k1050") ? "Locked" : undefined);
  const keys = [...vectorsNamed(1100).map((v) => v.key), "k0000"];
  const result = await deleteVectorsInBatches(client, { ...target, keys });
  assert.equal(result.deletedKeys.length, 1000);
  assert.deepEqual(result.failures.map((f) => [f.batchIndex, f.keys.length]), [[2, 100]]);
  assert.equal(index.vectors.size, 100);
});

test("batch helpers stop starting batches once aborted and report the rest as AbortError", async () => {
  const controller = new AbortController();
  controller.abort();
  const result = await deleteVectorsInBatches(client, { ...target, keys: ["a", "b", "c"] }, { batchSize: 1, abortSignal: controller.signal });
  assert.equal(server.requests.length, 0);
  assert.equal(result.failures.length, 3);
  assert.ok(result.failures.every((f) => f.error instanceof AbortError));
  await assert.rejects(putVectorsInBatches(client, { ...target, vectors: [] }, { batchSize: 0 }), InvalidParamError);
});

test("listVectorsParallel() lists every segment at once and yields each vector exactly once", async () => {
  for (const vector of vectorsNamed(700)) index.vectors.set(vector.key, vector);
  const keys = (await collect(listVectorsParallel(client, { ...target, segmentCount: 4, maxResults: 100 }))).map((v) => v.key);
  assert.equal(keys.length, 700);
  assert.equal(new Set(keys).size, 700);
  const segments = new Set(server.requests.map((r) => (r.json() as { segmentIndex: number }).segmentIndex));
  assert.deepEqual([...segments].sort(), [0, 1, 2, 3]);
  await assert.rejects(collect(listVectorsParallel(client, { ...target, segmentCount: 17 })), InvalidParamError);
});

test("listVectorsParallel() can be left early and rethrows a failing segment", async () => {
  for (const vector of vectorsNamed(300)) index.vectors.set(vector.key, vector);
  for await (const vector of listVectorsParallel(client, { ...target, segmentCount: 3, maxResults: 10 })) {
    assert.ok(vector.key);
    break;
  }
  index.failWhen = (op, body) => (op === "listVectors" && body["segmentIndex"] === 1 && body["nextToken"] ? "Broken" : undefined);
  await assert.rejects(collect(listVectorsParallel(client, { ...target, segmentCount: 2, maxResults: 10 })), (error: unknown) =>
    error instanceof ServiceError && error.code === "Broken");
});

test("deleteVectorsByFilter() deletes exactly the vectors whose metadata matches", async () => {
  for (const vector of vectorsNamed(120)) index.vectors.set(vector.key, vector);
  const filter = { $and: [{ parity: { $eq: "even" } }, { n: { $lt: 50 } }] };
  const dry = await deleteVectorsByFilter(client, { ...target, filter }, { dryRun: true, pageSize: 7 });
  assert.deepEqual([dry.scannedCount, dry.matchedKeys.length, dry.deletedCount, index.vectors.size], [120, 25, 0, 120]);
  const result = await deleteVectorsByFilter(client, { ...target, filter }, { segmentCount: 3, batchSize: 10 });
  assert.deepEqual([result.scannedCount, result.deletedCount, result.failures.length], [120, 25, 0]);
  assert.deepEqual(result.deletedKeys.sort(), dry.matchedKeys.sort());
  assert.equal(index.vectors.size, 95);
  assert.ok([...index.vectors.values()].every((v) => v.metadata?.["parity"] === "odd" || Number(v.metadata?.["n"]) >= 50));
});

test("deleteVectorsByFilter() refuses a malformed filter before sending anything", async () => {
  await assert.rejects(deleteVectorsByFilter(client, { ...target, filter: { n: { $between: [1, 2] } } }), InvalidParamError);
  assert.equal(server.requests.length, 0);
});
