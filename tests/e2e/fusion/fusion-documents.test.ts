// Documents of a Fusion index through @ossv/sdk against a real server: PutVectors with data keyed by
// vector field name (each field its own dimension and metric, any of them left out) and schema fields
// in metadata; Get/ListVectors returning data by field; deletes and upserts; restart; every refusal of
// a malformed document with the API's own code, nothing of a refused batch written; and random
// put/delete/restart sequences checked against a model.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { startServer, type RunningServer } from "@ossv/server";
import { AdminClient, VectorsClient, fusionField, fusionSchema, fusionText, type Vector, type VectorInput } from "@ossv/sdk";
import { expectServiceError } from "../sdk-server.ts";
import { propertyParameters } from "../../reliability/scale.ts";

let dataDir: string;
let server: RunningServer;
let client: VectorsClient;
const bucket = "fusion-docs";
const indexName = "products";

async function start(): Promise<void> {
  server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou" });
  client = new VectorsClient({ region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials, retry: false });
}
async function restart(): Promise<void> {
  await server.close();
  await start();
}

const schema = fusionSchema(
  fusionField.vector("text_vector", 4, "cosine"),
  fusionField.vector("image_vector", 3, "euclidean"),
  fusionField.vector("ip_vector", 2, "ip"),
  fusionField.string("title", { text: fusionText.standard() }),
  fusionField.string("brand"),
  fusionField.string("category", { isArray: true }),
  fusionField.double("price"),
  fusionField.long("stock"),
  fusionField.bool("on_sale"),
  fusionField.ip("addr"),
  fusionField.geoPoint("where"),
  fusionField.string("userId", { isPartitionKey: true }),
);

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-fusion-docs-"));
  await start();
  await client.putVectorBucket({ bucket });
  await client.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: schema });
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

const at = { bucket, indexName };
const product1: VectorInput = {
  key: "fusion-product-1",
  data: { text_vector: [0.1, 0.2, 0.3, 0.4], image_vector: [0.4, 0.3, 0.2] },
  metadata: { title: "Wireless headphones", brand: "AliBrand", category: ["phone"], price: 199.0, stock: 10, on_sale: true, userId: "user-1", addr: "10.0.0.1", where: "30.27,120.15", note: "undeclared" },
};

describe("writing and reading documents", () => {
  test("data comes back keyed by field, only the fields a document has, values as sent; metadata whole", async () => {
    await client.putVectors({ ...at, vectors: [product1, { key: "only-ip", data: { ip_vector: new Float32Array([0, 0]) }, metadata: { stock: -3 } }] });
    const { vectors } = await client.getVectors({ ...at, keys: ["fusion-product-1", "only-ip", "absent"], returnData: true, returnMetadata: true });
    assert.deepEqual(vectors, [
      { key: "fusion-product-1", data: product1.data, metadata: product1.metadata },
      { key: "only-ip", data: { ip_vector: [0, 0] }, metadata: { stock: -3 } },
    ]);
    const keysOnly = await client.getVectors({ ...at, keys: ["only-ip"] });
    assert.deepEqual(keysOnly.vectors, [{ key: "only-ip" }]);
    const listed = await client.listVectors({ ...at, returnData: true, maxResults: 1 });
    assert.deepEqual(listed.vectors, [{ key: "fusion-product-1", data: product1.data }]);
    assert.ok(listed.nextToken);
    const rest = await client.listVectors({ ...at, returnMetadata: true, nextToken: listed.nextToken });
    assert.deepEqual(rest.vectors, [{ key: "only-ip", metadata: { stock: -3 } }]);
  });

  test("an upsert replaces the whole document, a delete removes it, and both survive a restart", async () => {
    await client.putVectors({ ...at, vectors: [{ key: "fusion-product-1", data: { image_vector: [1, 2, 3] }, metadata: { brand: "NovaBrand" } }] });
    assert.equal((await client.deleteVectors({ ...at, keys: ["only-ip"] })).statusCode, 204);
    await restart();
    const { vectors } = await client.getVectors({ ...at, keys: ["fusion-product-1", "only-ip"], returnData: true, returnMetadata: true });
    assert.deepEqual(vectors, [{ key: "fusion-product-1", data: { image_vector: [1, 2, 3] }, metadata: { brand: "NovaBrand" } }]);
    await client.deleteVectors({ ...at, keys: ["fusion-product-1"] });
  });

  test("the documented write (Python SDK body) is accepted", async () => {
    await client.putVectors({ ...at, vectors: [{ key: "fusion-vector-key-1", data: { text_vector: [0.1, 0.2, 0.3, 0.4], image_vector: [0.4, 0.3, 0.2] }, metadata: { category: "storage" } }] });
    const { vectors } = await client.getVectors({ ...at, keys: ["fusion-vector-key-1"], returnMetadata: true });
    assert.deepEqual(vectors[0]?.metadata, { category: "storage" });
    await client.deleteVectors({ ...at, keys: ["fusion-vector-key-1"] });
  });
});

