// Bad calls and bad bytes end in a JS error; none may take the process down. Damaged bytes either
// load (a flipped bit in a vector or a label is still a valid graph) or throw, and a graph that
// loaded can be searched and serialised safely.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { HnswIndex } from "./index.js";
import { clusteredRows, ourGraph, rowOf, seededRandom, seedFromEnv, SPACES } from "./test-support.ts";

const DIMENSION = 6;
const data = clusteredRows(seededRandom(21), 60, DIMENSION);
const fresh = () => ourGraph("l2", data, DIMENSION, 60, { m: 4, efConstruction: 16, seed: 2 });
const query = rowOf(data, DIMENSION, 0);

test("wrong types, dimensions, labels and sizes throw errors that say what is wrong", () => {
  assert.throws(() => new HnswIndex("hamming" as "l2", 4), /space must be/);
  assert.throws(() => new HnswIndex("l2", 0), RangeError);
  assert.throws(() => new HnswIndex("l2", 1.5), RangeError);
  const empty = new HnswIndex("l2", DIMENSION);
  assert.throws(() => empty.search(query, 1, 10), /neither initialised nor loaded/);
  assert.throws(() => empty.addPoint(query, 0), /neither initialised nor loaded/);
  assert.throws(() => empty.init(0, 16, 100, 1), /maxElements must be an integer/);
  assert.throws(() => empty.init(10, 1, 100, 1), /M must be an integer/);
  assert.throws(() => empty.init(10, 16, 100, -1), /seed must be an integer/);

  const graph = fresh();
  assert.throws(() => graph.addPoint(new Float32Array(DIMENSION + 1), 0), /7 dimensions, not 6/);
  assert.throws(() => graph.search(new Float32Array(DIMENSION - 1), 1, 10), /5 dimensions, not 6/);
  assert.throws(() => graph.search(Array.from(query) as unknown as Float32Array, 1, 10), /query must be a Float32Array/);
  assert.throws(() => graph.search(new Float64Array(DIMENSION) as unknown as Float32Array, 1, 10), TypeError);
  for (const label of [-1, 60, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => graph.addPoint(query, label), /label must be an integer from 0 to 59/, `label ${label}`);
  }
  assert.throws(() => graph.markDelete(1e6), /no element has label 1000000/);
  assert.throws(() => graph.search(query, -1, 10), /k must be/);
  assert.throws(() => graph.search(query, 1, 0), /ef must be/);
  assert.throws(() => graph.search(query, 1, 10, [1, 1] as unknown as Uint8Array), /allowed must be a Uint8Array/);
  assert.throws(() => graph.resize(10), /maxElements must be an integer from 60/);
  assert.throws(() => graph.load(new Float32Array(4) as unknown as Uint8Array), /must be a Uint8Array/);

  const full = new HnswIndex("l2", DIMENSION);
  full.init(1, 4, 16, 1);
  full.addPoint(query, 0);
  full.resize(2);
  full.addPoint(query, 1);
  assert.throws(() => full.addPoint(query, 1), /full/);
  assert.deepEqual(graph.search(query, 0, 10), []);
});

test("graph bytes cut short anywhere, or with bytes after the end, throw", () => {
  for (const space of SPACES) {
    const bytes = ourGraph(space, data, DIMENSION, 60, { m: 4, efConstruction: 16, seed: 2 }).serialize();
    const graph = new HnswIndex(space, DIMENSION);
    for (let length = 0; length < bytes.length; length++) {
      assert.throws(() => graph.load(bytes.subarray(0, length)), /graph bytes are damaged/, `cut at ${length}`);
    }
    assert.throws(() => graph.load(Uint8Array.from([...bytes, 0])), /bytes follow the last link list/);
    assert.throws(() => new HnswIndex(space, DIMENSION + 1).load(bytes), /does not match the dimension/);
  }
});

test("damaged graph bytes throw or load into a graph that searches and serialises safely", async () => {
  const bytes = fresh().serialize();
  const damage = fc.array(fc.record({ at: fc.nat({ max: bytes.length - 1 }), value: fc.nat({ max: 255 }), bit: fc.boolean() }), { minLength: 1, maxLength: 4 });
  let loaded = 0;
  await fc.assert(
    fc.asyncProperty(damage, async (changes) => {
      const damaged = Uint8Array.from(bytes);
      for (const { at, value, bit } of changes) damaged[at] = bit ? (damaged[at] as number) ^ (1 << (value & 7)) : value;
      const graph = new HnswIndex("l2", DIMENSION);
      let ok = true;
      try {
        graph.load(damaged);
      } catch (error) {
        ok = false;
        assert.match(String(error), /graph bytes are damaged|capacity|out of memory/);
      }
      const other = new HnswIndex("l2", DIMENSION);
      await other.loadAsync(damaged).then(
        () => assert.ok(ok, "loadAsync accepted what load refused"),
        () => assert.ok(!ok, "loadAsync refused what load accepted"),
      );
      if (!ok) return;
      loaded++;
      for (let row = 0; row < 60; row += 7) {
        graph.search(rowOf(data, DIMENSION, row), 10, 32);
        graph.search(rowOf(data, DIMENSION, row), 5, 16, Uint8Array.from({ length: 60 }, (_, i) => i % 3));
      }
      assert.equal(graph.serialize().length, damaged.length);
    }),
    { seed: seedFromEnv("damaged graph bytes"), numRuns: 400 },
  );
  console.log(`# ${loaded} of 400 damaged graphs still loaded (damage in vectors or labels)`);
});
