// PutVectorIndexFusion through @ossv/sdk against a real server: the documented lifecycle, the schema
// echoed as sent by Get/ListVectorIndexes beside Standard indexes, restart, every schema rule (valid
// schemas across the allowed space accepted; each one broken just past a rule refused with
// VectorIndexParameterInvalid and nothing created), and the RAM actions that guard creation.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { startServer, type RunningServer } from "@ossv/server";
import { AdminClient, VectorsClient, fusionField, fusionSchema, fusionText, type FusionSchemaConfiguration } from "@ossv/sdk";
import { expectServiceError } from "../sdk-server.ts";
import { propertyParameters } from "../../reliability/scale.ts";
import { breakages, validSchemaArb } from "./schema-arbitraries.ts";

let dataDir: string;
let server: RunningServer;
let client: VectorsClient;
const bucket = "fusion-bucket";

function clientFor(credentials: { accessKeyId: string; accessKeySecret: string }): VectorsClient {
  return new VectorsClient({ region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials, retry: false });
}

async function start(): Promise<void> {
  server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou" });
  client = clientFor(server.rootCredentials);
}

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-fusion-"));
  await start();
  await client.putVectorBucket({ bucket });
});
after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

const twoVectors = fusionSchema(fusionField.vector("text_vector", 4, "cosine"), fusionField.vector("image_vector", 4, "cosine"));

describe("the documented lifecycle", () => {
  test("create, get, list beside a Standard index, restart, delete", async () => {
    const indexName = "testFusionIndexForIntegration";
    const created = await client.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: twoVectors });
    assert.equal(created.statusCode, 200);
    assert.match(created.requestId, /^[0-9A-F]{24}$/);
    await client.putVectorIndex({ bucket, indexName: "plain", dataType: "float32", dimension: 3, distanceMetric: "euclidean" });

    const check = async () => {
      const { index } = await client.getVectorIndex({ bucket, indexName });
      assert.equal(index.indexName, indexName);
      assert.equal(index.mode, "fusion");
      assert.equal(index.status, "enable");
      assert.deepEqual(index.schemaConfiguration, twoVectors);
      for (const member of ["dataType", "dimension", "distanceMetric"]) assert.equal(index[member], undefined, member);
      const { indexes } = await client.listVectorIndexes({ bucket });
      const byName = new Map(indexes.map((item) => [item.indexName, item]));
      assert.equal(byName.get(indexName)?.mode, "fusion");
      assert.deepEqual(byName.get(indexName)?.schemaConfiguration, twoVectors);
      assert.equal(byName.get("plain")?.mode, "standard");
      assert.equal(byName.get("plain")?.schemaConfiguration, undefined);
      assert.equal(byName.get("plain")?.dimension, 3);
    };
    await check();
    await server.close();
    await start();
    await check();

    await expectServiceError(client.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: twoVectors }), 409, "VectorBucketIndexAlreadyExist");
    await expectServiceError(client.putVectorIndexFusion({ bucket, indexName: "plain", schemaConfiguration: twoVectors }), 409, "VectorBucketIndexAlreadyExist");
    assert.equal((await client.deleteVectorIndex({ bucket, indexName })).statusCode, 204);
    await client.deleteVectorIndex({ bucket, indexName: "plain" });
    await expectServiceError(client.getVectorIndex({ bucket, indexName }), 404, "NoSuchVectorIndex");
  });

  test("the builders cover every attribute, and what is sent is echoed exactly, unset attributes left out", async () => {
    const schemaConfiguration = fusionSchema(
      fusionField.vector("v", 8, "ip"),
      fusionField.string("title", { exactMatch: false, text: fusionText.standard({ caseSensitive: true, delimitWord: true }) }),
      fusionField.string("tags", { isArray: true, text: fusionText.split(",", { caseSensitive: false }) }),
      fusionField.string("userId", { isPartitionKey: true }),
      fusionField.long("stock"), fusionField.double("price", { isArray: false }), fusionField.bool("on_sale"),
      fusionField.ip("addr"), fusionField.geoPoint("where", { isArray: true }),
      fusionField.string("plain", { text: { enabled: false } }),
    );
    await client.putVectorIndexFusion({ bucket, indexName: "everyAttribute", schemaConfiguration });
    const { index } = await client.getVectorIndex({ bucket, indexName: "everyAttribute" });
    assert.deepEqual(index.schemaConfiguration, schemaConfiguration);
    assert.deepEqual(schemaConfiguration.fields[1], {
      name: "title", type: "string", exactMatch: false,
      text: { enabled: true, analyzer: "standard", analyzerParameters: { caseSensitive: true, delimitWord: true } },
    });
    await client.deleteVectorIndex({ bucket, indexName: "everyAttribute" });
  });
});

