// Graphs mapped from a file in place (mapAsync, src/native/mapped-graph.cc): what a segment too large
// for the memory budget searches with. A mapped graph must answer exactly as the same bytes loaded
// into memory do, keep its deletion marks out of the file, and refuse damaged or truncated bytes
// before any search can follow a bad link.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { HnswIndex } from "./index.js";
import { clusteredRows, ourGraph, rowOf, seededRandom, seedFromEnv, SPACES, type ReferenceSpace } from "./test-support.ts";

const params = { m: 8, efConstruction: 60, seed: 3 };

/** Writes `bytes` into a new file after `before` bytes of other data, as a segment object holds its graph. */
function fileWith(bytes: Uint8Array, before: number): { path: string; dispose: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "ossv-mapped-"));
  const path = join(dir, "segment");
  const whole = new Uint8Array(before + bytes.length + 13);
  whole.fill(0xa5);
  whole.set(bytes, before);
  writeFileSync(path, whole);
  return { path, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

async function mapped(space: ReferenceSpace, dimension: number, path: string, offset: number, length: number): Promise<HnswIndex> {
  const graph = new HnswIndex(space, dimension);
  await graph.mapAsync(path, offset, length);
  return graph;
}

test("a mapped graph answers every search as the same bytes loaded into memory, at any offset in the file", async () => {
  const seed = seedFromEnv("mapped equals loaded");
  await fc.assert(fc.asyncProperty(
    fc.constantFrom(...SPACES), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 9000 }), fc.integer(),
    async (space, dimension, rows, before, dataSeed) => {
      const data = clusteredRows(seededRandom(dataSeed), rows, dimension);
      const bytes = ourGraph(space, data, dimension, rows, params).serialize();
      const loaded = new HnswIndex(space, dimension);
      loaded.load(bytes);
      const file = fileWith(bytes, before);
      try {
        const graph = await mapped(space, dimension, file.path, before, bytes.length);
        assert.equal(graph.count(), rows);
        assert.equal(graph.mappedBytes() >= bytes.length, true);
        const random = seededRandom(dataSeed ^ 0x5bd1e995);
        const allowed = Uint8Array.from({ length: rows }, () => (random() < 0.5 ? 1 : 0));
        for (let q = 0; q < 5; q++) {
          const query = rowOf(clusteredRows(random, 1, dimension), dimension, 0);
          assert.deepEqual(graph.search(query, 10, 20), loaded.search(query, 10, 20));
          assert.deepEqual(graph.search(query, 10, 20, allowed), loaded.search(query, 10, 20, allowed));
        }
        // The same bytes come back out, as a merge that grows a graph from this one reads them.
        assert.deepEqual(graph.serialize(), bytes);
        graph.release();
      } finally {
        file.dispose();
      }
    },
  ), { seed, numRuns: 40 });
});

test("deletion marks on a mapped graph hide rows in this process but never change the file", async () => {
  const dimension = 16;
  const rows = 500;
  const data = clusteredRows(seededRandom(11), rows, dimension);
  const bytes = ourGraph("l2", data, dimension, rows, params).serialize();
  const file = fileWith(bytes, 4099);
  try {
    const before = readFileSync(file.path);
    const graph = await mapped("l2", dimension, file.path, 4099, bytes.length);
    const query = rowOf(data, dimension, 42);
    assert.equal(graph.search(query, 1, 20)[0], 42);
    assert.equal(graph.markDelete(42), true);
    assert.equal(graph.markDelete(42), false);
    assert.equal(graph.search(query, 10, 40).includes(42), false);
    assert.deepEqual(readFileSync(file.path), before);
    // A second mapping of the same file sees no mark.
    const other = await mapped("l2", dimension, file.path, 4099, bytes.length);
    assert.equal(other.search(query, 1, 20)[0], 42);
  } finally {
    file.dispose();
  }
});

test("a mapped graph's elements are not counted as its own memory, and it never grows", async () => {
  const dimension = 64;
  const rows = 2000;
  const data = clusteredRows(seededRandom(5), rows, dimension);
  const source = ourGraph("l2", data, dimension, rows, params);
  const bytes = source.serialize();
  const loaded = new HnswIndex("l2", dimension);
  loaded.load(bytes);
  loaded.freeze();
  const file = fileWith(bytes, 0);
  try {
    const graph = await mapped("l2", dimension, file.path, 0, bytes.length);
    const elements = rows * (4 + 2 * params.m * 4 + dimension * 4 + 8);
    assert.equal(loaded.residentBytes() - graph.residentBytes() >= elements, true);
    assert.equal(graph.mappedBytes() >= elements, true);
    assert.throws(() => graph.addPoint(rowOf(data, dimension, 0), rows), /frozen/);
    // Its vectors are readable in place, as a loaded graph's are.
    const view = graph.vectors();
    assert.ok(view);
    assert.deepEqual(view.data.subarray(view.stride * 7 + view.offset, view.stride * 7 + view.offset + dimension), rowOf(data, dimension, 7));
  } finally {
    file.dispose();
  }
});

test("damaged, truncated or missing graph files are refused, and only float spaces map", async () => {
  const dimension = 8;
  const rows = 300;
  const data = clusteredRows(seededRandom(9), rows, dimension);
  const bytes = ourGraph("l2", data, dimension, rows, params).serialize();
  const elementBytes = 4 + 2 * params.m * 4 + dimension * 4 + 8;
  const damaged = bytes.slice();
  // Element 5's first link now names an element far past the end.
  new DataView(damaged.buffer).setUint32(96 + 5 * elementBytes + 4, 0x7fffffff, true);
  new DataView(damaged.buffer).setUint16(96 + 5 * elementBytes, 1, true);
  const bad = fileWith(damaged, 100);
  const good = fileWith(bytes, 100);
  try {
    await assert.rejects(mapped("l2", dimension, bad.path, 100, damaged.length), /damaged: a link points at no element/);
    await assert.rejects(mapped("l2", dimension, good.path, 100, bytes.length + 100), /file ends before the graph/);
    await assert.rejects(mapped("l2", dimension, good.path, 101, bytes.length), /damaged/);
    await assert.rejects(mapped("l2", dimension, join(good.path, "..", "missing"), 0, 10), /cannot map .*open/);
    assert.throws(() => new HnswIndex("cosine-raw", dimension).mapAsync(good.path, 100, bytes.length), /only an "l2", "ip" or "cosine" graph/);
    assert.throws(() => new HnswIndex("l2-int8", dimension).mapAsync(good.path, 100, bytes.length), /only an "l2", "ip" or "cosine" graph/);
    // A graph mapped after a refusal is whole.
    const graph = await mapped("l2", dimension, good.path, 100, bytes.length);
    assert.equal(graph.count(), rows);
  } finally {
    bad.dispose();
    good.dispose();
  }
});
