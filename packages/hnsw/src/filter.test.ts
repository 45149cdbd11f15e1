// Filtered search with a row bitmap, checked against an exact model and against hnswlib-node's
// callback filter on the same graph; deleted rows never come back.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HnswIndex } from "./index.js";
import { clusteredRows, distance, exactDistances, ourGraph, referenceFromBytes, rowOf, seededRandom, seedFromEnv, SPACES } from "./test-support.ts";

const cases = fc.record({
  space: fc.constantFrom(...SPACES),
  rows: fc.integer({ min: 1, max: 200 }),
  dimension: fc.integer({ min: 1, max: 16 }),
  m: fc.integer({ min: 8, max: 24 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  dataSeed: fc.integer(),
  allowedShare: fc.double({ min: 0, max: 1, noNaN: true }),
  deletedShare: fc.double({ min: 0, max: 0.5, noNaN: true }),
  k: fc.integer({ min: 1, max: 30 }),
});

type Case = typeof cases extends fc.Arbitrary<infer T> ? T : never;

/** Random allowed and deleted rows; the bitmap sometimes shorter than the graph (rows past it are not allowed). */
function masks(c: Case) {
  const random = seededRandom(c.dataSeed ^ 0x5bd1e995);
  const allowed = Uint8Array.from({ length: c.rows }, () => (random() < c.allowedShare ? 1 + Math.floor(random() * 255) : 0));
  const deleted = Array.from({ length: c.rows }, () => random() < c.deletedShare);
  const bitmap = random() < 0.2 ? allowed.subarray(0, Math.floor(random() * c.rows)) : allowed;
  const passes = (row: number) => row < bitmap.length && bitmap[row] !== 0 && !deleted[row];
  return { bitmap, deleted, passes };
}

test("a bitmap-filtered search with a beam over all rows equals brute force over the allowed live rows it can reach", () => {
  fc.assert(
    fc.property(cases, (c) => {
      const data = clusteredRows(seededRandom(c.dataSeed), c.rows, c.dimension);
      const graph = ourGraph(c.space, data, c.dimension, c.rows, { m: c.m, efConstruction: 64, seed: c.seed });
      const { bitmap, deleted, passes } = masks(c);
      const query = rowOf(clusteredRows(seededRandom(c.dataSeed + 1), 1, c.dimension), c.dimension, 0);
      // A beam as wide as the graph never stops early, so a search visits every row reachable from
      // where the query enters the bottom layer: unfiltered, before any delete, it returns them all.
      // Not always every row: in the inner-product space (not a metric) some rows get no links in.
      const reachable = new Set(graph.search(query, c.rows, c.rows));
      deleted.forEach((gone, row) => gone && graph.markDelete(row));
      const found = graph.search(query, c.k, c.rows, bitmap);
      for (const row of found) assert.ok(passes(row), `row ${row} is deleted or not allowed`);
      const got = found.map((row) => distance(c.space, query, rowOf(data, c.dimension, row)));
      const want = exactDistances(c.space, data, c.dimension, query, c.k, (row) => passes(row) && reachable.has(row));
      assert.equal(got.length, want.length);
      got.forEach((d, i) => assert.ok(Math.abs(d - (want[i] as number)) <= 1e-5 * Math.max(1, Math.abs(d)), `result ${i}: ${d} vs ${want[i]}`));
    }),
    { seed: seedFromEnv("bitmap filter vs brute force"), numRuns: 100 },
  );
});

test("a bitmap-filtered search returns what hnswlib-node's callback filter returns on the same graph and beam", () => {
  fc.assert(
    fc.property(cases, fc.integer({ min: 1, max: 64 }), (c, ef) => {
      const data = clusteredRows(seededRandom(c.dataSeed), c.rows, c.dimension);
      const ours = ourGraph(c.space, data, c.dimension, c.rows, { m: c.m, efConstruction: 64, seed: c.seed });
      const { bitmap, deleted, passes } = masks(c);
      deleted.forEach((gone, row) => gone && ours.markDelete(row));
      const reference = referenceFromBytes(c.space, c.dimension, ours.serialize());
      reference.setEf(ef);
      const k = Math.min(c.k, c.rows); // hnswlib-node refuses a k above the graph's capacity
      const queries = clusteredRows(seededRandom(c.dataSeed + 1), 3, c.dimension);
      for (let q = 0; q < 3; q++) {
        const query = rowOf(queries, c.dimension, q);
        const found = ours.search(query, k, ef, bitmap);
        assert.deepEqual(found, reference.searchKnn(Array.from(query), k, (row) => row < bitmap.length && bitmap[row] !== 0).neighbors);
        for (const row of found) assert.ok(passes(row), `row ${row} is deleted or not allowed`);
      }
    }),
    { seed: seedFromEnv("bitmap filter vs hnswlib-node's callback"), numRuns: 60 },
  );
});

test("deleted rows never come back, unfiltered, and the marks survive serialisation", () => {
  const data = clusteredRows(seededRandom(11), 150, 8);
  const graph = ourGraph("l2", data, 8, 150, { m: 8, efConstruction: 32, seed: 5 });
  for (let row = 0; row < 150; row += 2) assert.equal(graph.markDelete(row), true);
  const loaded = new HnswIndex("l2", 8);
  loaded.load(graph.serialize());
  for (const index of [graph, loaded]) {
    for (let row = 0; row < 150; row++) {
      const found = index.search(rowOf(data, 8, row), 150, 150);
      assert.equal(found.length, 75, "every live row, no deleted one");
      for (const label of found) assert.equal(label % 2, 1, `deleted row ${label} returned`);
    }
  }
  assert.deepEqual(graph.search(rowOf(data, 8, 0), 5, 150, new Uint8Array(150)), [], "an empty bitmap allows nothing");
});
