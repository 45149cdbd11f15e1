// QueryVectorsFusion through @ossv/sdk against a real server: the documented examples on the
// documented product index, full text (BM25, operator, minimum-should-match, boost, CJK, split
// analyzer) with deletes, upserts and restarts leaving no stale hit, partition keys, sort, paging,
// retrievers and normalizers, every refused combination, and the RAM actions.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "@ossv/server";
import {
  AdminClient, VectorsClient, fq, fr, fusionField, fusionSchema, fusionText, type QueryVectorsFusionRequest,
} from "@ossv/sdk";
import { expectServiceError } from "../sdk-server.ts";

let dataDir: string;
let server: RunningServer;
let client: VectorsClient;
const bucket = "fusion-query";
const indexName = "productIndex";
const at = { bucket, indexName };

async function start(): Promise<void> {
  server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou" });
  client = new VectorsClient({ region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials, retry: false });
}

const v1 = [0.1, 0.2, 0.3, 0.4];
const v2 = [0.9, 0.1, 0.1, 0.1];

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-fusion-query-"));
  await start();
  await client.putVectorBucket({ bucket });
  await client.putVectorIndexFusion({
    ...at,
    schemaConfiguration: fusionSchema(
      fusionField.vector("text_vector", 4, "cosine"), fusionField.vector("image_vector", 4, "cosine"),
      fusionField.string("title", { exactMatch: true, text: fusionText.standard() }),
      fusionField.string("brand"), fusionField.string("category", { isArray: true }),
      fusionField.double("price"), fusionField.long("stock"), fusionField.bool("on_sale"),
      fusionField.string("body", { exactMatch: false, text: fusionText.standard() }),
      fusionField.string("tags", { text: fusionText.split(",") }),
    ),
  });
  await client.putVectors({
    ...at, vectors: [
      { key: "fusion-product-1", data: { text_vector: v1, image_vector: [0.4, 0.3, 0.2, 0.1] }, metadata: { title: "Wireless headphones", brand: "AliBrand", category: ["phone"], price: 199.0, stock: 10, on_sale: true } },
      { key: "fusion-product-2", data: { text_vector: v2, image_vector: [0.1, 0.1, 0.1, 0.9] }, metadata: { title: "Sports car", brand: "NovaBrand", category: ["phone", "tablet"], price: 1999.0, stock: 5, on_sale: true } },
    ],
  });
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

const query = (request: Omit<QueryVectorsFusionRequest, "bucket" | "indexName">) => client.queryVectorsFusion({ ...at, ...request });
const keys = (result: { vectors: Array<{ key: string }> }) => result.vectors.map((hit) => hit.key);
const close = (actual: number, expected: number) => assert.ok(Math.abs(actual - expected) < 1e-6, `${actual} vs ${expected}`);

