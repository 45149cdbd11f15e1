// topK = 10,000 (the S3 Vectors maximum) on a few tens of thousands of small vectors spread over
// segments with graphs and the memtable, after deletes and overwrites: every query returns
// min(topK, matching rows) live, matching rows at their true distances, in order, against a
// brute-force model; exactly the true top-K where the engine chooses the search path, and at the
// engine's graph recall standard where the graph is forced.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { FilterNode } from "@ossv/protocol";
import { SEARCH_TUNING } from "./segment.ts";
import type { Metadata, VectorRecord } from "../base/types.ts";
import { openTestEngine, randomVector, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";

const ROWS = 30_000;
const DIMENSION = 8;
const TOP_K = 10_000;
const POLICY = {
  segmentRows: 12_000, freezeMergeRatio: 0, maxSegments: 10, maxDeletedFraction: 0.9, idleFlushMs: 3_600_000, idleMergeMs: 3_600_000,
};

function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum);
}

const startsWith = (value: unknown, prefix: string) => typeof value === "string" && value.slice(0, prefix.length) === prefix;
const FILTERS: ReadonlyArray<{ node?: FilterNode; accept: (m: Metadata) => boolean }> = [
  { accept: () => true },
  { node: { op: "eq", key: "group", value: 3 }, accept: (m) => m.group === 3 }, // 10 %: fewer rows than K
  { node: { op: "ne", key: "group", value: 3 }, accept: (m) => m.group !== 3 }, // 90 %
  { node: { op: "startsWith", key: "path", prefix: "/g1" }, accept: (m) => startsWith(m.path, "/g1") }, // 10 %
  { node: { op: "startsWith", key: "path", prefix: "/g" }, accept: (m) => startsWith(m.path, "/g") }, // all
  {
    node: { op: "or", children: [{ op: "startsWith", key: "path", prefix: "/g2/" }, { op: "gte", key: "group", value: 6 }] },
    accept: (m) => startsWith(m.path, "/g2/") || (m.group as number) >= 6,
  }, // 50 %
];

test("topK 10,000 returns the complete top-K of live matching rows, with and without filters", { timeout: 600_000 }, async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: POLICY });
    const index = await setupIndex(engine, "large", DIMENSION, "euclidean");
    const collection = engine.collection(index);
    const random = seededRandom(31);
    const model = new Map<string, VectorRecord>();
    const records = Array.from({ length: ROWS }, (_, i): VectorRecord => ({
      key: `k${i}`, data: randomVector(random, DIMENSION), metadata: { group: i % 10, path: `/g${i % 10}/${i}` },
    }));
    for (let i = 0; i < ROWS; i += 500) await collection.put(records.slice(i, i + 500));
    for (const record of records) model.set(record.key, record);
    await collection.settleBackground();
    // Deletes and overwrites in segments and memtable alike: deleted rows stay in graphs and indexes.
    const deleted = records.filter((_, i) => i % 9 === 4).map((r) => r.key);
    for (let i = 0; i < deleted.length; i += 500) await collection.delete(deleted.slice(i, i + 500));
    for (const key of deleted) model.delete(key);
    const moved = records.filter((_, i) => i % 13 === 5 && model.has(`k${i}`))
      .map((r) => ({ ...r, data: randomVector(random, DIMENSION), metadata: { ...r.metadata, group: 3 } }));
    for (let i = 0; i < moved.length; i += 500) await collection.put(moved.slice(i, i + 500));
    for (const record of moved) model.set(record.key, record);
    const shape = collection.describe();
    assert.ok(shape.segments.length >= 2 && shape.segments.every((s) => s.graph) && shape.memtableRows > 0, JSON.stringify(shape));

    const check = (label: string, exact: boolean): void => {
      for (let q = 0; q < 2; q++) {
        const vector = randomVector(random, DIMENSION);
        for (const { node, accept } of FILTERS) {
          const what = `${label}, filter ${JSON.stringify(node)}`;
          const truth = [...model.values()].filter((r) => accept(r.metadata))
            .map((r) => ({ key: r.key, distance: euclidean(r.data, vector) }))
            .sort((a, b) => a.distance - b.distance)
            .slice(0, TOP_K);
          const hits = collection.query({ vector, topK: TOP_K, ...(node && { filter: node }) });
          assert.equal(hits.length, truth.length, `${what}: number of hits`);
          assert.equal(new Set(hits.map((h) => h.key)).size, hits.length, `${what}: a key came twice`);
          hits.forEach((hit, i) => {
            const record = model.get(hit.key);
            assert.ok(record !== undefined, `${what}: deleted row ${hit.key} returned`);
            assert.ok(accept(record.metadata), `${what}: ${hit.key} does not match`);
            const expected = euclidean(record.data, vector);
            assert.ok(Math.abs(hit.distance - expected) <= 1e-9 * Math.max(1, expected), `${what}: distance of ${hit.key}`);
            if (i > 0) assert.ok(hit.distance >= (hits[i - 1]?.distance as number), `${what}: not ascending at ${i}`);
            if (exact) assert.ok(Math.abs(hit.distance - (truth[i]?.distance as number)) <= 1e-9, `${what}: rank ${i} is not the true one`);
          });
          // The same query on unchanged data ranks the same way: what paging by [from, to) slices relies on.
          const again = collection.query({ vector, topK: TOP_K, ...(node && { filter: node }) });
          assert.deepEqual(again.map((h) => h.key), hits.map((h) => h.key), `${what}: a repeated query ranks differently`);
          const want = new Set(truth.map((t) => t.key));
          const recall = hits.filter((h) => want.has(h.key)).length / Math.max(1, want.size);
          assert.ok(recall >= 0.95, `${what}: recall ${recall}`);
        }
      }
    };
    check("the engine's own choice of path", true);
    const saved = { ...SEARCH_TUNING };
    Object.assign(SEARCH_TUNING, { graphScoresPerResult: 0, exactScanFloats: 0, minGraphSelectivity: 0 });
    try {
      check("graph forced", false);
    } finally {
      Object.assign(SEARCH_TUNING, saved);
    }
    await engine.close();
  });
});