describe("refusals", () => {
  const bad: Array<[string, VectorInput]> = [
    ["a field not in the schema", { key: "x", data: { other_vector: [1, 2, 3, 4] } }],
    ["a scalar field as data", { key: "x", data: { title: [1] } }],
    ["too few values", { key: "x", data: { text_vector: [1, 2, 3] } }],
    ["too many values", { key: "x", data: { image_vector: [1, 2, 3, 4] } }],
    ["a string value", { key: "x", data: { image_vector: [1, "2", 3] as never } }],
    ["a value past float32", { key: "x", data: { image_vector: [1, 2, 1e39] } }],
    ["a zero vector on a cosine field", { key: "x", data: { text_vector: [0, 0, 0, 0] } }],
    ["a string into a long", { key: "x", data: {}, metadata: { stock: "10" } }],
    ["a fraction into a long", { key: "x", data: {}, metadata: { stock: 1.5 } }],
    ["a number into a string", { key: "x", data: {}, metadata: { brand: 7 } }],
    ["an array into a non-array field", { key: "x", data: {}, metadata: { brand: ["a", "b"] } }],
    ["a wrong element in an array field", { key: "x", data: {}, metadata: { category: ["a", 1] } }],
    ["a string into a bool", { key: "x", data: {}, metadata: { on_sale: "true" } }],
    ["a string into a double", { key: "x", data: {}, metadata: { price: "1.5" } }],
    ["a malformed ip", { key: "x", data: {}, metadata: { addr: "300.1.1.1" } }],
    ["a malformed geoPoint", { key: "x", data: {}, metadata: { where: "north" } }],
    ["a latitude past 90", { key: "x", data: {}, metadata: { where: "91,0" } }],
    ["metadata not an object", { key: "x", data: {}, metadata: [1] as never }],
  ];
  for (const [what, vector] of bad) {
    test(`${what}: 400, and the good document beside it is not written`, async () => {
      await expectServiceError(client.putVectors({ ...at, vectors: [{ key: "good", data: { image_vector: [1, 1, 1] } }, vector] }), 400, "VectorIndexParameterInvalid");
      assert.deepEqual((await client.getVectors({ ...at, keys: ["good"] })).vectors, []);
    });
  }

  // Bodies the SDK itself refuses to send, sent as they are to see the server's answer.
  const rawBodies: Array<[string, unknown, string]> = [
    ["data not an object", [1, 2, 3], "VectorIndexParameterInvalid"],
    ["data a string", "text_vector", "VectorIndexParameterInvalid"],
    ["data missing", undefined, "MissingArgument"],
  ];
  for (const [what, data, code] of rawBodies) {
    test(`${what}: 400 ${code}`, async () => {
      const vectors = [{ key: "good", data: { image_vector: [1, 1, 1] } }, { key: "x", ...(data !== undefined && { data }) }];
      const command = { definition: { name: "PutVectors", serialize: () => ({ bucket, json: { indexName, vectors } }), deserialize: () => ({}) }, input: {} };
      await expectServiceError(client.send(command as never), 400, code);
      assert.deepEqual((await client.getVectors({ ...at, keys: ["good"] })).vectors, []);
    });
  }

  test("Standard QueryVectors is refused on a Fusion index unless its one vector field is named float32", async () => {
    await expectServiceError(client.queryVectors({ ...at, queryVector: { float32: [1, 1, 1, 1] }, topK: 1 }), 400, "VectorIndexParameterInvalid");
    await client.putVectorIndexFusion({ bucket, indexName: "legacy", schemaConfiguration: fusionSchema(fusionField.vector("float32", 2, "euclidean"), fusionField.long("n")) });
    const legacy = { bucket, indexName: "legacy" };
    await client.putVectors({ ...legacy, vectors: [{ key: "a", data: { float32: [0, 0] }, metadata: { n: 1 } }, { key: "b", data: { float32: [3, 4] }, metadata: { n: 2 } }] });
    const all = await client.queryVectors({ ...legacy, queryVector: { float32: [0, 0] }, topK: 5, returnDistance: true });
    assert.deepEqual(all.vectors, [{ key: "a", distance: 0 }, { key: "b", distance: 5 }]);
    const filtered = await client.queryVectors({ ...legacy, queryVector: { float32: [0, 0] }, topK: 5, filter: { n: { $gt: 1 } }, returnMetadata: true });
    assert.deepEqual(filtered.vectors, [{ key: "b", metadata: { n: 2 } }]);
    await client.deleteVectorIndex(legacy);
  });

  test("Standard QueryVectors with a filter on a Fusion index answered from field graphs: never short, the true nearest", async () => {
    const big = { bucket, indexName: "legacybig" };
    await client.putVectorIndexFusion({ ...big, schemaConfiguration: fusionSchema(fusionField.vector("float32", 2, "euclidean"), fusionField.long("n")) });
    // Enough rows for the field's graph (4,096); n = i mod 50, so an $eq passes 2 % and an $in of three 6 %.
    const point = (i: number): [number, number] => [Math.cos(i * 0.37) * (1 + (i % 97)), Math.sin(i * 0.37) * (1 + (i % 89))];
    const count = 6000;
    for (let first = 0; first < count; first += 500) {
      await client.putVectors({ ...big, vectors: Array.from({ length: 500 }, (_, j) => ({ key: `p${first + j}`, data: { float32: point(first + j) }, metadata: { n: (first + j) % 50 } })) });
    }
    const admin = new AdminClient({ endpoint: server.url, region: "cn-hangzhou", credentials: server.rootCredentials });
    await admin.compactIndex(bucket, big.indexName);
    for (let waited = 0; ; waited += 50) {
      const { segments } = await admin.describeIndex(bucket, big.indexName);
      if (segments.length > 0 && segments.every((segment) => segment.fieldGraphsPending === false)) break;
      assert.ok(waited < 120_000, "field graphs built in time");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const query: [number, number] = [10, -20];
    const distance = (i: number) => Math.hypot(point(i)[0] - query[0], point(i)[1] - query[1]);
    for (const [filter, passes] of [[{ n: { $eq: 7 } }, (n: number) => n === 7], [{ n: { $in: [1, 2, 3] } }, (n: number) => n >= 1 && n <= 3]] as const) {
      const expected = Array.from({ length: count }, (_, i) => i).filter((i) => passes(i % 50)).sort((a, b) => distance(a) - distance(b)).slice(0, 30);
      const got = await client.queryVectors({ ...big, queryVector: { float32: query }, topK: 30, filter, returnDistance: true });
      assert.equal(got.vectors.length, 30, `never short: ${JSON.stringify(filter)}`);
      const kth = distance(expected.at(-1)!);
      for (const hit of got.vectors) assert.ok(passes(Number(hit.key.slice(1)) % 50), `${hit.key} passes ${JSON.stringify(filter)}`);
      const within = got.vectors.filter((hit) => distance(Number(hit.key.slice(1))) <= kth + 1e-4).length;
      assert.ok(within >= 29, `recall on ${JSON.stringify(filter)}: ${within} of 30`);
    }
    await client.deleteVectorIndex(big);
  });
});

describe("random writes, deletes and restarts against a model", () => {
  const keyArb = fc.constantFrom("a", "b", "c", "d", "e", "ü", "文档");
  const floats = (n: number) => fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: n, maxLength: n });
  const nonZero = (n: number) => floats(n).filter((v) => v.some((x) => Math.fround(x) !== 0));
  const docArb = fc.record({
    key: keyArb,
    data: fc.record({ text_vector: nonZero(4), image_vector: floats(3), ip_vector: floats(2) }, { requiredKeys: [] }),
    metadata: fc.record({
      title: fc.string(), brand: fc.string(), category: fc.array(fc.string(), { maxLength: 3 }),
      price: fc.double({ noNaN: true, noDefaultInfinity: true }), stock: fc.maxSafeInteger(), on_sale: fc.boolean(),
      addr: fc.oneof(fc.ipV4(), fc.ipV6()), userId: fc.string({ minLength: 1 }), extra: fc.string(),
    }, { requiredKeys: [] }),
  });
  type Doc = { key: string; data: Record<string, number[]>; metadata: Record<string, unknown> };
  const commandArb = fc.oneof(
    { weight: 4, arbitrary: fc.uniqueArray(docArb, { minLength: 1, maxLength: 4, selector: (d) => d.key }).map((docs) => ({ kind: "put" as const, docs })) },
    { weight: 2, arbitrary: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 3 }).map((keys) => ({ kind: "delete" as const, keys })) },
    { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
  );
  const rounded = (data: Record<string, number[]>) =>
    Object.fromEntries(Object.entries(data).map(([field, values]) => [field, values.map((x) => Math.fround(x))]));
  const asFloat32 = (vector: Vector) =>
    ({ ...vector, data: Object.fromEntries(Object.entries(vector.data ?? {}).map(([f, v]) => [f, (v).map((x) => Math.fround(x))])) });

  test("Get and List agree with the model after every step", { timeout: 300_000 }, async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 12 }), async (commands) => {
      const name = `model${++run}`;
      const target = { bucket, indexName: name };
      await client.putVectorIndexFusion({ ...target, schemaConfiguration: schema });
      const model = new Map<string, Doc>();
      for (const command of commands) {
        if (command.kind === "put") {
          await client.putVectors({ ...target, vectors: command.docs });
          // JSON round trip: fast-check's records may have no prototype, which deepEqual would see.
          for (const doc of command.docs) model.set(doc.key, JSON.parse(JSON.stringify({ key: doc.key, data: rounded(doc.data), metadata: doc.metadata })) as Doc);
        } else if (command.kind === "delete") {
          await client.deleteVectors({ ...target, keys: command.keys });
          for (const key of command.keys) model.delete(key);
        } else {
          await restart();
        }
        const listed = await client.listVectors({ ...target, returnData: true, returnMetadata: true });
        const expected = [...model.values()].sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
        assert.deepEqual(listed.vectors.map(asFloat32), expected);
      }
      await client.deleteVectorIndex(target);
    }), propertyParameters("fusion documents model", 25, 500));
  });
});
