// The "cosine-raw" space (vectors kept as given, with their inverse norm) and the two calls that let
// the engine hold each vector once: vectors(), a view of the graph's element memory, and scoreRows(),
// native scoring bit-identical to the engine's JavaScript kernel.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HnswIndex, type HnswSpace } from "./index.js";
import { clusteredRows, distance, finiteRows, kernelScore, ourGraph, referenceFromBytes, referenceGraph, referenceBytes, rowOf, seededRandom, seedFromEnv } from "./test-support.ts";

const params = { m: 12, efConstruction: 80, seed: 7 };

const shapes = fc.record({ dimension: fc.integer({ min: 1, max: 70 }), rows: fc.integer({ min: 1, max: 120 }) })
  .chain(({ dimension, rows }) => fc.record({ dimension: fc.constant(dimension), rows: fc.constant(rows), data: finiteRows(dimension, rows), query: finiteRows(dimension, 1) }));

for (const space of ["cosine-raw", "l2", "ip"] as HnswSpace[]) {
  test(`${space}: vectors() shows every vector exactly as added, and scoreRows() scores as the engine's kernel, bit for bit`, () => {
    fc.assert(
      fc.property(shapes, ({ dimension, rows, data, query }) => {
        const graph = ourGraph(space, data, dimension, rows, params);
        const view = graph.vectors();
        assert.ok(view, "a graph whose rows were added in order shows its vectors");
        for (let row = 0; row < rows; row++) {
          const base: number = row * view.stride + view.offset;
          assert.deepEqual(view.data.subarray(base, base + dimension), rowOf(data, dimension, row), `row ${row}`);
        }
        const list = Int32Array.from({ length: rows * 2 }, (_, i) => (i * 7) % rows);
        for (const euclidean of [false, true]) {
          const out = new Float64Array(list.length);
          graph.scoreRows(query, list, list.length, euclidean, out);
          for (let j = 0; j < list.length; j++) {
            assert.equal(out[j], kernelScore(rowOf(data, dimension, list[j] as number), query, euclidean), `row ${list[j]}`);
          }
        }
      }),
      { seed: seedFromEnv(`${space} vectors and scoreRows`), numRuns: 60 },
    );
  });
}

test("cosine-raw finds the same neighbours as hnswlib's normalising cosine space, at any scale of the vectors", () => {
  const random = seededRandom(seedFromEnv("cosine-raw recall"));
  const dimension = 48;
  const rows = 3000;
  const data = clusteredRows(random, rows, dimension);
  // Scale each row by its own factor: cosine ignores it, so the neighbours must not change.
  for (let row = 0; row < rows; row++) {
    const scale = 10 ** (random() * 8 - 4);
    for (let i = 0; i < dimension; i++) data[row * dimension + i] = (data[row * dimension + i] as number) * scale;
  }
  const queries = Array.from({ length: 60 }, (_, q) => rowOf(data, dimension, q * 37).map((value) => value * (1 + (random() - 0.5) * 0.2)));
  const recall = (space: HnswSpace) => {
    const graph = ourGraph(space, data, dimension, rows, params);
    let found = 0;
    for (const query of queries) {
      const exact = new Set(Array.from({ length: rows }, (_, row) => row)
        .sort((a, b) => distance("cosine", query, rowOf(data, dimension, a)) - distance("cosine", query, rowOf(data, dimension, b)))
        .slice(0, 10));
      found += graph.search(query, 10, 48).filter((row) => exact.has(row)).length;
    }
    return found / 600;
  };
  const raw = recall("cosine-raw");
  const normalising = recall("cosine");
  assert.ok(raw >= 0.95, `recall@10 ${raw}`);
  assert.ok(raw >= normalising - 0.02, `cosine-raw ${raw} against cosine ${normalising}`);
});

