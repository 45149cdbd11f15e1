// Segments end to end through the Collection interface: freezing, graph search, deletes and upserts of
// frozen rows, persisted graphs across reopen, compaction reclaiming disk, and filtered queries.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { FilterNode } from "@ossv/protocol";
import type { OssvEngine } from "../engine.ts";
import { SEARCH_TUNING } from "./segment.ts";
import type { DistanceMetric, IndexRecord, Metadata, QueryOptions, VectorRecord } from "../base/types.ts";
import { dumpCollection, openTestEngine, randomVector, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";

const SMALL_SEGMENTS = { segmentRows: 1_000_000, maxSegments: 4, maxDeletedFraction: 0.2, idleMergeMs: 0 };

/**
 * Exact top-K over a model of the collection: the ground truth the engine is held to. A filtered
 * query's rows are chosen by `accept`, written out by hand rather than compiled from the filter.
 */
function exactTopK(
  model: Map<string, VectorRecord>, options: QueryOptions, metric: DistanceMetric, accept?: (metadata: Metadata) => boolean,
): string[] {
  const q = options.vector;
  const qNorm = Math.hypot(...q);
  const scored: { key: string; distance: number }[] = [];
  for (const record of model.values()) {
    if (accept && !accept(record.metadata)) continue;
    let dot = 0;
    let squared = 0;
    for (let i = 0; i < q.length; i++) {
      dot += (record.data[i] as number) * (q[i] as number);
      squared += ((record.data[i] as number) - (q[i] as number)) ** 2;
    }
    const norm = Math.hypot(...record.data);
    const distance = metric === "euclidean" ? Math.sqrt(squared) : norm * qNorm === 0 ? 1 : 1 - dot / (norm * qNorm);
    scored.push({ key: record.key, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || (a.key < b.key ? -1 : 1));
  return scored.slice(0, options.topK).map((hit) => hit.key);
}

function makeRecords(count: number, dimension: number, seed: number, prefix = "k"): VectorRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({
    key: `${prefix}${i}`,
    data: randomVector(random, dimension),
    metadata: {
      group: i % 10, tag: i % 100 === 0 ? "rare" : "common", path: `/g${i % 10}/${i}`, ...(i % 3 === 0 && { tags: ["x", `t${i % 7}`] }),
    },
  }));
}

async function putAll(engine: OssvEngine, index: IndexRecord, records: VectorRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 500) await engine.collection(index).put(records.slice(i, i + 500));
}

function recall(got: string[], expected: string[]): number {
  const want = new Set(expected);
  return expected.length === 0 ? 1 : got.filter((key) => want.has(key)).length / expected.length;
}

/** Runs `body` with SEARCH_TUNING changed by `overrides`, and restores it afterwards. */
async function withSearchTuning(overrides: Partial<typeof SEARCH_TUNING>, body: () => Promise<void>): Promise<void> {
  const saved = { ...SEARCH_TUNING };
  Object.assign(SEARCH_TUNING, overrides);
  try {
    await body();
  } finally {
    Object.assign(SEARCH_TUNING, saved);
  }
}

test("flush() freezes the memtable into a segment with a graph; queries find the same rows", async () => {
  await withTempDir(async (dir) => {
    let engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    const index = await setupIndex(engine, "index1", 8, "cosine");
    const records = makeRecords(300, 8, 1);
    await putAll(engine, index, records);
    await engine.collection(index).flush();
    const { memtableRows, segments } = engine.collection(index).describe();
    const shape = segments.map(({ searchEf: _, ...rest }) => rest);
    assert.deepEqual({ memtableRows, segments: shape }, { memtableRows: 0, segments: [{ id: 1, rows: 300, live: 300, graph: true, vectorsOnDisk: false, graphOnDisk: false }] });
    assert.ok((segments[0]?.searchEf ?? 0) >= 32, "the build calibrated a query beam");
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    assert.deepEqual(engine.collection(index).describe().segments, segments, "the graph and its beam are loaded, not rebuilt");
    const collection = engine.collection(index);
    const model = new Map(records.map((r) => [r.key, r]));
    const random = seededRandom(9);
    for (let i = 0; i < 20; i++) {
      const options = { vector: randomVector(random, 8), topK: 10 };
      assert.deepEqual(collection.query(options).map((h) => h.record.key), exactTopK(model, options, "cosine"));
    }
    assert.equal(collection.count(), 300);
    assert.deepEqual(collection.get(["k7"]), [records[7]]);
    await engine.close();
  });
});