describe("the documented examples", () => {
  test("a single knn object (Python SDK shape): the identical vector scores 1, metadata returned", async () => {
    const raw = { indexName, knn: { field: "text_vector", queryVector: v1, topK: 10, numCandidates: 100 }, limit: 10, returnMetadata: true };
    const command = { definition: { name: "QueryVectorsFusion", serialize: () => ({ bucket, json: raw }), deserialize: (r: { body: Uint8Array }) => JSON.parse(new TextDecoder().decode(r.body)) as unknown }, input: {} };
    const result = await client.send(command as never) as unknown as { vectors: Array<{ key: string; score: number; metadata: Record<string, unknown> }> };
    assert.equal(result.vectors[0]?.key, "fusion-product-1");
    close(result.vectors[0].score, 1);
    assert.equal(result.vectors[0]?.metadata["brand"], "AliBrand");
    assert.ok(!("distance" in result.vectors[0]) && !("data" in result.vectors[0]));
  });

  test("B2 knn with a pre-filter and returnMetadataFields", async () => {
    const result = await query({
      knn: [{ field: "text_vector", queryVector: v2, topK: 10, filter: fq.and(fq.in("brand", ["AliBrand", "NovaBrand"]), fq.range("price", { gte: 100, lt: 999 }), fq.eq("on_sale", true)) }],
      limit: 20, returnMetadata: true, returnMetadataFields: ["title", "brand", "price"],
    });
    assert.deepEqual(result.vectors.map(({ key, metadata }) => ({ key, metadata })), [{ key: "fusion-product-1", metadata: { title: "Wireless headphones", brand: "AliBrand", price: 199 } }]);
  });

  test("B4 pure scalar query sorted by a field", async () => {
    const result = await query({ query: fq.and(fq.in("category", ["phone", "tablet"]), fq.range("price", { gte: 1000, lte: 5000 }), fq.gt("stock", 0)), sort: [{ price: { order: "asc" } }], limit: 20 });
    assert.deepEqual(keys(result), ["fusion-product-2"]);
    const both = await query({ query: fq.in("category", ["phone"]), sort: [{ price: { order: "desc" } }] });
    assert.deepEqual(keys(both), ["fusion-product-2", "fusion-product-1"]);
  });

  test("B5 full text", async () => {
    assert.deepEqual(keys(await query({ query: fq.text("title", "headphones"), limit: 10 })), ["fusion-product-1"]);
  });

  test("B16 RRF of a weighted knn and a text route: score = Σ weight / (k + rank)", async () => {
    const result = await query({
      retriever: fr.rrf([fr.component(fr.knn({ field: "text_vector", queryVector: v1, topK: 10 }), 2.0), fr.component(fr.simple(fq.text("title", "headphones")), 0.5)], { k: 50, windowSize: 100 }),
      limit: 10,
    });
    assert.deepEqual(keys(result), ["fusion-product-1", "fusion-product-2"]);
    close(result.vectors[0]!.score, 2 / 51 + 0.5 / 51);
    close(result.vectors[1]!.score, 2 / 52);
  });

  test("B17/B18 weighted fusion with minMax and l2 normalizers over three routes", async () => {
    const knnText = fr.knn({ field: "text_vector", queryVector: v1 });
    const knnImage = fr.knn({ field: "image_vector", queryVector: [0.1, 0.1, 0.1, 0.9] });
    const minMax = await query({ retriever: fr.weight([fr.component(knnText, 1, "minMax"), fr.component(knnImage, 1, "minMax")]) });
    // Each route ranks the other product first, so minMax gives each product 1 + 0.
    close(minMax.vectors[0]!.score, 1);
    close(minMax.vectors[1]!.score, 1);
    assert.deepEqual(keys(minMax), ["fusion-product-1", "fusion-product-2"]);
    const l2 = await query({ retriever: fr.weight([fr.component(knnText, 3, "l2"), fr.component(knnImage, 1, "l2"), fr.component(fr.simple(fq.text("title", "car")), 1, "none")]) });
    assert.equal(l2.vectors.length, 2);
    const scores = new Map(l2.vectors.map((hit) => [hit.key, hit.score]));
    assert.ok(scores.get("fusion-product-1")! > 0 && scores.get("fusion-product-2")! > 0);
  });

  test("B19 two boosted knn routes and a boosted query: scores add", async () => {
    const result = await query({
      knn: [{ field: "text_vector", queryVector: v1, topK: 10, boost: 1 }, { field: "image_vector", queryVector: [0.4, 0.3, 0.2, 0.1], topK: 10, boost: 2 }],
      query: fq.or(fq.in("brand", ["AliBrand"], { boost: 1.0 }), fq.text("title", "car", { boost: 4.0 })),
      sort: [{ _score: { order: "desc" } }],
    });
    assert.equal(result.vectors.length, 2);
    // product-1: 1 (text_vector) + 2 × 1 (image_vector) + 1 (brand boost).
    close(result.vectors.find((hit) => hit.key === "fusion-product-1")!.score, 4);
  });

  test("B20 a single leaf as the whole retriever", async () => {
    assert.deepEqual(keys(await query({ retriever: fr.simple(fq.text("title", "headphones")) })), ["fusion-product-1"]);
    assert.deepEqual(keys(await query({ retriever: fr.knn({ field: "text_vector", queryVector: v2 }) })), ["fusion-product-2", "fusion-product-1"]);
  });
});