test("a zero vector has no direction: it is stored, found at distance 1 and never poisons a search", () => {
  const dimension = 8;
  const data = new Float32Array(4 * dimension);
  data.set([1, 0, 0, 0, 0, 0, 0, 0], dimension); // row 1
  data.set([0, 2, 0, 0, 0, 0, 0, 0], 2 * dimension); // row 2
  data.set([3, 3, 0, 0, 0, 0, 0, 0], 3 * dimension); // row 3; row 0 stays zero
  const graph = ourGraph("cosine-raw", data, dimension, 4, params);
  assert.deepEqual(graph.search(Float32Array.from([1, 0.1, 0, 0, 0, 0, 0, 0]), 4, 10).slice(0, 2), [1, 3]);
  assert.equal(graph.search(new Float32Array(dimension), 4, 10).length, 4, "a zero query still gets every row");
});

test("cosine-raw graphs are stored as hnswlib cosine graphs and load back from those bytes with the original vectors", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 150 }), fc.integer(), (dimension, rows, dataSeed) => {
      const data = clusteredRows(seededRandom(dataSeed), rows, dimension).map((value, i) => value * (1 + (i % 7)));
      // Bytes hnswlib-node wrote for these rows (every segment stored so far) load as cosine-raw, with
      // the originals, and serialise back to the very same bytes.
      const stored = referenceBytes(referenceGraph("cosine", data, dimension, rows, params));
      const loaded = new HnswIndex("cosine-raw", dimension);
      loaded.load(stored, undefined, data);
      const view = loaded.vectors();
      assert.ok(view);
      for (let row = 0; row < rows; row++) {
        const base: number = row * view.stride + view.offset;
        assert.deepEqual(view.data.subarray(base, base + dimension), rowOf(data, dimension, row));
      }
      assert.deepEqual(loaded.serialize(), stored);
      // And a graph built as cosine-raw is stored in the same format: hnswlib-node reads it.
      const built = ourGraph("cosine-raw", data, dimension, rows, params).serialize();
      const reference = referenceFromBytes("cosine", dimension, built);
      assert.equal(reference.getCurrentCount(), rows);
      const query = rowOf(data, dimension, rows - 1);
      const nearest = reference.searchKnn(Array.from(query), 1).neighbors[0] as number;
      assert.ok(distance("cosine", query, rowOf(data, dimension, nearest)) < 1e-6, "hnswlib-node finds the query's own row (or a tie)");
    }),
    { seed: seedFromEnv("cosine-raw bytes"), numRuns: 30 },
  );
});

test("loading a cosine-raw graph takes whole rows of originals covering every label, and only that space takes them", () => {
  const dimension = 6;
  const data = clusteredRows(seededRandom(3), 20, dimension);
  const bytes = ourGraph("cosine-raw", data, dimension, 20, params).serialize();
  const raw = () => new HnswIndex("cosine-raw", dimension);
  assert.throws(() => raw().load(bytes), TypeError, "originals are required");
  assert.throws(() => raw().load(bytes, undefined, new Float32Array(20 * dimension + 1)), RangeError);
  assert.throws(() => raw().load(bytes, undefined, data.subarray(0, 19 * dimension)), /label is past the rows/);
  assert.throws(() => new HnswIndex("l2", dimension).load(ourGraph("l2", data, dimension, 20, params).serialize(), undefined, data), TypeError);
  assert.throws(() => raw().load(ourGraph("cosine-raw", new Float32Array(20 * 5), 5, 20, params).serialize(), undefined, data), /damaged/, "another dimension");
});

test("vectors() is withheld where the graph does not hold the originals or rows are not in label order", () => {
  const dimension = 6;
  const data = clusteredRows(seededRandom(4), 50, dimension);
  assert.equal(ourGraph("cosine", data, dimension, 50, params).vectors(), undefined, "hnswlib's cosine keeps them normalised");
  const shuffled = new HnswIndex("l2", dimension);
  shuffled.init(50, 8, 40, 1);
  for (let row = 0; row < 50; row++) shuffled.addPoint(rowOf(data, dimension, row), 49 - row);
  assert.equal(shuffled.vectors(), undefined);
  assert.throws(() => shuffled.scoreRows(rowOf(data, dimension, 0), Int32Array.of(0), 1, true, new Float64Array(1)), /vectors\(\) first/);
});

