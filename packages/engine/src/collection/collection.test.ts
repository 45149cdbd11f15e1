import { test } from "node:test";
import assert from "node:assert/strict";
import { compareKeys } from "../base/byte-order.ts";
import { segmentOf } from "./list-pages.ts";
import { EngineError, type DistanceMetric, type IndexRecord, type Metadata, type VectorRecord } from "../base/types.ts";
import type { OssvEngine } from "../engine.ts";
import { openTestEngine, randomVector, seededRandom, setupIndex, vector, withTempDir } from "../testing/test-support.ts";
import { modelDistance } from "../../../../tests/reliability/vector-model.ts";

async function withIndex(
  run: (engine: OssvEngine, index: IndexRecord) => Promise<void>,
  dimension = 4,
  metric: DistanceMetric = "euclidean",
): Promise<void> {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    try {
      await run(engine, await setupIndex(engine, "index1", dimension, metric));
    } finally {
      await engine.close();
    }
  });
}

const keysOf = (records: VectorRecord[]): string[] => records.map((r) => r.key);

test("put() then get() returns the original data and metadata, in request order", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await collection.put([vector("a", [1, 2, 3, 4], { genre: "x", n: 1 }), vector("b", [0.1, -0.2, 0.3, 1e-30])]);
    const got = collection.get(["b", "missing", "a"]);
    assert.deepEqual(keysOf(got), ["b", "a"]);
    assert.deepEqual(got[0]?.data, Float32Array.from([0.1, -0.2, 0.3, 1e-30]));
    assert.deepEqual(got[1]?.metadata, { genre: "x", n: 1 });
    assert.equal(collection.count(), 2);
  });
});

test("put() of an existing key replaces data and metadata", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await collection.put([vector("a", [1, 1, 1, 1], { v: 1 })]);
    await collection.put([vector("a", [2, 2, 2, 2], { v: 2 })]);
    assert.deepEqual(collection.get(["a"]), [vector("a", [2, 2, 2, 2], { v: 2 })]);
    assert.equal(collection.count(), 1);
  });
});

test("records handed out are copies; caller arrays changed after put do not leak in", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    const input = vector("a", [1, 2, 3, 4], { tags: ["x"] });
    const pending = collection.put([input]);
    input.data[0] = 99;
    await pending;
    const [got] = collection.get(["a"]);
    assert.equal(got?.data[0], 1);
    if (got) got.data[1] = 42;
    (got?.metadata.tags as string[]).push("y");
    assert.deepEqual(collection.get(["a"]), [vector("a", [1, 2, 3, 4], { tags: ["x"] })]);
  });
});

test("delete() removes keys; missing keys are ignored; slots are reused", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await collection.put([vector("a", [1, 0, 0, 0]), vector("b", [0, 1, 0, 0]), vector("c", [0, 0, 1, 0])]);
    await collection.delete(["b", "zzz"]);
    assert.deepEqual(keysOf(collection.get(["a", "b", "c"])), ["a", "c"]);
    await collection.put([vector("d", [0, 0, 0, 1])]);
    assert.equal(collection.count(), 3);
    const hits = collection.query({ vector: Float32Array.from([0, 1, 0, 0]), topK: 10 });
    assert.deepEqual(hits.map((h) => h.record.key).sort(), ["a", "c", "d"]);
  });
});

test("concurrent writes resolve in order and apply in order (put then delete ends deleted)", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    const writes = [
      collection.put([vector("k", [1, 1, 1, 1])]),
      collection.delete(["k"]),
      collection.put([vector("j", [1, 1, 1, 1], { v: 1 })]),
      collection.put([vector("j", [2, 2, 2, 2], { v: 2 })]),
      collection.delete(["i"]),
      collection.put([vector("i", [3, 3, 3, 3])]),
    ];
    await Promise.all(writes);
    assert.deepEqual(collection.get(["k"]), []);
    assert.deepEqual(collection.get(["j"])[0]?.metadata, { v: 2 });
    assert.equal(collection.get(["i"]).length, 1);
  });
});

test("a write is visible as soon as its promise resolves", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    const observed: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        collection.put([vector(`k${i}`, [i, 0, 0, 0])]).then(() => observed.push(collection.get([`k${i}`]).length)),
      ),
    );
    assert.deepEqual(observed, Array(20).fill(1));
  });
});

test("put() with the wrong dimension is refused before anything is written", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await assert.rejects(collection.put([vector("a", [1, 2, 3])]), RangeError);
    assert.throws(() => collection.query({ vector: Float32Array.from([1]), topK: 1 }), RangeError);
    assert.equal(collection.count(), 0);
  });
});

async function listAll(
  engine: OssvEngine,
  index: IndexRecord,
  limit: number,
  segment: { segmentCount?: number; segmentIndex?: number } = {},
): Promise<string[][]> {
  const pages: string[][] = [];
  let token: string | undefined;
  do {
    const page = engine.collection(index).list({ limit, ...segment, ...(token !== undefined && { token }) });
    pages.push(keysOf(page.vectors));
    token = page.nextToken;
  } while (token !== undefined);
  return pages;
}