describe("full text", () => {
  const docs = { bucket, indexName: "textIndex" };
  before(async () => {
    await client.putVectorIndexFusion({
      ...docs, schemaConfiguration: fusionSchema(fusionField.vector("v", 2, "euclidean"), fusionField.string("body", { text: fusionText.standard() }),
        fusionField.string("tags", { isArray: true, text: fusionText.split(",") }), fusionField.string("userId", { isPartitionKey: true })),
    });
    await client.putVectors({
      ...docs, vectors: [
        { key: "zh1", data: { v: [0, 0] }, metadata: { body: "无线降噪耳机，续航三十小时", userId: "user-1" } },
        { key: "zh2", data: { v: [1, 0] }, metadata: { body: "有线耳机", userId: "user-2" } },
        { key: "en1", data: { v: [0, 1] }, metadata: { body: "The quick brown fox jumps over the lazy dog", tags: ["red,green", "blue"], userId: "user-1" } },
        { key: "en2", data: { v: [1, 1] }, metadata: { body: "A quick brown dog; a quick, quick fox", tags: "green", userId: "user-2" } },
      ],
    });
  });
  const search = (request: Omit<QueryVectorsFusionRequest, "bucket" | "indexName">) => client.queryVectorsFusion({ ...docs, ...request }).then(keys);

  test("CJK text is found character by character; minShouldMatch and operator", async () => {
    assert.deepEqual(await search({ query: fq.text("body", "降噪") }), ["zh1"]);
    assert.deepEqual((await search({ query: fq.text("body", "耳机") })).sort(), ["zh1", "zh2"]);
    assert.deepEqual(await search({ query: fq.text("body", "无线 降噪 耳机", { operator: "or", minShouldMatch: "6" }) }), ["zh1"]);
    assert.deepEqual(await search({ query: fq.text("body", "quick fox", { operator: "and" }) }).then((k) => k.sort()), ["en1", "en2"]);
    assert.deepEqual(await search({ query: fq.text("body", "lazy fox", { operator: "and" }) }), ["en1"]);
    assert.deepEqual(await search({ query: fq.text("body", "lazy cat", { minShouldMatch: "100%" }) }), []);
    assert.deepEqual(await search({ query: fq.text("body", "!!!") }), []);
    // BM25: three "quick"s in a shorter document beat one.
    assert.deepEqual(await search({ query: fq.text("body", "QUICK") }), ["en2", "en1"]);
    assert.deepEqual(await search({ query: fq.text("tags", "green") }).then((k) => k.sort()), ["en1", "en2"]);
    assert.deepEqual(await search({ query: fq.text("tags", "red,green", { operator: "and" }) }), ["en1"]);
  });

  test("partition keys are a hard pre-filter on every route", async () => {
    assert.deepEqual(await search({ query: fq.text("body", "耳机"), partitionKeys: ["user-2"] }), ["zh2"]);
    assert.deepEqual(await search({ knn: [{ field: "v", queryVector: [0, 0], topK: 10 }], partitionKeys: ["user-1"] }), ["zh1", "en1"]);
    assert.deepEqual(await search({ retriever: fr.rrf([fr.knn({ field: "v", queryVector: [1, 1] }), fr.simple(fq.text("body", "quick"))]), partitionKeys: ["user-1"] }), ["en1", "zh1"]);
    await expectServiceError(query({ query: fq.text("title", "car"), partitionKeys: ["x"] }), 400, "VectorIndexParameterInvalid");
  });

  test("filtered knn never comes up short while enough documents match", async () => {
    const result = await search({ knn: [{ field: "v", queryVector: [0, 0], topK: 2, numCandidates: 2, filter: fq.text("body", "quick") }] });
    assert.deepEqual(result, ["en1", "en2"]);
  });

  test("deletes and upserts leave no stale hit, and a restart keeps every hit", async () => {
    await client.putVectors({ ...docs, vectors: [{ key: "en1", data: { v: [0, 1] }, metadata: { body: "A slow green turtle" } }] });
    assert.deepEqual(await search({ query: fq.text("body", "lazy") }), []);
    assert.deepEqual(await search({ query: fq.text("body", "turtle") }), ["en1"]);
    await client.deleteVectors({ ...docs, keys: ["zh2"] });
    assert.deepEqual(await search({ query: fq.text("body", "耳机") }), ["zh1"]);
    await server.close();
    await start();
    assert.deepEqual(await search({ query: fq.text("body", "耳机") }), ["zh1"]);
    assert.deepEqual(await search({ query: fq.text("body", "turtle") }), ["en1"]);
    assert.deepEqual(await search({ query: fq.text("body", "lazy") }), []);
  });

  test("pure queries page with nextToken; the token is bound to its query", async () => {
    const first = await client.queryVectorsFusion({ ...docs, query: fq.text("body", "quick turtle 耳机"), limit: 2 });
    assert.equal(first.vectors.length, 2);
    assert.ok(first.nextToken);
    const second = await client.queryVectorsFusion({ ...docs, query: fq.text("body", "quick turtle 耳机"), limit: 2, nextToken: first.nextToken });
    assert.equal(second.nextToken, undefined);
    const all = await search({ query: fq.text("body", "quick turtle 耳机"), limit: 10 });
    assert.deepEqual([...keys(first), ...keys(second)], all);
    await expectServiceError(client.queryVectorsFusion({ ...docs, query: fq.text("body", "quick"), nextToken: first.nextToken }), 400, "VectorIndexParameterInvalid");
  });
});