test("graph search reaches recall@10 >= 0.95 and never returns fewer than K", async () => {
  // Exact scans off: the graph path even for a small segment.
  await withSearchTuning({ exactScanFloats: 0, graphScoresPerResult: 0 }, () => withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    const index = await setupIndex(engine, "index1", 16, "euclidean");
    const records = makeRecords(4000, 16, 2);
    await putAll(engine, index, records);
    await engine.collection(index).flush();
    const model = new Map(records.map((r) => [r.key, r]));
    const random = seededRandom(3);
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const options = { vector: randomVector(random, 16), topK: 10 };
      const got = engine.collection(index).query(options).map((h) => h.record.key);
      assert.equal(got.length, 10);
      total += recall(got, exactTopK(model, options, "euclidean"));
    }
    assert.ok(total / 50 >= 0.95, `recall ${total / 50}`);
    await engine.close();
  }));
});

test("deletes and upserts of frozen rows are never ranked, and survive reopen and compaction", async () => {
  await withSearchTuning({ exactScanFloats: 0, graphScoresPerResult: 0 }, () => withTempDir(async (dir) => {
    let engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    const index = await setupIndex(engine, "index1", 4, "euclidean");
    const records = makeRecords(600, 4, 4);
    await putAll(engine, index, records);
    await engine.collection(index).flush();
    const model = new Map(records.map((r) => [r.key, r]));
    const deleted = records.filter((_, i) => i % 2 === 0).map((r) => r.key);
    await engine.collection(index).delete(deleted);
    for (const key of deleted) model.delete(key);
    const moved = { key: "k1", data: Float32Array.from([9, 9, 9, 9]), metadata: { moved: true } };
    await engine.collection(index).put([moved]);
    model.set("k1", moved);
    const check = (label: string): void => {
      const collection = engine.collection(index);
      assert.equal(collection.count(), model.size, label);
      for (const probe of records.slice(0, 40)) {
        const options = { vector: probe.data, topK: 15 };
        const got = collection.query(options).map((h) => h.record.key);
        assert.equal(got.length, 15, label);
        assert.ok(got.every((key) => model.has(key)), `${label}: a deleted row was ranked`);
        assert.ok(recall(got, exactTopK(model, options, "euclidean")) >= 0.8, label);
      }
      const all = collection.query({ vector: Float32Array.from([9, 9, 9, 9]), topK: 1 });
      assert.deepEqual(all[0]?.record, moved, label);
      assert.equal(dumpCollection(engine, index).size, model.size, label);
    };
    check("after deletes");
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    check("after reopen (no checkpoint: WAL replay onto the segment)");
    await engine.collection(index).checkpoint();
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    check("after checkpoint and reopen (deletion bitmap)");
    const segmentDir = join(dir, "indexes", index.id, "segment");
    await engine.collection(index).flush();
    await engine.collection(index).compact();
    assert.deepEqual(engine.collection(index).describe().segments.map((s) => [s.rows, s.live]), [[model.size, model.size]]);
    assert.equal((await readdir(segmentDir)).length, 1, "merged-away segment objects are deleted");
    check("after compaction");
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    check("after compaction and reopen");
    await engine.close();
  }));
});

