import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openEngine } from "./engine.ts";
import { EngineError } from "./base/types.ts";
import { ACCOUNT, BUCKET, dumpCollection, openTestEngine, setupIndex, vector, withTempDir } from "./testing/test-support.ts";

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
