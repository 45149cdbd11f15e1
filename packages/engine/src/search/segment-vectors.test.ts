// Each vector held once: a segment whose graph holds its vectors reads them there and drops its own
// copy, and every reader of the vectors (exact scans, re-scoring of graph hits, get and list, merges,
// the segment object written) sees exactly what a segment with its own dense copy sees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HnswIndex } from "@ossv/hnsw";
import { parseFilter } from "@ossv/protocol";
import { buildGraph, HnswGraph } from "./hnsw-graph.ts";
import { BLOCK_MIN_ROWS } from "./kernel/vector-block.ts";
import { scanTopK, vectorNorm } from "./search-kernel.ts";
import { RowRecords } from "../format/row-records.ts";
import { Segment } from "./segment.ts";
import { decodeSegment, encodeSegment } from "../format/segment-format.ts";
import type { DistanceMetric, Metadata } from "../base/types.ts";
import { randomVector, seededRandom } from "../testing/test-support.ts";

const ROWS = BLOCK_MIN_ROWS + 300;

function rowsOf(rows: number, dimension: number, seed: number) {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * dimension);
  for (let row = 0; row < rows; row++) data.set(randomVector(random, dimension).map((value) => value * (1 + row % 5)), row * dimension);
  const keys = Array.from({ length: rows }, (_, row) => `k${row}`);
  const metadata: Metadata[] = Array.from({ length: rows }, (_, row) => ({ group: row % 10 }));
  return { data, keys, metadata, records: RowRecords.fromValues(keys, metadata) };
}

const joined = (parts: Uint8Array[]) => Buffer.concat(parts);

for (const metric of ["cosine", "euclidean"] as DistanceMetric[]) {
  for (const dimension of [5, 131]) {
    test(`${metric}, ${dimension} dimensions: a segment reads its vectors from its graph, as its own copy would give them`, async () => {
      const { data, records } = rowsOf(ROWS, dimension, dimension);
      const own = new Segment(dimension, records, data);
      const segment = new Segment(dimension, records, data);
      const built = await buildGraph({ metric, dimension, rows: ROWS, vectors: segment.denseVectors() });
      segment.attachGraph(await HnswGraph.load(built, metric, dimension, ROWS, data));
      for (const row of [3, 700, ROWS - 1]) {
        own.markDeleted(row);
        segment.markDeleted(row);
      }

      assert.notEqual(segment.stride, dimension, "the vectors are read inside the graph's elements");
      assert.equal(segment.memoryUse().vectors, ROWS * (8 + 1), "only norms and deletion flags are the segment's own");
      for (let row = 0; row < ROWS; row++) assert.deepEqual(segment.vectorOf(row), own.vectorOf(row), `row ${row}`);
      const visited: Float32Array[] = [];
      segment.forEachLive((_key, vector) => visited.push(vector.slice()));
      const expected: Float32Array[] = [];
      own.forEachLive((_key, vector) => expected.push(vector.slice()));
      assert.deepEqual(visited, expected);

      const random = seededRandom(99);
      for (let q = 0; q < 5; q++) {
        const vector = randomVector(random, dimension);
        const scan = { skips: (row: number) => segment.deleted[row] === 1, keyOf: (row: number) => segment.keyAt(row), metric, vector, topK: 40 };
        const reference = scanTopK({ ...scan, vectors: own });
        assert.deepEqual(scanTopK({ ...scan, vectors: segment }), reference, "native scorer over the graph's memory");
        assert.deepEqual(scanTopK({ ...scan, vectors: { ...segment, norms: segment.norms, rows: ROWS, scorer: undefined } }), reference, "plain JavaScript over the same memory");
        const query = { vector, queryNorm: vectorNorm(vector), metric, topK: 10 };
        const filter = { node: parseFilter({ group: 3 }), key: "group=3" };
        assert.deepEqual(segment.search({ ...query, filter }), own.search({ ...query, filter }), "a filtered query");
        // Graph hits are re-scored from the graph's memory exactly as from the own copy.
        const hits = segment.search(query);
        assert.equal(hits.length, 10);
        const rescored = new Map(own.search({ ...query, topK: ROWS }).map((hit) => [hit.row, hit.distance]));
        for (const hit of hits) assert.equal(hit.distance, rescored.get(hit.row));
      }

      const layout = { stride: segment.stride, offset: segment.offset };
      const fromGraph = await encodeSegment({ dimension, records, data: segment.data, layout, graph: built.bytes, searchEf: 40 });
      const fromOwn = await encodeSegment({ dimension, records, data: own.data, graph: built.bytes, searchEf: 40 });
      assert.deepEqual(joined(fromGraph), joined(fromOwn), "the segment object is the same byte for byte");
    });
  }
}

test("a stored segment lets the object's bytes go once its graph holds the vectors", async () => {
  const dimension = 16;
  const { data, records } = rowsOf(ROWS, dimension, 1);
  const built = await buildGraph({ metric: "cosine", dimension, rows: ROWS, vectors: data });
  const object = joined(await encodeSegment({ dimension, records, data, graph: built.bytes, searchEf: built.searchEf }));
  const contents = decodeSegment(object, dimension);
  const segment = Segment.stored(1, contents, new Uint8Array(ROWS), [], true);
  assert.equal(segment.data.buffer, contents.data.buffer, "until the graph comes, the object's bytes are read in place");
  segment.attachGraph(await HnswGraph.load({ bytes: contents.graph, searchEf: built.searchEf }, "cosine", dimension, ROWS, contents.data));
  assert.notEqual(segment.data.buffer, contents.data.buffer);
  assert.deepEqual(segment.vectorOf(17), data.slice(17 * dimension, 18 * dimension));
});

test("a segment written by earlier versions (graph bytes from hnswlib's own cosine space) holds each vector once too", async () => {
  const dimension = 12;
  const { data, records } = rowsOf(ROWS, dimension, 2);
  const earlier = new HnswIndex("cosine", dimension);
  earlier.init(ROWS, 16, 100, 100);
  for (let row = 0; row < ROWS; row++) earlier.addPoint(data.subarray(row * dimension, (row + 1) * dimension), row);
  const object = joined(await encodeSegment({ dimension, records, data, graph: earlier.serialize(), searchEf: 64 }));
  const contents = decodeSegment(object, dimension);
  const segment = Segment.stored(1, contents, new Uint8Array(ROWS), [], true);
  const graph = await HnswGraph.load({ bytes: contents.graph, searchEf: 64 }, "cosine", dimension, ROWS, contents.data);
  segment.attachGraph(graph);
  assert.equal(segment.memoryUse().vectors, ROWS * (8 + 1));
  assert.notEqual(segment.data.buffer, contents.data.buffer);
  for (const row of [0, 40, ROWS - 1]) assert.deepEqual(segment.vectorOf(row), data.slice(row * dimension, (row + 1) * dimension));
  const vector = data.slice(40 * dimension, 41 * dimension);
  assert.equal(segment.search({ vector, queryNorm: vectorNorm(vector), metric: "cosine", topK: 1 })[0]?.row, 40);
  assert.ok(Buffer.from(await graph.serialize()).equals(contents.graph), "and it is written back in the same bytes");
});
