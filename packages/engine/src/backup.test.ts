import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { restoreBackup } from "./storage/backup.ts";
import { EngineError } from "./base/types.ts";
import type { BlobBody, BlobStore } from "./storage/blob-store.ts";
import { HoldingBlobStore } from "./storage/holding-store.ts";
import { LocalBlobStore } from "./storage/local-blob-store.ts";
import { dumpCollection, openTestEngine, setupIndex, vector, withTempDir } from "./testing/test-support.ts";

test("held objects survive deletes until released; then the deletes that waited run", async () => {
  await withTempDir(async (dir) => {
    const store = new HoldingBlobStore(new LocalBlobStore(dir));
    await store.createIfAbsent("a/1", new Uint8Array([1]));
    await store.createIfAbsent("b/1", new Uint8Array([2]));
    await store.createIfAbsent("c/1", new Uint8Array([3]));
    const release = store.hold(["a/1", "b/1"]);
    const second = store.hold(["a/1"]);
    await store.delete("a/1");
    await store.deletePrefix("b/");
    await store.delete("c/1");
    assert.deepEqual(await store.list(""), ["a/1", "b/1"]);
    await release();
    assert.deepEqual(await store.list(""), ["a/1"], "a/1 is still held by the second hold");
    await second();
    assert.deepEqual(await store.list(""), []);
  });
});

/** A store whose reads wait while `paused` is set: a backup's copy (which reads through get()) stalls. */
class PausingStore implements BlobStore {
  paused: Promise<void> | undefined;
  constructor(private readonly inner: BlobStore) {}
  async get(name: string): Promise<Uint8Array | undefined> {
    await this.paused;
    return this.inner.get(name);
  }
  list(prefix: string): Promise<string[]> { return this.inner.list(prefix); }
  delete(name: string): Promise<void> { return this.inner.delete(name); }
  deletePrefix(prefix: string): Promise<void> { return this.inner.deletePrefix(prefix); }
  createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> { return this.inner.createIfAbsent(name, bytes); }
}

test("a backup is the state at the call, although checkpoints and merges prune its objects while it copies", async () => {
  await withTempDir(async (dir) => {
    const live = join(dir, "live");
    await mkdir(live);
    const store = new PausingStore(new LocalBlobStore(live));
    const engine = await openTestEngine(live, { store, checkpoint: { idleFlushMs: 600_000, idleMergeMs: 0 } });
    const index = await setupIndex(engine);
    const collection = engine.collection(index);
    for (let i = 0; i < 6; i++) {
      await collection.put([vector(`k${i}`, [i, 1, 2, 3]), vector(`j${i}`, [i, 3, 2, 1])]);
      if (i % 2 === 1) await collection.flush();
    }
    await collection.delete(["k0", "j5"]);
    const expected = dumpCollection(engine, index);

    let resume = () => {};
    store.paused = new Promise((resolve) => (resume = resolve));
    const backup = engine.backup(join(dir, "backup"), { extraFiles: { "master.key": new TextEncoder().encode("key\n") } });
    // The cut was taken when backup() was called; everything after it may be missing from the copy.
    // The copy waits until a put and a compaction have superseded (and tried to prune) every
    // segment, manifest, snapshot and WAL object it holds.
    await collection.put([vector("late", [9, 9, 9, 9])]);
    await collection.compact();
    resume();
    const summary = await backup;
    assert.equal(summary.indexes, 1);
    const liveWal = await readdir(join(live, "indexes", index.id, "wal")).catch(() => []);
    assert.ok(liveWal.length <= 1, `the pruning held back for the backup ran afterwards: ${liveWal.join(", ")}`);
    await engine.close();

    await restoreBackup(join(dir, "backup"), join(dir, "restored"));
    for (const copy of ["backup", "restored"]) {
      const reopened = await openTestEngine(join(dir, copy));
      assert.deepEqual(dumpCollection(reopened, index), expected, copy);
      await reopened.close();
    }
    const restored = await readdir(join(dir, "restored"));
    assert.ok(restored.includes("master.key"));
    assert.ok(restored.includes("format"), "the format generation marker travels with the backup");
  });
});

test("a backup refuses a destination that is not empty, and restore refuses an unfinished backup", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(join(dir, "live"));
    await mkdir(join(dir, "full"));
    await writeFile(join(dir, "full", "x"), "x");
    await assert.rejects(engine.backup(join(dir, "full")), (error: unknown) => error instanceof EngineError && error.code === "INVALID_ARGUMENT");
    await engine.close();
    await assert.rejects(restoreBackup(join(dir, "full"), join(dir, "new")), /no finished backup/);
  });
});
