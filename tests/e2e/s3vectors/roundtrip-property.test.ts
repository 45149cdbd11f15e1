// What users send, across the whole allowed space, through the JS SDK: keys of 1 to 1,024 characters
// of any UTF-8, metadata of every JSON type up to each size limit, float32 values at their edges,
// dimensions up to 4,096; written, overwritten and deleted, then read back exactly as the model
// says. Then requests just past each limit: refused with ValidationException, and nothing changes.
// Generators are shared with the OSS-side model tests (tests/reliability/generators.ts); seeds printed.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CreateIndexCommand, CreateVectorBucketCommand, DeleteVectorsCommand, GetVectorsCommand, ListVectorsCommand, PutVectorsCommand,
  type PutInputVector, type S3VectorsClient,
} from "@aws-sdk/client-s3vectors";
import { assertAsyncProperty } from "../../reliability/scale.ts";
import {
  codePointLength, dimensionArb, drawVectors, metadataArb, metadataBytes, NON_FILTERABLE_CHOICES, vectorKeyArb, vectorSpecArb,
} from "../../reliability/generators.ts";
import { expectS3Error, startS3vServer, type S3vServer } from "./harness.ts";
import { callS3 } from "./signed-request.ts";

type Metadata = Record<string, unknown>;
interface Row { key: string; data: number[]; metadata: Metadata }

let s: S3vServer;
const bucket = "roundtrip";
let runs = 0;
before(async () => {
  s = await startS3vServer();
  await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
});
after(async () => { await s.stop(); });

// As float32 (the server may write a float32 as its shortest decimal), and with no -0 (JSON has none).
const plainZero = (values: ArrayLike<number>) => Array.from(values, (v) => (v === 0 ? 0 : Math.fround(v)));
const toPut = (r: Row): PutInputVector => ({ key: r.key, data: { float32: r.data }, metadata: r.metadata as PutInputVector["metadata"] });

/**
 * Reads rows back. The JS SDK 3.1137.0 turns a metadata key named `__proto__` into an own property
 * whose value is undefined (the server's JSON holds it intact), so rows with that key are read with a
 * raw request signed by the SDK's signer; all others through the SDK.
 */
async function readAll(client: S3VectorsClient, at: object, keys: string[]): Promise<Map<string, Row>> {
  const out = new Map<string, Row>();
  for (let i = 0; i < keys.length; i += 100) {
    const input = { ...at, keys: keys.slice(i, i + 100), returnData: true, returnMetadata: true };
    const got = await client.send(new GetVectorsCommand(input));
    const raw = (await callS3(s.endpoint, s.root, "GetVectors", input)).body as { vectors: Array<{ key: string; metadata: Metadata }> };
    const rawMetadata = new Map(raw.vectors.map((v) => [v.key, v.metadata]));
    for (const v of got.vectors ?? []) {
      const metadata = Object.hasOwn(v.metadata as object, "__proto__") ? rawMetadata.get(v.key!)! : v.metadata as Metadata;
      out.set(v.key!, { key: v.key!, data: plainZero(v.data!.float32!), metadata });
    }
  }
  return out;
}

const scenarioArb = fc.record({
  dimension: dimensionArb,
  metric: fc.constantFrom("euclidean" as const, "cosine" as const),
  nonFilterable: fc.constantFrom(...NON_FILTERABLE_CHOICES),
  spec: vectorSpecArb,
}).chain((base) => fc.record({
  base: fc.constant(base),
  keys: fc.uniqueArray(vectorKeyArb, { minLength: 1, maxLength: 12 }),
  metadata: fc.array(metadataArb(base.nonFilterable), { minLength: 24, maxLength: 24 }),
  overwrite: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  remove: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
}));

test("keys, metadata and values across the allowed space round-trip exactly through put, overwrite and delete", { timeout: 300_000 }, async () => {
  const property = fc.asyncProperty(scenarioArb, async ({ base, keys, metadata, overwrite, remove }) => {
    const at = { vectorBucketName: bucket, indexName: `run-${++runs}` };
    await s.s3.send(new CreateIndexCommand({
      ...at, dataType: "float32", dimension: base.dimension, distanceMetric: base.metric,
      ...(base.nonFilterable.length > 0 && { metadataConfiguration: { nonFilterableMetadataKeys: [...base.nonFilterable] } }),
    }));
    const vectors = drawVectors(base.spec, base.dimension, keys.length * 2);
    const model = new Map<string, Row>();
    const first = keys.map((key, i) => ({ key, data: plainZero(vectors[i]!), metadata: metadata[i] as Metadata }));
    await s.s3.send(new PutVectorsCommand({ ...at, vectors: first.map(toPut) }));
    for (const row of first) model.set(row.key, row);
    const second = keys.filter((_, i) => overwrite[i]).map((key, i) => ({ key, data: plainZero(vectors[keys.length + i]!), metadata: metadata[12 + i] as Metadata }));
    if (second.length > 0) await s.s3.send(new PutVectorsCommand({ ...at, vectors: second.map(toPut) }));
    for (const row of second) model.set(row.key, row);
    const gone = keys.filter((_, i) => remove[i]);
    if (gone.length > 0) await s.s3.send(new DeleteVectorsCommand({ ...at, keys: gone }));
    for (const key of gone) model.delete(key);

    const got = await readAll(s.s3, at, keys);
    assert.deepEqual([...got.keys()].sort(), [...model.keys()].sort(), "the live keys");
    for (const [key, row] of model) {
      const label = `key of ${codePointLength(key)} code points, metadata of ${metadataBytes(row.metadata as never)} bytes`;
      assert.deepEqual(got.get(key), row, label);
    }
    const listed = await s.s3.send(new ListVectorsCommand({ ...at, returnData: true, returnMetadata: true }));
    assert.deepEqual((listed.vectors ?? []).map((v) => v.key).sort(), [...model.keys()].sort(), "ListVectors sees the same keys");
  });
  await assertAsyncProperty("s3 round-trip", property, { ci: 20, torture: 1_000 }, { ci: 20_000, torture: 3_600_000 });
  console.log(`# s3 round-trip: ${runs} indexes written`);
});