const keyed = (count: number): VectorRecord[] =>
  Array.from({ length: count }, (_, i) => vector(`key-${String(i).padStart(3, "0")}`, [i, 0, 0, 0]));

test("list() pages are exact: 10 vectors by 5 -> 2 pages, 3 vectors by 1 -> 3 pages", async () => {
  await withIndex(async (engine, index) => {
    await engine.collection(index).put(keyed(10));
    const pages = await listAll(engine, index, 5);
    assert.deepEqual(pages.map((p) => p.length), [5, 5]);
    assert.deepEqual(pages.flat(), keysOf(keyed(10)));
    assert.deepEqual((await listAll(engine, index, 10)).length, 1);
    assert.deepEqual((await listAll(engine, index, 100)).length, 1);
  });
  await withIndex(async (engine, index) => {
    await engine.collection(index).put(keyed(3));
    assert.deepEqual(await listAll(engine, index, 1), [["key-000"], ["key-001"], ["key-002"]]);
  });
});

test("list() of an empty index is one empty page without a token", async () => {
  await withIndex(async (engine, index) => {
    assert.deepEqual(engine.collection(index).list({ limit: 5 }), { vectors: [] });
  });
});

test("list() orders keys by UTF-8 bytes", async () => {
  await withIndex(async (engine, index) => {
    const keys = ["b", "a", "B", "\u{1F600}", "\uFF5E", "é", "a0", ""];
    await engine.collection(index).put(keys.map((key) => vector(key, [1, 1, 1, 1])));
    const listed = (await listAll(engine, index, 3)).flat();
    const byBytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    assert.deepEqual(listed, byBytes);
    assert.deepEqual([...keys].sort(compareKeys), byBytes);
  });
});

test("list() continues correctly when the last key of a page is deleted between pages", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await collection.put(keyed(6));
    const first = collection.list({ limit: 3 });
    await collection.delete(["key-002", "key-003"]);
    const second = collection.list({ limit: 3, token: first.nextToken });
    assert.deepEqual(keysOf(second.vectors), ["key-004", "key-005"]);
    assert.equal(second.nextToken, undefined);
  });
});

test("listKeys() gives list()'s keys and a token to continue after any of them, segments kept", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await collection.put(keyed(8));
    const page = collection.listKeys({ limit: 5 });
    assert.deepEqual(page.keys, keysOf(collection.list({ limit: 5 }).vectors));
    assert.equal(page.nextToken, page.tokenAfter("key-004"));
    // A caller that returned only the first two keys continues from the third.
    assert.deepEqual(keysOf(collection.list({ limit: 3, token: page.tokenAfter("key-001") }).vectors), ["key-002", "key-003", "key-004"]);
    const segment = { segmentCount: 2, segmentIndex: 1 };
    const segmentPage = collection.listKeys({ limit: 8, ...segment });
    const [firstKey, ...rest] = segmentPage.keys;
    const resumed = collection.listKeys({ limit: 8, ...segment, token: segmentPage.tokenAfter(firstKey!) });
    assert.deepEqual(resumed.keys, rest);
    assert.throws(() => collection.listKeys({ limit: 8, token: segmentPage.tokenAfter(firstKey!) }), (e: unknown) => e instanceof EngineError && e.code === "INVALID_TOKEN");
  });
});

test("list() segments partition the keys disjointly and completely", async () => {
  await withIndex(async (engine, index) => {
    await engine.collection(index).put(keyed(100));
    for (const segmentCount of [1, 2, 3, 16]) {
      const seen: string[] = [];
      for (let segmentIndex = 0; segmentIndex < segmentCount; segmentIndex++) {
        const keys = (await listAll(engine, index, 7, { segmentCount, segmentIndex })).flat();
        for (const key of keys) assert.equal(segmentOf(key, segmentCount), segmentIndex);
        seen.push(...keys);
      }
      assert.deepEqual(seen.sort(), keysOf(keyed(100)), `segmentCount ${segmentCount}`);
    }
  });
});

test("list() segment membership is crc32(key) mod count: vector-key-1 is in segment 1 of 2", async () => {
  await withIndex(async (engine, index) => {
    await engine.collection(index).put([vector("vector-key-1", [1, 1, 1, 1])]);
    assert.deepEqual(keysOf(engine.collection(index).list({ limit: 10, segmentCount: 2, segmentIndex: 1 }).vectors), [
      "vector-key-1",
    ]);
    assert.deepEqual(engine.collection(index).list({ limit: 10, segmentCount: 2, segmentIndex: 0 }).vectors, []);
  });
});

