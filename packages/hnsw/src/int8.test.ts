// Int8 graphs ("l2-int8", "cosine-int8": one byte per dimension, loaded from a float graph's bytes) and VectorFile,
// the exact float32 vectors read from a file: together they let a segment keep a quarter of its
// vector memory and still rank its results exactly (packages/engine/src/search/vector-placement.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { HnswIndex, VectorFile } from "./index.js";
import { clusteredRows, distance, finiteRows, kernelScore, ourGraph, rowOf, seededRandom, seedFromEnv } from "./test-support.ts";

const params = { m: 12, efConstruction: 80, seed: 7 };
type FloatSpace = "l2" | "cosine-raw";
const int8Of = (space: FloatSpace) => (space === "l2" ? "l2-int8" : "cosine-int8");

/** A frozen float graph of `space` over the rows, as the engine loads one. */
function floatGraph(space: FloatSpace, data: Float32Array, dimension: number, rows: number): HnswIndex {
  const graph = ourGraph(space, data, dimension, rows, params);
  graph.freeze();
  return graph;
}

/** A graph of codes read from the float graph's bytes (load, on this thread). */
function compact(space: FloatSpace, source: HnswIndex, dimension: number): HnswIndex {
  const codes = new HnswIndex(int8Of(space), dimension);
  codes.load(source.serialize());
  return codes;
}

/** The vector the codes stand for: as given (l2), or scaled to unit length (cosine), in float. */
function coded(space: FloatSpace, vector: Float32Array): Float32Array {
  if (space === "l2") return vector;
  let sum = 0;
  for (const value of vector) sum += value * value;
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0; // in double, as int8-graph.cc does
  return vector.map((value) => Math.fround(value * scale));
}

const shapes = fc.record({ dimension: fc.integer({ min: 1, max: 70 }), rows: fc.integer({ min: 1, max: 120 }), space: fc.constantFrom<FloatSpace>("l2", "cosine-raw") })
  .chain(({ dimension, rows, space }) => fc.record({
    dimension: fc.constant(dimension), rows: fc.constant(rows), space: fc.constant(space), data: finiteRows(dimension, rows), query: finiteRows(dimension, 1),
  }));

test("int8 distances are within the codes' rounding of the exact ones, for any finite vectors", () => {
  fc.assert(fc.property(shapes, ({ dimension, rows, space, data, query }) => {
    const codes = compact(space, floatGraph(space, data, dimension, rows), dimension);
    assert.equal(codes.count(), rows);
    // Each dimension is cut into 255 steps over its range among the elements, so a reconstructed
    // vector is within half a step of the coded one on every dimension.
    const vectors = Array.from({ length: rows }, (_, row) => coded(space, rowOf(data, dimension, row)));
    let slack = 0;
    for (let d = 0; d < dimension; d++) {
      const values = vectors.map((vector) => vector[d] as number);
      slack += ((Math.max(...values) - Math.min(...values)) / 255 / 2) ** 2;
    }
    const q = coded(space, query);
    const out = new Float64Array(rows);
    codes.scoreCodes(query, Int32Array.from({ length: rows }, (_, row) => row), rows, out);
    for (let row = 0; row < rows; row++) {
      const exact = Math.sqrt(distance("l2", q, vectors[row] as Float32Array));
      const approx = Math.sqrt(out[row] as number);
      const tolerance = Math.sqrt(slack) * 1.001 + 1e-6 * (1 + exact);
      assert.ok(Math.abs(approx - exact) <= tolerance, `row ${row}: ${approx} against ${exact} (within ${tolerance})`);
    }
  }), { numRuns: 150, seed: seedFromEnv("int8 distances") });
});

for (const space of ["l2", "cosine-raw"] as const) {
  test(`${int8Of(space)}: candidates re-ranked exactly find the true nearest, and marks carry over`, async () => {
    const random = seededRandom(seedFromEnv(`${space} int8 recall`));
    const dimension = 48;
    const rows = 4000;
    const data = clusteredRows(random, rows, dimension);
    const source = floatGraph(space, data, dimension, rows);
    for (let row = 0; row < rows; row += 7) source.markDelete(row);
    const codes = new HnswIndex(int8Of(space), dimension);
    await codes.loadAsync(source.serialize());
    codes.markDelete(1);
    const deleted = (row: number) => row % 7 === 0 || row === 1;
    const metric = space === "l2" ? "l2" : "cosine";
    let found = 0;
    const queries = 100;
    for (let q = 0; q < queries; q++) {
      const query = Float32Array.from(rowOf(data, dimension, Math.floor(random() * rows)), (value) => value + (random() - 0.5) * 0.2);
      const candidates = codes.search(query, 30, 64);
      assert.ok(candidates.every((row) => !deleted(row)), "no deleted row comes back");
      const reranked = candidates.map((row) => ({ row, d: distance(metric, query, rowOf(data, dimension, row)) })).sort((a, b) => a.d - b.d).slice(0, 10);
      const truth = Array.from({ length: rows }, (_, row) => row).filter((row) => !deleted(row))
        .map((row) => ({ row, d: distance(metric, query, rowOf(data, dimension, row)) })).sort((a, b) => a.d - b.d).slice(0, 10);
      const mine = new Set(reranked.map(({ row }) => row));
      found += truth.filter(({ row }) => mine.has(row)).length;
    }
    const recall = found / (queries * 10);
    assert.ok(recall >= 0.97, `recall@10 ${recall}`);
    assert.ok(codes.residentBytes() < source.residentBytes() * 0.55, `${codes.residentBytes()} bytes against ${source.residentBytes()}`);
  });
}