test("filtered queries return the true top-K of matching rows, K of them while K match, never a deleted row", async () => {
  await withSearchTuning({ exactScanFloats: 0, graphScoresPerResult: 0 }, () => withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: SMALL_SEGMENTS });
    const index = await setupIndex(engine, "index1", 8, "cosine");
    const records = makeRecords(3000, 8, 5);
    await putAll(engine, index, records.slice(0, 2500));
    await engine.collection(index).flush();
    await putAll(engine, index, records.slice(2500)); // some rows stay in the memtable
    const model = new Map(records.map((r) => [r.key, r]));
    // Deleted rows in the segment and in the memtable: in the graph and the indexes still, never returned.
    const deleted = records.filter((_, i) => i % 4 === 1).map((r) => r.key);
    await engine.collection(index).delete(deleted);
    for (const key of deleted) model.delete(key);
    const startsWith = (value: unknown, prefix: string) => typeof value === "string" && value.slice(0, prefix.length) === prefix;
    const filters: { node: FilterNode; test: (m: Metadata) => boolean }[] = [
      { node: { op: "eq", key: "tag", value: "rare" }, test: (m) => m.tag === "rare" }, // 1 %
      { node: { op: "eq", key: "group", value: 3 }, test: (m) => m.group === 3 }, // 10 %
      { node: { op: "ne", key: "group", value: 3 }, test: (m) => m.group !== 3 }, // 90 %
      { node: { op: "gte", key: "group", value: 5 }, test: (m) => (m.group as number) >= 5 },
      { node: { op: "in", key: "tags", values: ["t1", "t2"] }, test: (m) => Array.isArray(m.tags) && (m.tags.includes("t1") || m.tags.includes("t2")) },
      // $startsWith (S3 Vectors): on plain strings, on array elements, matching all, and in an $or.
      { node: { op: "startsWith", key: "path", prefix: "/g3/" }, test: (m) => startsWith(m.path, "/g3/") }, // 10 %
      { node: { op: "startsWith", key: "path", prefix: "/g" }, test: (m) => startsWith(m.path, "/g") }, // all
      { node: { op: "startsWith", key: "path", prefix: "/g7/2" }, test: (m) => startsWith(m.path, "/g7/2") }, // < 1 %
      { node: { op: "startsWith", key: "tags", prefix: "t" }, test: (m) => Array.isArray(m.tags) && m.tags.some((t) => startsWith(t, "t")) },
      {
        node: { op: "or", children: [{ op: "startsWith", key: "path", prefix: "/g1/" }, { op: "eq", key: "group", value: 2 }] },
        test: (m) => startsWith(m.path, "/g1/") || m.group === 2,
      },
    ];
    const random = seededRandom(6);
    for (const { node, test: predicate } of filters) {
      for (let i = 0; i < 10; i++) {
        const options = { vector: randomVector(random, 8), topK: 40, filter: node };
        const got = engine.collection(index).query(options).map((h) => h.record.key);
        const expected = exactTopK(model, options, "cosine", predicate);
        assert.equal(got.length, expected.length, JSON.stringify(node));
        assert.ok(got.every((key) => model.has(key)), `${JSON.stringify(node)}: a deleted row was returned`);
        assert.ok(got.every((key) => predicate((model.get(key) as VectorRecord).metadata)));
        assert.ok(recall(got, expected) >= 0.9, `${JSON.stringify(node)} recall ${recall(got, expected)}`);
      }
    }
    await engine.close();
  }));
});

test("the memtable freezes automatically past segmentRows; queries are served while the graph builds", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: { ...SMALL_SEGMENTS, segmentRows: 3000 } });
    const index = await setupIndex(engine, "index1", 32, "euclidean");
    const records = makeRecords(3000, 32, 7);
    let longestGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 5);
    await putAll(engine, index, records);
    const collection = engine.collection(index);
    assert.equal(collection.query({ vector: records[5]?.data as Float32Array, topK: 1 })[0]?.record.key, "k5");
    await collection.settleBackground();
    clearInterval(timer);
    assert.deepEqual(collection.describe().segments.map((s) => [s.rows, s.graph]), [[3000, true]]);
    assert.equal(collection.describe().backgroundTasks, 0);
    const compacting = collection.compact();
    assert.ok(collection.describe().backgroundTasks >= 1, "a requested compaction counts as background work until it ends");
    await compacting;
    assert.equal(collection.describe().backgroundTasks, 0);
    assert.equal(collection.query({ vector: records[5]?.data as Float32Array, topK: 1 })[0]?.record.key, "k5");
    assert.ok(longestGap < 250, `the event loop stalled for ${longestGap} ms`);
    await engine.close();
  });
});

