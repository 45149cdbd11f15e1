import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openEngine } from "./engine.ts";
import { EngineError } from "./base/types.ts";
import {
  ACCOUNT, BUCKET, dumpCollection, openTestEngine, randomVector, seededRandom, setupIndex, vector, withTempDir,
} from "./testing/test-support.ts";

const isClosed = (e: unknown): boolean => e instanceof EngineError && e.code === "CLOSED";

test("openEngine() creates a missing data directory", async () => {
  await withTempDir(async (dir) => {
    const engine = await openEngine({ dataDir: join(dir, "a", "b") });
    assert.deepEqual(engine.catalog.listAccounts(), []);
    await engine.close();
  });
});

test("close() waits for in-flight writes; afterwards every call fails with CLOSED", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    const index = await setupIndex(engine);
    const collection = engine.collection(index);
    const pendingPut = collection.put([vector("k", [1, 2, 3, 4])]);
    const pendingBucket = engine.catalog.createBucket({ accountId: ACCOUNT, name: "late", region: "r" });
    await engine.close();
    await pendingPut;
    await pendingBucket;
    assert.throws(() => collection.get(["k"]), isClosed);
    assert.throws(() => collection.count(), isClosed);
    await assert.rejects(collection.put([vector("j", [1, 2, 3, 4])]), isClosed);
    assert.throws(() => engine.collection(index), isClosed);
    assert.throws(() => engine.catalog.listAccounts(), isClosed);
    await assert.rejects(engine.catalog.createAccount("9"), isClosed);
    await engine.close(); // twice is fine
    const reopened = await openTestEngine(dir);
    assert.equal(reopened.collection(index).get(["k"]).length, 1);
    assert.ok(reopened.catalog.getBucket(ACCOUNT, "late"));
    await reopened.close();
  });
});

test("deleteIndex() removes the index's files; storage of unknown ids is removed at open", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    const keep = await setupIndex(engine, "keep");
    const drop = await setupIndex(engine, "drop");
    await engine.collection(keep).put([vector("a", [1, 1, 1, 1])]);
    await engine.collection(drop).put([vector("a", [1, 1, 1, 1])]);
    await engine.catalog.deleteIndex(ACCOUNT, BUCKET, "drop");
    assert.deepEqual(await readdir(join(dir, "indexes")), [keep.id]);
    await engine.close();
    // As if a crash had struck between the catalog commit and the data removal.
    await mkdir(join(dir, "indexes", "0123456789abcdef", "wal"), { recursive: true });
    await writeFile(join(dir, "indexes", "0123456789abcdef", "wal", "00000000000000000001.wal"), "x");
    const reopened = await openTestEngine(dir);
    assert.deepEqual(await readdir(join(dir, "indexes")), [keep.id]);
    assert.equal(reopened.collection(keep).count(), 1);
    await reopened.close();
  });
});

test("reopening recovers every index of every bucket", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    const indexes = [];
    for (let i = 0; i < 6; i++) {
      const index = await setupIndex(engine, `idx${i}`, 2, i % 2 ? "cosine" : "euclidean");
      await engine.collection(index).put([vector(`key${i}`, [i, 1], { i })]);
      indexes.push(index);
    }
    const expected = indexes.map((index) => dumpCollection(engine, index));
    await engine.close();
    const reopened = await openTestEngine(dir);
    assert.deepEqual(indexes.map((index) => dumpCollection(reopened, index)), expected);
    await reopened.close();
  });
});

test("close({ abandonBackground }) ends a running merge at once; it runs again after reopening, nothing lost", async () => {
  await withTempDir(async (dir) => {
    const dimension = 64;
    const random = seededRandom(3);
    const rows = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, data: randomVector(random, dimension), metadata: {} }));
    const policy = { idleFlushMs: 600_000, idleMergeMs: 0, freezeMergeRatio: 0 };
    const engine = await openTestEngine(dir, { checkpoint: policy });
    const index = await setupIndex(engine, "index1", dimension);
    const collection = engine.collection(index);
    for (let from = 0; from < 16_000; from += 4_000) {
      await collection.put(rows(from, 4_000));
      await collection.flush();
    }
    const merging = collection.compact();
    const outcome = merging.then(() => "merged", (error: unknown) => (isClosed(error) ? "abandoned" : error));
    // The merge's graph build is under way once the task holds the queue and no merged segment exists yet.
    while (collection.describe().backgroundTasks === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = performance.now();
    await engine.close({ abandonBackground: true });
    const closeMs = performance.now() - started;
    assert.equal(await outcome, "abandoned");
    assert.ok(closeMs < 2_000, `close took ${closeMs.toFixed(0)} ms`);

    const reopened = await openTestEngine(dir, { checkpoint: policy });
    const again = reopened.collection(index);
    assert.equal(again.count(), 16_000);
    assert.equal(again.describe().segments.length, 4, "the abandoned merge committed nothing");
    await again.compact();
    assert.deepEqual(again.describe().segments.map((segment) => segment.rows), [16_000]);
    await reopened.close();
  });
});