test("a view pins the graph's memory: no resize once taken, and it outlives a graph replaced by load", () => {
  const dimension = 4;
  const data = clusteredRows(seededRandom(6), 30, dimension);
  const graph = ourGraph("l2", data, dimension, 30, params);
  const view = graph.vectors();
  assert.ok(view);
  assert.throws(() => graph.resize(100), /cannot be resized/);
  graph.load(ourGraph("l2", new Float32Array(30 * dimension), dimension, 30, params).serialize());
  (globalThis as { gc?: () => void }).gc?.();
  assert.deepEqual(view.data.subarray(view.offset, view.offset + dimension), rowOf(data, dimension, 0), "the old view still reads the old graph");
});

test("scoreRows refuses bad arguments with errors, never a crash", () => {
  const dimension = 5;
  const data = clusteredRows(seededRandom(8), 10, dimension);
  const graph = ourGraph("l2", data, dimension, 10, params);
  graph.vectors();
  const query = rowOf(data, dimension, 0);
  assert.throws(() => graph.scoreRows(query, Int32Array.of(10), 1, true, new Float64Array(1)), RangeError);
  assert.throws(() => graph.scoreRows(query, Int32Array.of(-1), 1, true, new Float64Array(1)), RangeError);
  assert.throws(() => graph.scoreRows(query, Int32Array.of(0), 2, true, new Float64Array(2)), RangeError, "count beyond the row list");
  assert.throws(() => graph.scoreRows(query, Int32Array.of(0, 1), 2, true, new Float64Array(1)), RangeError, "count beyond the output");
  assert.throws(() => graph.scoreRows(new Float32Array(4), Int32Array.of(0), 1, true, new Float64Array(1)), RangeError);
  assert.throws(() => graph.scoreRows(query, [0] as unknown as Int32Array, 1, true, new Float64Array(1)), TypeError);
  assert.throws(() => graph.scoreRows(query, Int32Array.of(0), 1, true, new Float32Array(1) as unknown as Float64Array), TypeError);
});

test("a frozen graph lets go of what insertions need, and still searches, marks and serialises the same", () => {
  const dimension = 16;
  const rows = 2000;
  const data = clusteredRows(seededRandom(9), rows, dimension);
  const graph = ourGraph("cosine-raw", data, dimension, rows, params);
  const bytes = graph.serialize();
  const query = rowOf(data, dimension, 11);
  const before = graph.search(query, 10, 50);
  const resident = graph.residentBytes();
  assert.equal(graph.freeze(), true, "rows were added in label order");
  assert.ok(resident - graph.residentBytes() > 2_600_000 + rows * 70, `${resident} -> ${graph.residentBytes()}`);
  assert.deepEqual(graph.search(query, 10, 50), before);
  assert.deepEqual(graph.serialize(), bytes);
  assert.equal(graph.markDelete(11), true);
  assert.equal(graph.markDelete(11), false, "a repeated mark");
  assert.ok(!graph.search(query, 10, 50).includes(11));
  assert.throws(() => graph.markDelete(rows), RangeError);
  assert.throws(() => graph.addPoint(query, 5), /frozen/);
  assert.throws(() => graph.resize(rows * 2), /frozen/);
  graph.load(bytes, undefined, data);
  graph.resize(rows + 1);
  graph.addPoint(query, rows);
  assert.equal(graph.count(), rows + 1, "a loaded graph is a new one, not frozen");

  const shuffled = new HnswIndex("l2", dimension);
  shuffled.init(rows, 8, 40, 1);
  for (let row = 0; row < rows; row++) shuffled.addPoint(rowOf(data, dimension, row), rows - 1 - row);
  assert.equal(shuffled.freeze(), false, "labels out of order keep their map");
  assert.equal(shuffled.markDelete(rows - 1), true);
  assert.ok(!shuffled.search(rowOf(data, dimension, 0), 5, 50).includes(rows - 1), "label rows-1 is element 0's");
});