test("random puts, deletes, flushes and compactions with tiny segments match a model across reopens", async () => {
  const policy = { segmentRows: 25, maxSegments: 3, maxDeletedFraction: 0.2, maxWalObjects: 10 };
  // Exact scans off: tiny graphs, searched through hnswlib all the same.
  await withSearchTuning({ exactScanFloats: 0, graphScoresPerResult: 0 }, () => withTempDir(async (dir) => {
    const random = seededRandom(77);
    const model = new Map<string, VectorRecord>();
    let engine = await openTestEngine(dir, { checkpoint: policy });
    const index = await setupIndex(engine, "index1", 4, "cosine");
    for (let round = 0; round < 5; round++) {
      const writes: Promise<void>[] = [];
      for (let op = 0; op < 120; op++) {
        const key = `k${Math.floor(random() * 150)}`;
        if (random() < 0.3) {
          writes.push(engine.collection(index).delete([key]));
          model.delete(key);
        } else {
          const record = { key, data: randomVector(random, 4), metadata: { round, odd: op % 2 === 1 } };
          writes.push(engine.collection(index).put([record]));
          model.set(key, record);
        }
        if (random() < 0.2) await Promise.all(writes.splice(0));
      }
      await Promise.all(writes);
      if (round % 2 === 1) await engine.collection(index).compact();
      const check = (label: string): void => {
        const collection = engine.collection(index);
        assert.equal(collection.count(), model.size, label);
        assert.deepEqual([...dumpCollection(engine, index).keys()].sort(), [...model.keys()].sort(), label);
        // forEachLive hands over every live record once, as stored, with memtable and segments mixed.
        const visited = new Map<string, { data: number[]; metadata: Metadata }>();
        collection.forEachLive((key, data, metadataOf) => {
          assert.ok(!visited.has(key), `${label}: ${key} visited twice`);
          visited.set(key, { data: [...data], metadata: structuredClone(metadataOf()) });
        });
        assert.deepEqual(visited, new Map([...model].map(([key, record]) => [key, { data: [...record.data], metadata: record.metadata }])), label);
        for (let i = 0; i < 10; i++) {
          const odd = (m: Metadata): boolean => m.odd === true;
          const options = { vector: randomVector(random, 4), topK: 12, filter: { op: "eq", key: "odd", value: true } as const };
          const got = collection.query(options).map((h) => h.record.key);
          const expected = exactTopK(model, options, "cosine", odd);
          assert.equal(got.length, expected.length, label);
          assert.ok(got.every((key) => model.has(key) && odd((model.get(key) as VectorRecord).metadata)), label);
          assert.ok(recall(got, expected) >= 0.75, `${label}: recall ${recall(got, expected)}`);
        }
      };
      check(`round ${round}`);
      await engine.close();
      engine = await openTestEngine(dir, { checkpoint: policy });
      check(`round ${round} after reopen`);
    }
    assert.ok(engine.collection(index).describe().segments.length > 0, "segments were made");
    await engine.close();
  }));
});

test("deleting an index while its graph builds leaves no objects behind", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: { ...SMALL_SEGMENTS, segmentRows: 500 } });
    const index = await setupIndex(engine, "index1", 16, "cosine");
    await putAll(engine, index, makeRecords(2000, 16, 8)); // flushes are scheduled as the rows arrive
    await engine.catalog.deleteIndex(index.accountId, index.bucket, index.name);
    await assert.rejects(readdir(join(dir, "indexes", index.id)), { code: "ENOENT" });
    await engine.close();
  });
});

test("a quiet period freezes a memtable of at least idleFlushRows rows, and leaves a smaller one", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: { idleFlushMs: 30, idleFlushRows: 100 } });
    const big = await setupIndex(engine, "big", 8, "cosine");
    const small = await setupIndex(engine, "small", 8, "cosine");
    await putAll(engine, big, makeRecords(300, 8, 2));
    await engine.collection(small).put(makeRecords(50, 8, 3));
    // Wait for the quiet-period flush (and its graph build) rather than for a fixed time.
    const deadline = Date.now() + 20_000;
    while (engine.collection(big).describe().memtableRows > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await engine.collection(big).settleBackground();
    const shape = engine.collection(big).describe();
    assert.equal(shape.memtableRows, 0);
    assert.deepEqual(shape.segments.map((s) => [s.rows, s.graph]), [[300, true]]);
    await engine.collection(small).settleBackground();
    assert.equal(engine.collection(small).describe().memtableRows, 50, "below idleFlushRows the memtable stays");
    await engine.close();
  });
});

test("a longer quiet period merges the segments into one, but not for a small trickle of new rows", async () => {
  await withTempDir(async (dir) => {
    const policy = { segmentRows: 400, idleFlushMs: 20, idleFlushRows: 10, idleMergeMs: 150, idleMergeMinShare: 0.2, maxSegments: 100 };
    const engine = await openTestEngine(dir, { checkpoint: policy });
    const index = await setupIndex(engine, "merged", 8, "cosine");
    const collection = engine.collection(index);
    const records = makeRecords(1300, 8, 4);
    await putAll(engine, index, records);
    const waitFor = async (done: () => boolean) => {
      const deadline = Date.now() + 30_000;
      while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      await collection.settleBackground();
    };
    await waitFor(() => collection.describe().segments.length === 1 && collection.describe().memtableRows === 0);
    assert.deepEqual(collection.describe().segments.map((s) => [s.rows, s.graph]), [[1300, true]]);
    assert.equal(collection.query({ vector: records[7]!.data, topK: 1 })[0]?.record.key, records[7]!.key);

    // 100 new rows are 7 % of the whole, below the 20 % share: frozen into a segment of their own, kept apart.
    await collection.put(makeRecords(100, 8, 5, "new"));
    await waitFor(() => collection.describe().memtableRows === 0);
    await new Promise((resolve) => setTimeout(resolve, 400)); // well past idleMergeMs
    await collection.settleBackground();
    assert.deepEqual(collection.describe().segments.map((s) => s.rows), [1300, 100]);
    await engine.close();
  });
});

