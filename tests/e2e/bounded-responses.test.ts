// Large reads over a real server and the SDK: ListVectors pages of maximal vectors (4,096 dimensions,
// ~40 KB of metadata) stay within the response budget and still add up to exactly the whole index,
// with and without segments; GetVectors and QueryVectors of 100 maximal vectors come back whole; and
// four clients listing everything at once do not make another client's small reads fail. (How long
// that client waits is measured by bench/probe/bounded-responses.ts, not asserted here.)
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { GetVectorsCommand, paginateListVectors, type Middleware, type Vector, type VectorsClient } from "@ossv/sdk";
import type { AccessLogEntry } from "@ossv/server";
import { startSdkServer, type SdkServer } from "./sdk-server.ts";

const DIMENSION = 4096;
const COUNT = 300;
const BUDGET = 1024 * 1024; // the server's default
const BUCKET = "big";
const INDEX = "maximal";

interface Put { key: string; data: { float32: Float32Array }; metadata: { tag: string; blob: string } }

/** Values of every magnitude, so most need 8 or 9 digits in JSON (the longest pages). */
function maximalVector(i: number): Put {
  const data = Float32Array.from({ length: DIMENSION }, (_, d) => Math.sin(i * 7919 + d * 104729) * 10 ** ((d % 7) - 3));
  // 40 KiB of metadata as compact JSON is the limit; leave room for the names and quotes.
  const blob = String.fromCharCode(97 + (i % 26)).repeat(40_900);
  return { key: `key-${String(i).padStart(4, "0")}`, data: { float32: data }, metadata: { tag: `t${i % 5}`, blob } };
}

interface Seen { operation: string; bytes: number; chunked: boolean }

/** Records the size of every response body the client receives. */
function bodySizes(client: VectorsClient): Seen[] {
  const seen: Seen[] = [];
  const measure: Middleware = (next) => async (request, context) => {
    const response = await next(request, context);
    const chunked = response.headers["transfer-encoding"] === "chunked";
    seen.push({ operation: context.operation, bytes: response.body.length, chunked });
    return response;
  };
  client.middlewareStack.add(measure, { name: "bodySize", after: "sign" });
  return seen;
}

function assertSameVector(got: Vector, want: Put): void {
  assert.equal(got.key, want.key);
  assert.deepEqual(Float32Array.from(got.data!.float32), want.data.float32, `data of ${want.key}`);
  assert.deepEqual(got.metadata, want.metadata, `metadata of ${want.key}`);
}

async function listAll(client: VectorsClient, segment?: { segmentCount: number; segmentIndex: number }): Promise<Vector[][]> {
  const pages: Vector[][] = [];
  const input = { bucket: BUCKET, indexName: INDEX, maxResults: 1000, returnData: true, returnMetadata: true, ...segment };
  for await (const page of paginateListVectors(client, input)) pages.push(page.vectors);
  return pages;
}