test("just past each limit is ValidationException and changes nothing; at the limit is accepted", async () => {
  const at = { vectorBucketName: bucket, indexName: "limits" };
  await s.s3.send(new CreateIndexCommand({ ...at, dataType: "float32", dimension: 3, distanceMetric: "cosine", metadataConfiguration: { nonFilterableMetadataKeys: ["body"] } }));
  const longest = "😀".repeat(1024);
  const existing: Row[] = [
    { key: "a", data: [1, 2, 3], metadata: { genre: "drama" } },
    { key: longest, data: [3, 2, 1], metadata: { body: "text" } },
  ];
  await s.s3.send(new PutVectorsCommand({ ...at, vectors: existing.map(toPut) }));
  const filterableOf = (bytes: number) => ({ pad: "é".repeat(bytes / 2 - 5) + "x".repeat(bytes - 2 * (bytes / 2 - 5) - 10) }); // {"pad":"…"} is 10 bytes of JSON around it
  const totalOf = (bytes: number) => ({ genre: "g", body: "b".repeat(bytes - JSON.stringify({ genre: "g", body: "" }).length) });
  const keysOf = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
  assert.equal(metadataBytes(filterableOf(2048) as never), 2048);
  assert.equal(metadataBytes(totalOf(40 * 1024) as never), 40 * 1024);

  const pastLimits: Array<[string, PutInputVector[]]> = [
    ["a key of 1,025 characters", [{ key: "😀".repeat(1025), data: { float32: [1, 1, 1] } }]],
    ["an empty key", [{ key: "", data: { float32: [1, 1, 1] } }]],
    ["filterable metadata of 2 KB + 2 bytes", [toPut({ key: "a", data: [1, 1, 1], metadata: filterableOf(2050) })]],
    ["metadata of 40 KB + 1 byte", [toPut({ key: "a", data: [1, 1, 1], metadata: totalOf(40 * 1024 + 1) })]],
    ["51 metadata keys", [toPut({ key: "a", data: [1, 1, 1], metadata: keysOf(51) })]],
    ["4 values for dimension 3", [{ key: "a", data: { float32: [1, 1, 1, 1] } }]],
    ["501 vectors", Array.from({ length: 501 }, (_, i) => ({ key: `n${i}`, data: { float32: [1, 1, i] } }))],
  ];
  for (const [label, vectors] of pastLimits) {
    await expectS3Error(s.s3.send(new PutVectorsCommand({ ...at, vectors: [...vectors, { key: longest, data: { float32: [9, 9, 9] } }] })), 400, "ValidationException")
      .catch((e: Error) => { throw new Error(`${label}: ${e.message}`); });
    const got = await readAll(s.s3, at, existing.map((r) => r.key));
    assert.deepEqual([...got.values()], existing, `${label} changed nothing`);
  }
  const atLimits: Array<[string, Row]> = [
    ["a key of 1,024 characters", { key: "😀".repeat(1023) + "x", data: [1, 1, 1], metadata: {} }],
    ["filterable metadata of exactly 2 KB", { key: "f", data: [1, 1, 1], metadata: filterableOf(2048) }],
    ["metadata of exactly 40 KB", { key: "t", data: [1, 1, 1], metadata: totalOf(40 * 1024) }],
    ["50 metadata keys", { key: "m", data: [1, 1, 1], metadata: keysOf(50) }],
  ];
  for (const [label, row] of atLimits) {
    await s.s3.send(new PutVectorsCommand({ ...at, vectors: [toPut(row)] })).catch((e: Error) => { throw new Error(`${label}: ${e.name} ${e.message}`); });
    assert.deepEqual((await readAll(s.s3, at, [row.key])).get(row.key), row, label);
  }
});
