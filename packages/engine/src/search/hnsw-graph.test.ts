// The graph wrapper on its own: building, growing a graph from a base, and marking rows deleted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildGraph, HnswGraph } from "./hnsw-graph.ts";
import { randomVector, seededRandom } from "../testing/test-support.ts";

const DIMENSION = 8;

function rowsOf(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const data = new Float32Array(count * DIMENSION);
  for (let row = 0; row < count; row++) data.set(randomVector(random, DIMENSION), row * DIMENSION);
  return data;
}

async function graphOver(vectors: Float32Array, rows: number, base?: HnswGraph): Promise<HnswGraph> {
  const built = await buildGraph({ metric: "euclidean", dimension: DIMENSION, rows, vectors, base });
  return HnswGraph.load(built, "euclidean", DIMENSION, rows, vectors);
}

const nearest = (graph: HnswGraph, vectors: Float32Array, row: number): number | undefined =>
  graph.search(vectors.subarray(row * DIMENSION, (row + 1) * DIMENSION), 1, 64)[0];

test("a graph grown from a base answers for old and new rows; the base is unchanged", async () => {
  const vectors = rowsOf(300, 1);
  const base = await graphOver(vectors, 200);
  const grown = await graphOver(vectors, 300, base);
  assert.equal(grown.rows, 300);
  for (const row of [0, 150, 199, 200, 250, 299]) assert.equal(nearest(grown, vectors, row), row);
  assert.notEqual(nearest(base, vectors, 250), 250, "the base graph never saw row 250");
  await assert.rejects(graphOver(rowsOf(300, 2).subarray(0, 100 * DIMENSION), 100, base), /a graph of 200 rows cannot grow into one of 100/);
});

test("marking a row deleted twice is allowed, also when the mark came with the base", async () => {
  const vectors = rowsOf(120, 3);
  const base = await graphOver(vectors, 100);
  base.markDeleted(5);
  base.markDeleted(5);
  assert.notEqual(nearest(base, vectors, 5), 5);
  const grown = await graphOver(vectors, 120, base);
  grown.markDeleted(5); // the copy already carries the mark: what a segment passing the delete on does
  assert.notEqual(nearest(grown, vectors, 5), 5);
  assert.equal(nearest(grown, vectors, 110), 110);
});