test("a graph whose labels are not its element numbers loads into codes with its labels", () => {
  const dimension = 6;
  const data = clusteredRows(seededRandom(3), 50, dimension);
  const graph = new HnswIndex("l2", dimension);
  graph.init(1001, 8, 40, 1);
  for (let row = 0; row < 50; row++) graph.addPoint(rowOf(data, dimension, row), 1000 - row);
  const codes = compact("l2", graph, dimension);
  assert.equal(codes.search(rowOf(data, dimension, 17), 1, 20)[0], 983);
  const out = new Float64Array(1);
  codes.scoreCodes(rowOf(data, dimension, 17), Int32Array.of(983), 1, out);
  assert.ok((out[0] as number) < 1e-3);
  assert.equal(codes.markDelete(983), true);
  assert.notEqual(codes.search(rowOf(data, dimension, 17), 1, 20)[0], 983);
});

test("int8 graphs refuse what they cannot do, and damaged or mismatched bytes", () => {
  const dimension = 4;
  const data = clusteredRows(seededRandom(5), 20, dimension);
  const l2 = floatGraph("l2", data, dimension, 20);
  const bytes = l2.serialize();
  const codes = compact("l2", l2, dimension);
  const query = rowOf(data, dimension, 0);
  assert.throws(() => codes.init(10, 8, 40, 1), /int8 graph cannot init/);
  assert.throws(() => codes.load(bytes, 100), /int8 graph cannot reserve capacity/);
  assert.throws(() => codes.serialize(), /int8 graph cannot serialize/);
  assert.throws(() => codes.addPoint(query, 99), /frozen/);
  assert.throws(() => codes.resize(40), /frozen/);
  assert.equal(codes.vectors(), undefined);
  assert.throws(() => l2.scoreCodes(query, Int32Array.of(0), 1, new Float64Array(1)), /needs an int8 graph/);
  assert.throws(() => codes.scoreCodes(query, Int32Array.of(20), 1, new Float64Array(1)), /row 20 is not in the graph/);
  assert.throws(() => codes.scoreCodes(query, Int32Array.of(0), 2, new Float64Array(2)), /count must be an integer from 0 to 1/);
  assert.throws(() => new HnswIndex("l2-int8", dimension + 1).load(bytes), /does not match the dimension/);
  for (const length of [0, 50, 96, bytes.length - 1]) {
    assert.throws(() => new HnswIndex("l2-int8", dimension).load(bytes.subarray(0, length)), /graph bytes are damaged/, `cut at ${length}`);
  }
  const noGraph = new HnswIndex("cosine-int8", dimension);
  assert.throws(() => noGraph.search(query, 1, 10), /neither initialised nor loaded/);
  l2.release();
  assert.throws(() => l2.search(query, 1, 10), /neither initialised nor loaded/);
  assert.deepEqual(codes.search(query, 1, 10), [0], "the codes outlive their released source");
});

test("a graph released while it is being serialised is freed when the write ends, and the write completes", async () => {
  const dimension = 16;
  const data = clusteredRows(seededRandom(9), 3000, dimension);
  const graph = floatGraph("l2", data, dimension, 3000);
  const expected = graph.serialize();
  const writing = graph.serializeAsync();
  graph.release();
  assert.throws(() => graph.search(rowOf(data, dimension, 0), 1, 10), /neither initialised nor loaded/);
  assert.deepEqual(await writing, expected);
});

test("VectorFile scores rows bit-identically to the engine's kernel and reads them back, even once unlinked", () => {
  const random = seededRandom(seedFromEnv("vector file"));
  const dir = mkdtempSync(join(tmpdir(), "ossv-vector-file-"));
  try {
    for (const dimension of [1, 3, 4, 17, 128]) {
      const rows = 64;
      const data = Float32Array.from({ length: rows * dimension }, () => Math.fround((random() - 0.5) * 10 ** Math.floor(random() * 8 - 4)));
      const offset = 48 + dimension;
      const path = join(dir, `v${dimension}`);
      writeFileSync(path, Buffer.concat([Buffer.alloc(offset, 7), Buffer.from(data.buffer), Buffer.alloc(5)]));
      const file = new VectorFile(path, offset, rows, dimension);
      unlinkSync(path);
      const query = Float32Array.from({ length: dimension }, () => random() * 2 - 1);
      const list = Int32Array.from({ length: 40 }, () => Math.floor(random() * rows));
      for (const euclidean of [true, false]) {
        const out = new Float64Array(40);
        file.scoreRows(query, list, 40, euclidean, out);
        list.forEach((row, j) => assert.equal(out[j], kernelScore(rowOf(data, dimension, row), query, euclidean), `dimension ${dimension}, row ${row}`));
      }
      const read = new Float32Array(3 * dimension);
      file.readRows(rows - 3, 3, read);
      assert.deepEqual(read, data.subarray((rows - 3) * dimension));
      assert.throws(() => file.readRows(rows - 2, 3, read), /count must be an integer from 0 to 2/);
      assert.throws(() => file.scoreRows(new Float32Array(dimension + 1), list, 1, true, new Float64Array(1)), new RegExp(`query has ${dimension + 1} dimensions, not ${dimension}`));
      assert.throws(() => file.scoreRows(query, Int32Array.of(rows), 1, true, new Float64Array(1)), new RegExp(`row ${rows} is not in the file`));
      file.close();
      assert.throws(() => file.readRows(0, 1, read), /closed/);
    }
    const short = join(dir, "short");
    writeFileSync(short, Buffer.alloc(48 + 4 * 10 - 1));
    assert.throws(() => new VectorFile(short, 48, 10, 1), /shorter than its rows/);
    assert.throws(() => new VectorFile(join(dir, "missing"), 0, 1, 1), /cannot open/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