describe("requests refused as a whole", () => {
  test("mode, missing members and unknown request members", async () => {
    const indexName = "refused";
    await expectServiceError(client.putVectorIndexFusion({ bucket, indexName, mode: "standard" as never, schemaConfiguration: twoVectors }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: { ...twoVectors, extra: 1 } as never }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.putVectorIndexFusion({ bucket, indexName: "1bad", schemaConfiguration: twoVectors }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.putVectorIndexFusion({ bucket, indexName: "a".repeat(64), schemaConfiguration: twoVectors }), 400, "VectorIndexParameterInvalid");
    await expectServiceError(client.putVectorIndexFusion({ bucket: "no-such-bucket", indexName, schemaConfiguration: twoVectors }), 404, "NoSuchBucket");
    // The SDK requires the schema; a raw body without it is MissingArgument, like PutVectorIndex's members.
    const raw = await client.send({
      definition: { name: "PutVectorIndexFusion", serialize: () => ({ bucket, json: { indexName, mode: "fusion" } }), deserialize: () => ({}) },
      input: {},
    } as never).then(() => undefined, (error: unknown) => error as { code: string; statusCode: number });
    assert.deepEqual([raw?.code, raw?.statusCode], ["MissingArgument", 400]);
    const extra = await client.send({
      definition: { name: "PutVectorIndexFusion", serialize: () => ({ bucket, json: { indexName, schemaConfiguration: twoVectors, dimension: 4 } }), deserialize: () => ({}) },
      input: {},
    } as never).then(() => undefined, (error: unknown) => error as { code: string; statusCode: number });
    assert.deepEqual([extra?.code, extra?.statusCode], ["VectorIndexParameterInvalid", 400]);
    // Without `mode` the index is still a Fusion index.
    const noMode = await client.send({
      definition: { name: "PutVectorIndexFusion", serialize: () => ({ bucket, json: { indexName, schemaConfiguration: twoVectors } }), deserialize: () => ({}) },
      input: {},
    } as never);
    assert.ok(noMode);
    assert.equal((await client.getVectorIndex({ bucket, indexName })).index.mode, "fusion");
    await client.deleteVectorIndex({ bucket, indexName });
  });
});

describe("schema rules, generated", () => {
  let serial = 0;
  test("every valid schema is accepted and echoed as sent", { timeout: 300_000 }, async () => {
    await fc.assert(fc.asyncProperty(validSchemaArb, async (schemaConfiguration) => {
      const indexName = `valid${++serial}`;
      await client.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: schemaConfiguration as unknown as FusionSchemaConfiguration });
      const { index } = await client.getVectorIndex({ bucket, indexName });
      assert.deepEqual(index.schemaConfiguration, schemaConfiguration);
      await client.deleteVectorIndex({ bucket, indexName });
    }), propertyParameters("fusion valid schemas", 60, 2000));
  });

  test("a schema broken just past any rule is refused with VectorIndexParameterInvalid and creates nothing", { timeout: 300_000 }, async () => {
    const seen = new Set<string>();
    await fc.assert(fc.asyncProperty(validSchemaArb, fc.nat(), fc.string(), async ({ fields }, at, extra) => {
      for (const { rule, schemaConfiguration } of breakages(fields, at, extra)) {
        seen.add(rule);
        const indexName = `broken${++serial}`;
        const message = await expectServiceError(
          client.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: schemaConfiguration as FusionSchemaConfiguration }),
          400, "VectorIndexParameterInvalid",
        ).catch((error: unknown) => { throw new Error(`${rule}: ${String(error)}`); });
        assert.ok(message.length > 0, rule);
        await expectServiceError(client.getVectorIndex({ bucket, indexName }), 404, "NoSuchVectorIndex");
      }
    }), propertyParameters("fusion broken schemas", 8, 200));
    assert.ok(seen.size >= 35, `rules tried: ${seen.size}`);
  });
});

describe("RAM actions", () => {
  let admin: AdminClient;
  let counter = 0;
  before(() => { admin = new AdminClient({ endpoint: server.url, region: "cn-hangzhou", credentials: server.rootCredentials }); });

  async function userClient(statements: object[]): Promise<VectorsClient> {
    const userName = `fusionUser${++counter}`;
    await admin.createUser(userName);
    const key = await admin.createKey(userName);
    await admin.attachPolicy(userName, "p", JSON.stringify({ Version: "1", Statement: statements }));
    return clientFor(key);
  }
  const allow = (Action: string[]) => ({ Effect: "Allow", Action, Resource: ["*"] });
  const deny = (Action: string[]) => ({ Effect: "Deny", Action, Resource: ["*"] });

  test("PutVectorIndexFusion needs oss:PutVectorIndexFusion or oss:PutVectorIndex; a Deny of either wins", async () => {
    const create = (user: VectorsClient, indexName: string) => user.putVectorIndexFusion({ bucket, indexName, schemaConfiguration: twoVectors });
    await create(await userClient([allow(["oss:PutVectorIndexFusion"])]), "ramOwn");
    await create(await userClient([allow(["ossvector:PutVectorIndex"])]), "ramStandard");
    await expectServiceError(create(await userClient([allow(["oss:QueryVectorsFusion", "oss:GetVectorIndex"])]), "ramNone"), 403, "AccessDenied");
    await expectServiceError(create(await userClient([allow(["oss:PutVectorIndex"]), deny(["oss:PutVectorIndexFusion"])]), "ramDenied"), 403, "AccessDenied");
    await expectServiceError(create(await userClient([allow(["oss:PutVectorIndexFusion"]), deny(["oss:PutVectorIndex"])]), "ramDenied2"), 403, "AccessDenied");
    for (const indexName of ["ramOwn", "ramStandard"]) await client.deleteVectorIndex({ bucket, indexName });
  });
});
