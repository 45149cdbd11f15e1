// A Fusion index's per-field graphs, through the collection: generated documents (fields left out at
// random, every metric), deletes before and after the graphs are built, and filters from most rows to
// a handful. The model is a brute-force ranking of the live documents: a k-NN on a field must never
// come up short of min(k, matching documents with the field), must never hand over a deleted row, and
// must find the true nearest (recall, as the graphs are approximate). Seeds are printed on failure.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FIELD_GRAPH_TUNING, fieldSpans } from "./field-graphs.ts";
import type { Collection, FusionSchemaRecord, IndexRecord, Metadata, VectorRecord } from "../base/types.ts";
import { ACCOUNT, BUCKET, openTestEngine, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";
import { propertyParameters } from "../../../../tests/reliability/scale.ts";
import type { OssvEngine } from "../engine.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { IDLE_AFTER_MS, TestCluster, testIndex } from "../testing/cluster-nodes.ts";

const minRows = FIELD_GRAPH_TUNING.minRows;
before(() => {
  FIELD_GRAPH_TUNING.minRows = 64; // graphs for the small segments a test can afford
});
after(() => {
  FIELD_GRAPH_TUNING.minRows = minRows;
});

type Metric = "euclidean" | "cosine" | "ip";
interface Field { dimension: number; metric: Metric }

function schemaOf(fields: Field[]): FusionSchemaRecord {
  return {
    fields: [
      ...fields.map((field, i) => ({ name: `v${i}`, type: "vector", dataType: "float32", dimension: field.dimension, distanceMetric: field.metric })),
      { name: "group", type: "long" },
    ],
  };
}

/** A Fusion index of `schema`, its rows as wide as its vector fields laid side by side. */
function createFusionIndex(engine: OssvEngine, name: string, schema: FusionSchemaRecord): Promise<IndexRecord> {
  const width = fieldSpans(schema).reduce((sum, span) => sum + 1 + span.dimension, 0);
  return setupIndex(engine, name, width, "euclidean", schema);
}

/** One document: per field its values or undefined, and a group (the filters' key). */
interface Doc { key: string; values: (Float32Array | undefined)[]; group: number }

function rowOf(fields: Field[], doc: Doc): Float32Array {
  const spans = fieldSpans(schemaOf(fields));
  const row = new Float32Array(spans.reduce((sum, span) => sum + 1 + span.dimension, 0));
  spans.forEach((span, i) => {
    const values = doc.values[i];
    if (!values) return;
    row[span.offset] = 1;
    row.set(values, span.offset + 1);
  });
  return row;
}

const record = (fields: Field[], doc: Doc): VectorRecord => ({ key: doc.key, data: rowOf(fields, doc), metadata: { group: doc.group } });

/** Larger is closer, in float64 like the server's ranking. */
function similarity(metric: Metric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    aa += a[i]! ** 2;
    bb += b[i]! ** 2;
    l2 += (a[i]! - b[i]!) ** 2;
  }
  if (metric === "euclidean") return -l2;
  if (metric === "ip") return dot;
  return dot / Math.sqrt(aa * bb);
}

/** The collection's answer: its candidates ranked exactly, filtered, best k, with their similarities. */
function knnOf(
  collection: Collection, fields: Field[], field: number, query: Float32Array, k: number, groups?: Set<number>, prefiltered = false,
): [string, number][] {
  const span = fieldSpans(schemaOf(fields))[field]!;
  const accept = groups && ((_key: string, metadata: () => Readonly<Metadata>) => groups.has(metadata()["group"] as number));
  const node = groups && prefiltered ? { op: "in" as const, key: "group", values: [...groups] } : undefined;
  const prefilter = node && { node, key: JSON.stringify(node) };
  const seen = new Map<string, number>();
  collection.forEachFieldCandidate({ field, query, k, minEf: 0, ...(accept && { accept }), ...(prefilter && { prefilter }) }, (key, row, metadata) => {
    assert.ok(!seen.has(key), `${key} is visited once`);
    if (row[span.offset] !== 1 || (accept && !accept(key, metadata))) return;
    seen.set(key, similarity(span.metric, row.subarray(span.offset + 1, span.offset + 1 + span.dimension), query));
  });
  return [...seen].sort((a, b) => b[1] - a[1]).slice(0, k);
}

