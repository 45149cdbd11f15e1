// Merges keep the segment objects they write below maxSegmentBytes: the estimate against the bytes
// really written, the packing of merges into groups, and an index several times the limit compacted,
// reopened and read back whole.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { mergeGroups, segmentBytesOf } from "./segment-size.ts";
import { pickMerges } from "./compaction.ts";
import { DEFAULT_CHECKPOINT_POLICY } from "./policy.ts";
import { RowRecords } from "../format/row-records.ts";
import { encodeSegment } from "../format/segment-format.ts";
import { buildGraph } from "../search/hnsw-graph.ts";
import { Segment } from "../search/segment.ts";
import type { VectorRecord } from "../base/types.ts";
import { dumpCollection, openTestEngine, randomVector, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";

function segmentOf(rows: number, dimension: number, seed: number, id = 1): Segment {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * dimension);
  for (let row = 0; row < rows; row++) data.set(randomVector(random, dimension), row * dimension);
  const keys = Array.from({ length: rows }, (_, row) => `s${seed}-${row}`);
  const records = RowRecords.fromValues(keys, keys.map((key, row) => ({ key, row, group: row % 7 })));
  const segment = new Segment(dimension, records, data);
  segment.id = id;
  return segment;
}

for (const dimension of [8, 128, 768]) {
  test(`the size estimate of a segment object is within 5 % of the object written (${dimension} dimensions)`, async () => {
    const segment = segmentOf(3000, dimension, dimension);
    const built = await buildGraph({ metric: "cosine", dimension, rows: segment.rows, vectors: segment.denseVectors() });
    const parts = await encodeSegment({ dimension, records: segment.records, data: segment.data, graph: built.bytes, searchEf: built.searchEf });
    const written = parts.reduce((sum, part) => sum + part.length, 0);
    const estimate = segmentBytesOf([segment]);
    assert.ok(Math.abs(estimate - written) / written < 0.05, `estimated ${estimate}, written ${written}`);
  });
}

test("merges are packed smallest first into groups that fit; a segment alone is rewritten only for its deleted rows", () => {
  const small = [segmentOf(100, 16, 1), segmentOf(200, 16, 2), segmentOf(300, 16, 3)];
  const large = segmentOf(1000, 16, 4);
  const limit = segmentBytesOf([small[0]!, small[1]!, small[2]!]);
  const groups = mergeGroups([large, ...small], { maxSegmentBytes: limit });
  assert.deepEqual(groups.map((group) => group.map((segment) => segment.rows)), [[100, 200, 300]], "the large one fits with none and has nothing to give back");
  large.markDeleted(5);
  const again = mergeGroups([large, ...small], { maxSegmentBytes: limit });
  assert.deepEqual(again.map((group) => group.map((segment) => segment.rows)), [[100, 200, 300], [1000]]);
  assert.deepEqual(mergeGroups(small, { maxSegmentBytes: limit - 1 }).map((group) => group.length), [2]);
  assert.deepEqual(mergeGroups(small, { maxSegmentBytes: 1 }), [], "nothing fits together, nothing is deleted");
});

test("more segments than maxSegments, none of which fit together, ask for no merge (no endless compaction)", () => {
  const segments = [1, 2, 3, 4, 5].map((seed) => segmentOf(500, 16, seed, seed));
  const policy = { ...DEFAULT_CHECKPOINT_POLICY, maxSegments: 2, maxSegmentBytes: segmentBytesOf([segments[0]!]) * 1.5 };
  assert.deepEqual(pickMerges(segments, policy), []);
  assert.deepEqual(pickMerges(segments, policy, true), []);
  const roomy = { ...policy, maxSegmentBytes: segmentBytesOf(segments) };
  assert.deepEqual(pickMerges(segments, roomy, true).map((group) => group.length), [5]);
});

const DIMENSION = 32;
/** About 1,500 rows of 32 dimensions. */
const LIMIT = 400_000;

for (const [what, flushEachBatch] of [["flushed batch by batch, then compacted", true], ["frozen from one large memtable", false]] as const) {
  test(`an index several times the limit, ${what}, is segments below it, reopens, and reads back whole`, async () => {
    await withTempDir(async (dir) => {
      const checkpoint = {
        segmentRows: 1_000_000, idleFlushMs: 3_600_000, maxSegments: 3, maxDeletedFraction: 0.2, idleMergeMs: 0, freezeMergeRatio: 4, maxSegmentBytes: LIMIT,
      };
      let engine = await openTestEngine(dir, { checkpoint });
      const index = await setupIndex(engine, "index1", DIMENSION, "euclidean");
      const random = seededRandom(17);
      const model = new Map<string, VectorRecord>();
      for (let batch = 0; batch < 12; batch++) {
        const records = Array.from({ length: 500 }, (_, i) => ({ key: `k${batch}-${i}`, data: randomVector(random, DIMENSION), metadata: { batch } }));
        for (const record of records) model.set(record.key, record);
        await engine.collection(index).put(records);
        if (flushEachBatch) await engine.collection(index).flush();
      }
      await engine.collection(index).flush();
      if (flushEachBatch) await engine.collection(index).compact();
      const sizes = await segmentFileSizes(dir);
      assert.ok(sizes.length >= 4, `6,000 rows at about 1,500 a segment: ${sizes.length} segments`);
      for (const size of sizes) assert.ok(size <= LIMIT, `a segment object of ${size} bytes, limit ${LIMIT}`);
      await engine.close();
      engine = await openTestEngine(dir, { checkpoint });
      const dump = dumpCollection(engine, index);
      assert.equal(dump.size, model.size);
      for (const [key, record] of model) assert.deepEqual(dump.get(key)?.data, [...record.data], key);
      await engine.close();
    });
  });
}

async function segmentFileSizes(dir: string): Promise<number[]> {
  const sizes: number[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".seg")) sizes.push((await stat(join(entry.parentPath, entry.name))).size);
  }
  return sizes;
}