describe("responses of maximal vectors", () => {
  let sdk: SdkServer;
  let sizes: Seen[];
  const log: AccessLogEntry[] = [];
  const puts = Array.from({ length: COUNT }, (_, i) => maximalVector(i));
  const byKey = new Map(puts.map((p) => [p.key, p]));

  before(async () => {
    sdk = await startSdkServer({ onRequest: (entry) => log.push(entry) });
    const { client } = sdk;
    await client.putVectorBucket({ bucket: BUCKET });
    await client.putVectorIndex({
      bucket: BUCKET, indexName: INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean",
      metadata: { nonFilterableMetadataKeys: ["blob"] },
    });
    for (let start = 0; start < COUNT; start += 50) {
      await client.putVectors({ bucket: BUCKET, indexName: INDEX, vectors: puts.slice(start, start + 50) });
    }
    sizes = bodySizes(client);
  });
  after(() => sdk.stop());

  function listSizes(): Seen[] {
    return sizes.splice(0).filter((s) => s.operation === "ListVectors");
  }

  test("ListVectors pages stay within the budget and add up to every vector once, in key order", async () => {
    const pages = await listAll(sdk.client);
    const pageSizes = listSizes();
    assert.ok(pages.length > 20, `${pages.length} pages`);
    for (const page of pageSizes) assert.ok(page.bytes <= BUDGET, `a page of ${page.bytes} bytes`);
    // A page stops only when the next vector would not fit: it is nearly full.
    for (const page of pageSizes.slice(0, -1)) assert.ok(page.bytes > BUDGET - 110_000, `a page of only ${page.bytes} bytes`);
    const listed = pages.flat();
    assert.deepEqual(listed.map((v) => v.key), puts.map((p) => p.key));
    for (const vector of listed) assertSameVector(vector, byKey.get(vector.key)!);
  });

  test("with segments, each segment's pages stay within the budget and the segments cover the index once", async () => {
    const segmentCount = 3;
    const keys: string[] = [];
    for (let segmentIndex = 0; segmentIndex < segmentCount; segmentIndex++) {
      const listed = (await listAll(sdk.client, { segmentCount, segmentIndex })).flat();
      assert.ok(listed.length > 0);
      for (const vector of listed) assertSameVector(vector, byKey.get(vector.key)!);
      keys.push(...listed.map((v) => v.key));
    }
    for (const page of listSizes()) assert.ok(page.bytes <= BUDGET, `a page of ${page.bytes} bytes`);
    assert.equal(new Set(keys).size, keys.length, "a vector listed twice");
    assert.deepEqual(keys.sort(), puts.map((p) => p.key));
  });

  test("GetVectors of 100 maximal vectors returns all of them, written in steps (chunked)", async () => {
    const wanted = puts.slice(100, 200);
    const result = await sdk.client.getVectors({
      bucket: BUCKET, indexName: INDEX, keys: wanted.map((p) => p.key), returnData: true, returnMetadata: true,
    });
    assert.equal(result.vectors.length, 100);
    result.vectors.forEach((vector, i) => assertSameVector(vector, wanted[i]!));
    const [seen] = sizes.splice(0);
    assert.ok(seen!.bytes > 8 * 1024 * 1024 && seen!.chunked, JSON.stringify(seen));
  });

  test("QueryVectors with topK 100 and metadata returns 100 whole vectors, nearest first", async () => {
    const target = puts[42]!;
    const result = await sdk.client.queryVectors({
      bucket: BUCKET, indexName: INDEX, queryVector: target.data, topK: 100, returnDistance: true, returnMetadata: true,
    });
    assert.equal(result.vectors.length, 100);
    assert.equal(result.vectors[0]!.key, target.key);
    assert.equal(result.vectors[0]!.distance, 0);
    for (const vector of result.vectors) assert.deepEqual(vector.metadata, byKey.get(vector.key)!.metadata);
    sizes.splice(0);
  });

  test("a client that leaves in the middle of a large answer stops it; the server carries on", async () => {
    const keys = puts.slice(0, 100).map((p) => p.key);
    const signed = await sdk.client.presign(new GetVectorsCommand({ bucket: BUCKET, indexName: INDEX, keys, returnData: true, returnMetadata: true }));
    const firstBytes = await new Promise<number>((resolve, reject) => {
      const req = request(signed.url, { method: signed.method, headers: signed.headers }, (res) => {
        res.once("data", (chunk: Buffer) => {
          req.destroy();
          resolve(chunk.length);
        });
      });
      req.on("error", (error) => (req.destroyed ? undefined : reject(error)));
      req.end(signed.body);
    });
    assert.ok(firstBytes > 0);
    while (!log.some((e) => e.operation === "GetVectors" && e.errorCode === "ClientClosedRequest")) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { vectors } = await sdk.client.getVectors({ bucket: BUCKET, indexName: INDEX, keys: keys.slice(0, 2), returnData: true });
    assert.deepEqual(vectors.map((v) => v.key), keys.slice(0, 2));
    sizes.splice(0);
  });

  test("a small answer still goes out whole, with Content-Length", async () => {
    await sdk.client.getVectors({ bucket: BUCKET, indexName: INDEX, keys: [puts[0]!.key] });
    assert.deepEqual(sizes.splice(0).map((s) => s.chunked), [false]);
  });

  test("four clients listing at once (a segment each) leave another client's small reads unharmed", async () => {
    let listing = true;
    const listers = Promise.all(Array.from({ length: 4 }, (_, segmentIndex) => listAll(sdk.client, { segmentCount: 4, segmentIndex })))
      .finally(() => (listing = false));
    let reads = 0;
    while (listing) {
      const { vectors } = await sdk.client.getVectors({ bucket: BUCKET, indexName: INDEX, keys: [puts[7]!.key], returnMetadata: true });
      assert.deepEqual(vectors[0]!.metadata, puts[7]!.metadata);
      reads++;
    }
    const keys = (await listers).flatMap((pages) => pages.flat().map((v) => v.key));
    assert.deepEqual(keys.sort(), puts.map((p) => p.key));
    assert.ok(reads > 0);
    sizes.splice(0);
  });
});

describe("a response budget smaller than one vector", () => {
  let sdk: SdkServer;
  before(async () => {
    sdk = await startSdkServer({ maxListResponseBytes: 1 });
    await sdk.client.putVectorBucket({ bucket: BUCKET });
    await sdk.client.putVectorIndex({ bucket: BUCKET, indexName: "small", dataType: "float32", dimension: 2, distanceMetric: "euclidean" });
    const vectors = Array.from({ length: 7 }, (_, i) => ({ key: `k${i}`, data: { float32: [i, 1] } }));
    await sdk.client.putVectors({ bucket: BUCKET, indexName: "small", vectors });
  });
  after(() => sdk.stop());

  test("still makes progress: one vector a page, none skipped, the last page without a token", async () => {
    const pages: ListVectorsPage[] = [];
    for await (const page of paginateListVectors(sdk.client, { bucket: BUCKET, indexName: "small", maxResults: 5, returnData: true })) {
      pages.push({ keys: page.vectors.map((v) => v.key), token: page.nextToken !== undefined });
    }
    assert.deepEqual(pages.map((p) => p.keys), [["k0"], ["k1"], ["k2"], ["k3"], ["k4"], ["k5"], ["k6"]]);
    assert.deepEqual(pages.map((p) => p.token), [true, true, true, true, true, true, false]);
  });
});

interface ListVectorsPage { keys: string[]; token: boolean }