function modelKnn(model: Map<string, Doc>, fields: Field[], field: number, query: Float32Array, k: number, groups?: Set<number>): [string, number][] {
  const metric = fields[field]!.metric;
  return [...model.values()]
    .filter((doc) => doc.values[field] !== undefined && (!groups || groups.has(doc.group)))
    .map((doc): [string, number] => [doc.key, similarity(metric, doc.values[field]!, query)])
    .sort((a, b) => b[1] - a[1]).slice(0, k);
}

async function fieldGraphsBuilt(collection: Collection): Promise<void> {
  for (let waited = 0; ; waited += 20) {
    const segments = collection.describe().segments;
    if (segments.length > 0 && segments.every((segment) => segment.fieldGraphsPending === false)) return;
    assert.ok(waited < 60_000, `field graphs built: ${JSON.stringify(segments)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const fieldArb: fc.Arbitrary<Field> = fc.record({ dimension: fc.integer({ min: 1, max: 12 }), metric: fc.constantFrom<Metric>("euclidean", "cosine", "ip") });

test("a k-NN on a field graph never comes up short, never returns a deleted row, and finds the nearest", { timeout: 600_000 }, async () => {
  let found = 0;
  let wanted = 0;
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    let run = 0;
    try {
      await fc.assert(fc.asyncProperty(
        fc.array(fieldArb, { minLength: 1, maxLength: 3 }), fc.integer({ min: 70, max: 600 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        async (fields, count, seed) => {
          const random = seededRandom(seed);
          const index = await createFusionIndex(engine, `f${++run}`, schemaOf(fields));
          const collection = engine.collection(index);
          const point = (dimension: number) => Float32Array.from({ length: dimension }, () => random() * 2 - 1 || 0.5);
          const makeDoc = (i: number): Doc => ({
            key: `d${i}`, group: Math.floor(random() * 100),
            values: fields.map((field) => (random() < 0.85 ? point(field.dimension) : undefined)),
          });
          const model = new Map<string, Doc>();
          const docs = Array.from({ length: count }, (_, i) => makeDoc(i));
          await collection.put(docs.map((doc) => record(fields, doc)));
          for (const doc of docs) model.set(doc.key, doc);
          const early = docs.filter(() => random() < 0.1).map((doc) => doc.key);
          await collection.delete(early);
          for (const key of early) model.delete(key);
          await collection.flush();
          await fieldGraphsBuilt(collection);
          const late = [...model.keys()].filter(() => random() < 0.2);
          await collection.delete(late);
          for (const key of late) model.delete(key);
          // Filters as a predicate alone, and with the same filter as the engine's prefilter.
          for (const [filterShare, prefiltered] of [[undefined, false], [50, false], [3, false], [50, true], [3, true]] as const) {
            const groups = filterShare === undefined ? undefined : new Set(Array.from({ length: filterShare }, () => Math.floor(random() * 100)));
            for (let field = 0; field < fields.length; field++) {
              const k = 1 + Math.floor(random() * 20);
              const query = point(fields[field]!.dimension);
              const got = knnOf(collection, fields, field, query, k, groups, prefiltered);
              const expected = modelKnn(model, fields, field, query, k, groups);
              const where = `seed ${seed}, field ${field} ${JSON.stringify(fields[field])}, k ${k}, groups ${groups?.size ?? "all"}, prefiltered ${prefiltered}`;
              assert.equal(got.length, expected.length, `never short: ${where}`);
              for (const [key] of got) assert.ok(model.has(key), `${key} is live: ${where}`);
              // A hit counts when it is as close as the true k-th: among ties any of them is right.
              const kth = expected.at(-1)?.[1] ?? 0;
              found += got.filter(([, score]) => score >= kth - 1e-9 * Math.max(1, Math.abs(kth))).length;
              wanted += expected.length;
            }
          }
          await engine.catalog.deleteIndex(ACCOUNT, BUCKET, index.name);
        },
      ), propertyParameters("field graphs", 25, 300));
    } finally {
      await engine.close();
    }
  });
  console.log(`# field graphs: recall ${(found / wanted).toFixed(4)} (${found} of ${wanted})`);
  assert.ok(found / wanted >= 0.95, `recall ${found}/${wanted}`);
});

test("a collection closed while its field graphs build keeps every row and builds them again when reopened", async () => {
  await withTempDir(async (dir) => {
    const fields: Field[] = [{ dimension: 32, metric: "cosine" }];
    const random = seededRandom(7);
    let engine = await openTestEngine(dir);
    const index = await createFusionIndex(engine, "closing", schemaOf(fields));
    const docs = Array.from({ length: 20_000 }, (_, i) => ({ key: `d${i}`, group: 0, values: [Float32Array.from({ length: 32 }, () => random() - 0.5)] }));
    await engine.collection(index).put(docs.map((doc) => record(fields, doc)));
    await engine.collection(index).flush();
    assert.equal(engine.collection(index).describe().segments[0]?.fieldGraphsPending, true, "closed while the build runs");
    await engine.close(); // stops the build (what this checks is that closing midway loses nothing)
    engine = await openTestEngine(dir);
    try {
      const collection = engine.collection(engine.catalog.getIndexById(index.id)!);
      assert.equal(collection.count(), docs.length);
      await fieldGraphsBuilt(collection);
      assert.equal(knnOf(collection, fields, 0, docs[123]!.values[0]!, 1)[0]?.[0], "d123");
      let visited = 0;
      collection.forEachFieldCandidate({ field: 0, query: docs[5]!.values[0]!, k: 10, minEf: 0 }, () => visited++);
      assert.ok(visited < 1000, `the graph picks the candidates (${visited} visited of ${docs.length})`);
    } finally {
      await engine.close();
    }
  });
});

test("a reader of a shared store builds the field graphs of the segments it reads, and answers from them", async () => {
  await withTempDir(async (dir) => {
    const fields: Field[] = [{ dimension: 6, metric: "euclidean" }];
    const schema = schemaOf(fields);
    const width = fieldSpans(schema).reduce((sum, span) => sum + 1 + span.dimension, 0);
    const index = { ...testIndex("0123456789abcdef", width), fusion: schema };
    const cluster = new TestCluster(new LocalBlobStore(dir));
    try {
      const [a, b] = [await cluster.join("node-a"), await cluster.join("node-b")];
      const [writer, reader] = [await a.open(index), await b.open(index)];
      await writer.maintain();
      await reader.maintain();
      const random = seededRandom(11);
      const docs = Array.from({ length: 500 }, (_, i) => ({ key: `d${i}`, group: 0, values: [Float32Array.from({ length: 6 }, () => random() - 0.5)] }));
      await writer.put(docs.map((doc) => record(fields, doc)));
      await writer.flush();
      await writer.checkpoint();
      await reader.freshen();
      await reader.maintain();
      await b.later(IDLE_AFTER_MS + 1);
      await reader.freshen();
      assert.equal(reader.count(), docs.length, "the reader reads the writer's checkpoint");
      knnOf(reader, fields, 0, docs[0]!.values[0]!, 1); // the first query asks for the graphs
      await fieldGraphsBuilt(reader);
      assert.equal(reader.describe().segments[0]?.fieldGraphs, 1);
      let visited = 0;
      reader.forEachFieldCandidate({ field: 0, query: docs[42]!.values[0]!, k: 5, minEf: 0 }, () => visited++);
      assert.ok(visited < docs.length, `the reader's graph picks the candidates (${visited} of ${docs.length})`);
      assert.equal(knnOf(reader, fields, 0, docs[42]!.values[0]!, 1)[0]?.[0], "d42");
    } finally {
      await cluster.close();
    }
  });
});
