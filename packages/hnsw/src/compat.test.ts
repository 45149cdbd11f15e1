// Our addon against hnswlib-node, the binding whose bytes every stored segment holds: the same file
// format both ways, the same graph from the same rows and seed, the same answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HnswIndex } from "./index.js";
import { clusteredRows, ourGraph, referenceBytes, referenceFromBytes, referenceGraph, rowOf, seededRandom, seedFromEnv, SPACES } from "./test-support.ts";

const shapes = fc.record({
  space: fc.constantFrom(...SPACES),
  rows: fc.integer({ min: 1, max: 300 }),
  dimension: fc.integer({ min: 1, max: 24 }),
  m: fc.integer({ min: 2, max: 24 }),
  efConstruction: fc.integer({ min: 1, max: 100 }),
  seed: fc.integer({ min: 0, max: 1_000_000 }),
  dataSeed: fc.integer(),
});

test("graph bytes written by hnswlib-node load in ours, answer the same neighbours and serialise back to the same bytes", () => {
  fc.assert(
    fc.property(shapes, fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 200 }), (shape, anyK, ef) => {
      const k = Math.min(anyK, shape.rows); // hnswlib-node refuses a k above the graph's capacity
      const data = clusteredRows(seededRandom(shape.dataSeed), shape.rows, shape.dimension);
      const reference = referenceGraph(shape.space, data, shape.dimension, shape.rows, shape);
      const bytes = referenceBytes(reference);
      const ours = new HnswIndex(shape.space, shape.dimension);
      ours.load(bytes);
      assert.equal(ours.count(), shape.rows);
      assert.deepEqual(ours.serialize(), bytes);
      reference.setEf(ef);
      const queries = clusteredRows(seededRandom(shape.dataSeed + 1), 4, shape.dimension);
      for (let q = 0; q < 4; q++) {
        const query = rowOf(queries, shape.dimension, q);
        assert.deepEqual(ours.search(query, k, ef), reference.searchKnn(Array.from(query), k).neighbors);
      }
    }),
    { seed: seedFromEnv("hnswlib-node bytes load in ours"), numRuns: 40 },
  );
});

test("the same rows and seed give byte-identical graphs in both, built afresh or grown from a loaded base", () => {
  fc.assert(
    fc.property(shapes, fc.double({ min: 0, max: 1, noNaN: true }), (shape, baseShare) => {
      const data = clusteredRows(seededRandom(shape.dataSeed), shape.rows, shape.dimension);
      const ours = ourGraph(shape.space, data, shape.dimension, shape.rows, shape);
      const reference = referenceGraph(shape.space, data, shape.dimension, shape.rows, shape);
      assert.deepEqual(ours.serialize(), referenceBytes(reference));

      // Growing: both load the base's bytes (whose level generator restarts at its default seed),
      // make room and add the remaining rows.
      const baseRows = Math.max(1, Math.floor(shape.rows * baseShare));
      const baseBytes = referenceBytes(referenceGraph(shape.space, data, shape.dimension, baseRows, shape));
      const grownOurs = new HnswIndex(shape.space, shape.dimension);
      grownOurs.load(baseBytes);
      grownOurs.resize(shape.rows);
      const grownReference = referenceFromBytes(shape.space, shape.dimension, baseBytes);
      grownReference.resizeIndex(shape.rows);
      for (let row = baseRows; row < shape.rows; row++) {
        grownOurs.addPoint(rowOf(data, shape.dimension, row), row);
        grownReference.addPoint(Array.from(rowOf(data, shape.dimension, row)), row);
      }
      assert.deepEqual(grownOurs.serialize(), referenceBytes(grownReference));
    }),
    { seed: seedFromEnv("byte-identical graphs"), numRuns: 30 },
  );
});

test("serialising on a libuv thread gives the same bytes, and the graph refuses changes meanwhile", async () => {
  const data = clusteredRows(seededRandom(7), 200, 16);
  const graph = ourGraph("cosine", data, 16, 200, { m: 12, efConstruction: 64, seed: 3 });
  graph.markDelete(17);
  const pending = graph.serializeAsync();
  assert.throws(() => graph.addPoint(rowOf(data, 16, 0), 0), /being serialised/);
  assert.throws(() => graph.resize(400), /being serialised/);
  assert.deepEqual(graph.search(rowOf(data, 16, 5), 3, 32).length, 3, "searches go on meanwhile");
  const bytes = await pending;
  assert.deepEqual(bytes, graph.serialize());
  assert.equal(bytes.byteOffset, 0);
  assert.equal(bytes.buffer.byteLength, bytes.length, "the bytes own their buffer, so it can be transferred");
  graph.resize(400);

  const loaded = new HnswIndex("cosine", 16);
  const loading = loaded.loadAsync(bytes);
  assert.throws(() => loaded.search(rowOf(data, 16, 0), 1, 10), /still loading/);
  await loading;
  assert.deepEqual(loaded.serialize(), bytes);
  assert.equal(loaded.markDelete(17), false, "the mark came with the bytes");
});

test("resident bytes cover the graph's arrays and grow with its capacity", () => {
  const data = clusteredRows(seededRandom(9), 1000, 32);
  const graph = ourGraph("l2", data, 32, 1000, { m: 16, efConstruction: 32, seed: 1 });
  const serialized = graph.serialize().length;
  const resident = graph.residentBytes();
  assert.ok(resident > serialized, `resident ${resident} should exceed the serialised ${serialized}`);
  graph.resize(2000);
  assert.ok(graph.residentBytes() > resident + 1000 * (32 * 4 + 8));
});