test("list() refuses malformed tokens and tokens of other segments with INVALID_TOKEN", async () => {
  await withIndex(async (engine, index) => {
    const collection = engine.collection(index);
    await collection.put(keyed(4));
    const token = collection.list({ limit: 1, segmentCount: 1, segmentIndex: 0 }).nextToken as string;
    const invalid = (e: unknown): boolean => e instanceof EngineError && e.code === "INVALID_TOKEN";
    for (const bad of ["", "!!!", "bm90IGpzb24", Buffer.from('{"v":1}').toString("base64url"), token.slice(0, -2)]) {
      assert.throws(() => collection.list({ limit: 1, token: bad }), invalid, JSON.stringify(bad));
    }
    assert.throws(() => collection.list({ limit: 1, token }), invalid);
    assert.throws(() => collection.list({ limit: 1, token, segmentCount: 2, segmentIndex: 0 }), invalid);
    assert.equal(collection.list({ limit: 1, token, segmentCount: 1, segmentIndex: 0 }).vectors.length, 1);
  });
});

function naiveTopK(
  rows: VectorRecord[],
  query: Float32Array,
  topK: number,
  metric: DistanceMetric,
  filter: (m: Metadata) => boolean = () => true,
): { key: string; distance: number }[] {
  return rows
    .filter((row) => filter(row.metadata))
    .map((row) => ({ key: row.key, distance: modelDistance(metric, row.data, query) }))
    .sort((a, b) => a.distance - b.distance || compareKeys(a.key, b.key))
    .slice(0, topK);
}

for (const metric of ["euclidean", "cosine"] as const) {
  test(`query() matches a naive reference (${metric}), with and without a filter`, async () => {
    const dimension = 17;
    await withIndex(
      async (engine, index) => {
        const random = seededRandom(metric === "cosine" ? 7 : 11);
        const rows = Array.from({ length: 600 }, (_, i) => ({
          key: `k${i}`,
          data: randomVector(random, dimension),
          metadata: { group: i % 10, even: i % 2 === 0 },
        }));
        const collection = engine.collection(index);
        await collection.put(rows.slice(0, 300));
        await collection.put(rows.slice(300));
        const deleted = new Set(rows.filter((_, i) => i % 7 === 0).map((r) => r.key));
        await collection.delete([...deleted]);
        const live = rows.filter((r) => !deleted.has(r.key));
        const rare = { node: { op: "eq", key: "group", value: 3 } as const, test: (m: Metadata): boolean => m.group === 3 };
        for (let q = 0; q < 10; q++) {
          const query = randomVector(random, dimension);
          for (const [topK, filter] of [[10, undefined], [1, undefined], [100, rare], [5, rare], [1000, rare]] as const) {
            const hits = collection.query({ vector: query, topK, ...(filter && { filter: filter.node }) });
            const expected = naiveTopK(live, query, topK, metric, filter?.test);
            assert.deepEqual(hits.map((h) => h.record.key), expected.map((e) => e.key));
            hits.forEach((hit, i) => assert.ok(Math.abs(hit.distance - (expected[i]?.distance ?? NaN)) < 1e-9));
            for (const hit of hits) assert.ok(!deleted.has(hit.record.key));
          }
        }
      },
      dimension,
      metric,
    );
  });
}

test("query() distances: euclidean is the L2 distance, cosine is 1 - cos similarity", async () => {
  await withIndex(async (engine, index) => {
    await engine.collection(index).put([vector("a", [3, 4, 0, 0])]);
    const [hit] = engine.collection(index).query({ vector: Float32Array.from([0, 0, 0, 0]), topK: 1 });
    assert.equal(hit?.distance, 5);
  });
  await withIndex(
    async (engine, index) => {
      await engine.collection(index).put([vector("same", [1, 1, 0, 0]), vector("orth", [0, 0, 2, 0]), vector("opp", [-1, -1, 0, 0])]);
      const hits = engine.collection(index).query({ vector: Float32Array.from([2, 2, 0, 0]), topK: 3 });
      assert.deepEqual(hits.map((h) => h.record.key), ["same", "orth", "opp"]);
      assert.deepEqual(hits.map((h) => Math.round(h.distance * 1e6) / 1e6), [0, 1, 2]);
      assert.deepEqual(hits[0]?.record.data, Float32Array.from([1, 1, 0, 0])); // original, not normalised
    },
    4,
    "cosine",
  );
});

test("query() breaks distance ties by key and returns full records", async () => {
  await withIndex(async (engine, index) => {
    const keys = ["d", "b", "e", "a", "c"];
    await engine.collection(index).put(keys.map((key) => vector(key, [1, 0, 0, 0], { key })));
    const hits = engine.collection(index).query({ vector: Float32Array.from([0, 0, 0, 0]), topK: 3 });
    assert.deepEqual(hits.map((h) => h.record.key), ["a", "b", "c"]);
    assert.deepEqual(hits[0]?.record.metadata, { key: "a" });
  });
});

test("query() with a filter returns K rows whenever K rows match, however far away they are", async () => {
  await withIndex(async (engine, index) => {
    const rows = Array.from({ length: 200 }, (_, i) => vector(`k${i}`, [i, 0, 0, 0], { far: i >= 190 }));
    await engine.collection(index).put(rows);
    const hits = engine.collection(index).query({ vector: Float32Array.from([0, 0, 0, 0]), topK: 5, filter: { op: "eq", key: "far", value: true } });
    assert.deepEqual(hits.map((h) => h.record.key), ["k190", "k191", "k192", "k193", "k194"]);
  });
});
