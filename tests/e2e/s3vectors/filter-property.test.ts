// Filtered queries through the S3 Vectors API keep the engine's guarantees, checked against a plain
// model (s3-model.ts) with random command sequences sent by the JS SDK: puts (overwrites included),
// deletes, reads, restarts of the server on the same data directory, and queries with random
// filters of the S3 dialect. Every query must return min(topK, matching rows) hits — never fewer
// while enough rows match — each a live row the filter matches (never a deleted or overwritten-away
// one), in ascending distance, each distance the model's for that row. Seeds are printed
// (OSSV_SEED replays a run, OSSV_RUNS changes the number of sequences).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CreateIndexCommand, CreateVectorBucketCommand, DeleteVectorsCommand, GetVectorsCommand, PutVectorsCommand, QueryVectorsCommand } from "@aws-sdk/client-s3vectors";
import { assertAsyncProperty, scaled } from "../../reliability/scale.ts";
import { startS3vServer, type S3vServer } from "./harness.ts";
import { euclidean, filterArb, IndexModel, metadataArb, type Filter, type Metadata } from "./s3-model.ts";

const KEYS = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "ключ", "😀", "a b", "A", "x".repeat(1024), "k/1", "k%2F", "0"];
const DIMENSION = 3;

type Command =
  | { kind: "put"; rows: Array<{ key: string; vector: number[]; metadata: Metadata }> }
  | { kind: "delete"; keys: string[] }
  | { kind: "get"; keys: string[] }
  | { kind: "query"; vector: number[]; topK: number; filter: Filter | undefined }
  | { kind: "restart" };

const keyArb = fc.constantFrom(...KEYS);
const vectorArb = fc.array(fc.integer({ min: -4, max: 4 }).map((n) => n / 2), { minLength: DIMENSION, maxLength: DIMENSION });
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 5, arbitrary: fc.uniqueArray(fc.record({ key: keyArb, vector: vectorArb, metadata: metadataArb }), { minLength: 1, maxLength: 8, selector: (r) => r.key }).map((rows) => ({ kind: "put" as const, rows })) },
  { weight: 2, arbitrary: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 5 }).map((keys) => ({ kind: "delete" as const, keys })) },
  { weight: 1, arbitrary: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 6 }).map((keys) => ({ kind: "get" as const, keys })) },
  { weight: 6, arbitrary: fc.record({ vector: vectorArb, topK: fc.integer({ min: 1, max: 25 }), filter: fc.option(filterArb, { nil: undefined, freq: 6 }) }).map((q) => ({ kind: "query" as const, ...q })) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
);

let s: S3vServer;
const bucket = "filter-property";
let runs = 0;
before(async () => {
  s = await startS3vServer();
  await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
});
after(async () => { await s.stop(); });

async function run(commands: Command[]): Promise<void> {
  const indexName = `run-${++runs}`;
  const at = { vectorBucketName: bucket, indexName };
  await s.s3.send(new CreateIndexCommand({ ...at, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" }));
  const model = new IndexModel();
  for (const [step, command] of commands.entries()) {
    const where = `step ${step} (${command.kind})`;
    switch (command.kind) {
      case "put":
        await s.s3.send(new PutVectorsCommand({ ...at, vectors: command.rows.map((r) => ({ key: r.key, data: { float32: r.vector }, metadata: r.metadata })) }));
        for (const r of command.rows) model.put(r.key, { vector: r.vector, metadata: r.metadata });
        break;
      case "delete":
        await s.s3.send(new DeleteVectorsCommand({ ...at, keys: command.keys }));
        for (const key of command.keys) model.delete(key);
        break;
      case "get": {
        const got = await s.s3.send(new GetVectorsCommand({ ...at, keys: command.keys, returnData: true, returnMetadata: true }));
        const expected = command.keys.filter((k) => model.rows.has(k)).map((key) => {
          const row = model.rows.get(key)!;
          return { key, data: { float32: row.vector }, metadata: row.metadata };
        });
        assert.deepEqual(got.vectors, expected, where);
        break;
      }
      case "query":
        await checkQuery(at, model, command, where);
        break;
      case "restart":
        await s.restart();
        break;
    }
  }
}

async function checkQuery(at: { vectorBucketName: string; indexName: string }, model: IndexModel, q: Extract<Command, { kind: "query" }>, where: string): Promise<void> {
  const answer = await s.s3.send(new QueryVectorsCommand({ ...at, queryVector: { float32: q.vector }, topK: q.topK, returnDistance: true, ...(q.filter && { filter: q.filter as Record<string, never> }) }));
  const hits = answer.vectors ?? [];
  const matching = new Set(model.matching(q.filter));
  const context = `${where}: filter ${JSON.stringify(q.filter)} topK ${q.topK}; ${matching.size} rows match; got ${JSON.stringify(hits.map((h) => h.key))}`;
  assert.equal(hits.length, Math.min(q.topK, matching.size), `never short of topK while enough rows match — ${context}`);
  assert.equal(new Set(hits.map((h) => h.key)).size, hits.length, `no key twice — ${context}`);
  for (const hit of hits) {
    assert.ok(matching.has(hit.key!), `${hit.key} is ${model.rows.has(hit.key!) ? "live but does not match" : "deleted or never written"} — ${context}`);
    const expected = euclidean(model.rows.get(hit.key!)!.vector, q.vector);
    assert.ok(Math.abs(hit.distance! - expected) <= 1e-5 * Math.max(1, expected), `distance of ${hit.key}: ${hit.distance} vs ${expected} — ${context}`);
  }
  const distances = hits.map((h) => h.distance!);
  assert.deepEqual(distances, [...distances].sort((a, b) => a - b), `ascending distances — ${context}`);
}

test("random puts, deletes, restarts and S3-dialect filtered queries agree with the model", { timeout: 300_000 }, async () => {
  const property = fc.asyncProperty(fc.array(commandArb, { minLength: 5, maxLength: scaled(30, 120) }), run);
  await assertAsyncProperty("s3 filtered queries", property, { ci: 14, torture: 400 }, { ci: 20_000, torture: 1_800_000 });
  console.log(`# s3 filtered queries: ${runs} sequences run`);
});