test("a freeze grows a written segment of at most freezeMergeRatio times its rows; a larger one is left alone", async () => {
  await withTempDir(async (dir) => {
    const policy = { ...SMALL_SEGMENTS, freezeMergeRatio: 4 };
    let engine = await openTestEngine(dir, { checkpoint: policy });
    const index = await setupIndex(engine, "index1", 8, "cosine");
    const first = makeRecords(300, 8, 11, "a");
    const second = makeRecords(100, 8, 12, "b");
    const third = makeRecords(50, 8, 13, "c");
    const collection = engine.collection(index);
    await putAll(engine, index, first);
    await collection.flush();
    await putAll(engine, index, second);
    await collection.flush(); // 300 <= 4 x 100: one segment of 400 rows, the first graph grown
    assert.deepEqual(collection.describe().segments.map((s) => [s.rows, s.live, s.graph]), [[400, 400, true]]);
    await putAll(engine, index, third);
    await collection.flush(); // 400 > 4 x 50: a segment of its own
    assert.deepEqual(collection.describe().segments.map((s) => s.rows), [400, 50]);
    const model = new Map([...first, ...second, ...third].map((r) => [r.key, r]));
    const check = (label: string): void => {
      for (const probe of [first[3], second[7], third[9]] as VectorRecord[]) {
        const hits = engine.collection(index).query({ vector: probe.data, topK: 10 });
        assert.equal(hits[0]?.record.key, probe.key, label);
        assert.deepEqual(hits.map((h) => h.record.key), exactTopK(model, { vector: probe.data, topK: 10 }, "cosine"), label);
      }
    };
    check("after the freezes");
    const segmentDir = join(dir, "indexes", index.id, "segment");
    assert.equal((await readdir(segmentDir)).length, 2, "the segment a freeze grew is deleted once replaced");
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: policy });
    assert.deepEqual(engine.collection(index).describe().segments.map((s) => s.rows), [400, 50]);
    check("after reopen");
    await engine.close();
  });
});

test("a compaction grows the largest fully live segment's graph; deletes during it are kept, recall holds", async () => {
  // Exact scans off: answers must come from the grown graph.
  await withSearchTuning({ exactScanFloats: 0, unfilteredExactScanFloats: 0, graphScoresPerResult: 0 }, () => withTempDir(async (dir) => {
    const policy = { ...SMALL_SEGMENTS, freezeMergeRatio: 0, maxSegments: 10 };
    let engine = await openTestEngine(dir, { checkpoint: policy });
    const index = await setupIndex(engine, "index1", 16, "euclidean");
    const collection = engine.collection(index);
    const parts = [makeRecords(2500, 16, 21, "a"), makeRecords(1000, 16, 22, "b"), makeRecords(1000, 16, 23, "c")];
    for (const part of parts) {
      await putAll(engine, index, part);
      await collection.flush();
    }
    assert.deepEqual(collection.describe().segments.map((s) => s.rows), [2500, 1000, 1000]);
    const model = new Map(parts.flat().map((r) => [r.key, r]));
    // Deletes in the largest segment while its graph is being copied and grown: they must hold.
    const compacting = collection.compact();
    const deleted = parts[0]!.filter((_, i) => i % 5 === 0).map((r) => r.key);
    await collection.delete(deleted);
    for (const key of deleted) model.delete(key);
    await compacting;
    await collection.compact(); // drops the rows deleted during the first one
    assert.deepEqual(collection.describe().segments.map((s) => [s.rows, s.live]), [[model.size, model.size]]);
    const check = (label: string): void => {
      const random = seededRandom(24);
      let total = 0;
      for (let i = 0; i < 40; i++) {
        const options = { vector: randomVector(random, 16), topK: 10 };
        const got = engine.collection(index).query(options).map((h) => h.record.key);
        assert.equal(got.length, 10, label);
        assert.ok(got.every((key) => model.has(key)), `${label}: a deleted row was returned`);
        total += recall(got, exactTopK(model, options, "euclidean"));
      }
      assert.ok(total / 40 >= 0.95, `${label}: recall ${total / 40}`);
    };
    check("after compaction");
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: policy });
    check("after reopen");
    await engine.close();
  }));
});