describe("refused combinations", () => {
  const knn = { field: "text_vector", queryVector: v1 };
  const cases: Array<[string, Omit<QueryVectorsFusionRequest, "bucket" | "indexName">]> = [
    ["retriever with knn", { retriever: fr.knn(knn), knn: [knn] }],
    ["retriever with query", { retriever: fr.knn(knn), query: fq.eq("brand", "x") }],
    ["retriever with sort", { retriever: fr.knn(knn), sort: [{ _score: {} }] }],
    ["retriever with nextToken", { retriever: fr.knn(knn), nextToken: "0.aaaaaaaaaaaaaaaa" }],
    ["nextToken with knn", { knn: [knn], nextToken: "0.aaaaaaaaaaaaaaaa" }],
    ["four knn entries", { knn: [knn, knn, knn, knn] }],
    ["two knn entries on one field", { knn: [knn, knn] }],
    ["four sort entries", { query: fq.eq("brand", "x"), sort: [{ price: {} }, { stock: {} }, { _score: {} }, { _primaryKey: {} }] }],
    ["numCandidates below topK", { knn: [{ ...knn, topK: 10, numCandidates: 5 }] }],
    ["knn on a scalar field", { knn: [{ field: "brand", queryVector: v1 }] }],
    ["knn on an unknown field", { knn: [{ field: "nope", queryVector: v1 }] }],
    ["queryVector of the wrong length", { knn: [{ field: "text_vector", queryVector: [1, 2, 3] }] }],
    ["a compound node with no components", { retriever: { rrf: { retrievers: [] } } }],
    ["a compound node with four components", { retriever: fr.rrf([fr.knn(knn), fr.knn(knn), fr.knn(knn), fr.knn(knn)]) }],
    ["a node with two type keys", { retriever: { knn, simple: { query: fq.eq("brand", "x") } } }],
    ["an unknown normalizer", { retriever: fr.weight([fr.component(fr.knn(knn), 1, "arithmetic_mean" as never)]) }],
    ["rrf k out of range", { retriever: fr.rrf([fr.knn(knn)], { k: 0 }) }],
    ["nesting three compound levels", { retriever: fr.rrf([fr.weight([fr.rrf([fr.knn(knn)])])]) }],
    ["none of knn, query, retriever", {}],
    ["partitionKeys without a partition key", { knn: [knn], partitionKeys: ["a"] }],
    ["limit 0", { knn: [knn], limit: 0 }],
    ["limit 1001", { knn: [knn], limit: 1001 }],
    ["an unknown operator", { query: { brand: { $like: "x" } } }],
    ["an unknown field", { query: fq.eq("colour", "red") }],
    ["$textMatch on a field without text", { query: fq.text("brand", "x") }],
    ["$eq on a text-only field (exactMatch false)", { query: fq.eq("body", "x") }],
    ["a bad minShouldMatch", { query: fq.text("title", "x", { minShouldMatch: "two" }) }],
    ["a bad operator", { query: fq.text("title", "x", { operator: "xor" as never }) }],
    ["a negative boost", { knn: [{ ...knn, boost: -1 }] }],
    ["sort on a text field", { query: fq.eq("brand", "x"), sort: [{ title: {} }] }],
    ["sort on an array field", { query: fq.eq("brand", "x"), sort: [{ category: {} }] }],
    ["a bad sort order", { query: fq.eq("brand", "x"), sort: [{ price: { order: "up" as never } }] }],
    ["two fields in one leaf", { query: { brand: { $eq: "x" }, price: { $gt: 1 } } }],
    ["$and without clauses", { query: { $and: { clauses: [] } } }],
  ];
  for (const [what, request] of cases) {
    test(`${what}: 400 VectorIndexParameterInvalid`, async () => {
      await expectServiceError(query(request), 400, "VectorIndexParameterInvalid");
    });
  }

  test("the Python SDK's shapes are accepted as aliases", async () => {
    const aliases = await query({ query: { $and: [{ brand: { $in: ["AliBrand"] } }, { title: { $textMatch: "headphones" } }, { price: { $gte: 100 } }, { stock: 10 }] }, sort: [{ score: { order: "desc" } }] });
    assert.deepEqual(keys(aliases), ["fusion-product-1"]);
    const components = await query({ retriever: { rrf: { components: [{ retriever: { knn: { field: "text_vector", queryVector: { float32: v1 } as never } } }] } } as never });
    assert.equal(components.vectors[0]?.key, "fusion-product-1");
  });

  test("QueryVectorsFusion on a Standard index, and on a missing index", async () => {
    await client.putVectorIndex({ bucket, indexName: "standard", dataType: "float32", dimension: 4, distanceMetric: "cosine" });
    await expectServiceError(client.queryVectorsFusion({ bucket, indexName: "standard", knn: [knn] }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.queryVectorsFusion({ bucket, indexName: "missing", knn: [knn] }), 404, "NoSuchVectorIndex");
  });
});

describe("RAM actions", () => {
  test("QueryVectorsFusion needs oss:QueryVectorsFusion, or both oss:QueryVectors and oss:GetVectors", async () => {
    const admin = new AdminClient({ endpoint: server.url, region: "cn-hangzhou", credentials: server.rootCredentials });
    let n = 0;
    const userClient = async (statements: object[]) => {
      const userName = `queryUser${++n}`;
      await admin.createUser(userName);
      const key = await admin.createKey(userName);
      await admin.attachPolicy(userName, "p", JSON.stringify({ Version: "1", Statement: statements }));
      return new VectorsClient({ region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: key, retry: false });
    };
    const allow = (Action: string[]) => ({ Effect: "Allow", Action, Resource: ["*"] });
    const ask = (user: VectorsClient) => user.queryVectorsFusion({ ...at, query: fq.text("title", "car") });
    assert.deepEqual(keys(await ask(await userClient([allow(["oss:QueryVectorsFusion"])]))), ["fusion-product-2"]);
    assert.deepEqual(keys(await ask(await userClient([allow(["oss:QueryVectors", "oss:GetVectors"])]))), ["fusion-product-2"]);
    await expectServiceError(ask(await userClient([allow(["oss:QueryVectors"])])), 403, "AccessDenied");
    await expectServiceError(ask(await userClient([allow(["oss:QueryVectorsFusion"]), { Effect: "Deny", Action: ["oss:GetVectors"], Resource: ["*"] }])), 403, "AccessDenied");
  });
});
