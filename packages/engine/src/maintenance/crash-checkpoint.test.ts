// Crash tests for checkpoints: a crash can stop a checkpoint before or after any of its objects was
// created, before the WAL objects it covers were removed. Recovery must always come back with every
// acknowledged write, and deletes must never be undone; an object that exists but is damaged stops it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import type { IndexRecord } from "../base/types.ts";
import {
  assertRefusedUnchanged, copyWithObject, CrashingStore, damageOffsets, dumpCollection, flipBit, openTestEngine, seededRandom, setupIndex, vector, withTempDir,
} from "../testing/test-support.ts";

type Dump = ReturnType<typeof dumpCollection>;

/** Matches the second checkpoint's manifest or snapshot object. */
const isSecond =
  (kind: "manifest" | "snapshot") =>
  (name: string): boolean =>
    name.includes(`/${kind}/`) && /\/0+2\.(json|snap)$/.test(name);

interface CrashedCheckpoint {
  index: IndexRecord;
  expected: Dump;
  captured: { name: string; bytes: Uint8Array };
}

/** Writes data with one finished checkpoint, then crashes the second checkpoint at `crashOn`. */
async function crashSecondCheckpoint(dir: string, crashOn: (name: string) => boolean): Promise<CrashedCheckpoint> {
  const store = new CrashingStore(new LocalBlobStore(dir), crashOn);
  const engine = await openTestEngine(dir, { store });
  const index = await setupIndex(engine, "index1", 3);
  const collection = engine.collection(index);
  await collection.put([vector("a", [1, 0, 0], { v: 1 }), vector("b", [0, 1, 0]), vector("gone", [0, 0, 1])]);
  await collection.checkpoint();
  await collection.delete(["gone"]);
  await collection.put([vector("a", [2, 0, 0], { v: 2 }), vector("c", [0, 0, 3])]);
  const expected = dumpCollection(engine, index);
  await assert.rejects(collection.checkpoint(), /simulated crash/);
  await engine.close();
  assert.ok(store.captured, "the crash happened");
  return { index, expected, captured: store.captured };
}

/**
 * A crash stops a create before the object exists, or after it exists whole (the store links a
 * synced file into place): either way recovery keeps everything. The same object damaged (cut, or a
 * bit flipped) can only be damage: open stops, naming it, and changes nothing.
 */
async function assertCrashRecoversAndDamageStops(root: string, crashed: CrashedCheckpoint, original: string): Promise<void> {
  const { captured, expected, index } = crashed;
  for (const [label, bytes] of [["never created", undefined], ["created whole", captured.bytes]] as const) {
    const copy = await copyWithObject(root, original, captured.name, bytes);
    const engine = await openTestEngine(copy);
    assert.deepEqual(dumpCollection(engine, index), expected, `${captured.name} ${label}`);
    assert.deepEqual(engine.collection(index).get(["gone"]), []);
    await engine.close();
  }
  const objectName = new RegExp(`^${captured.name.replace(/[.]/g, "\\.")}$`);
  for (const offset of damageOffsets(captured.bytes.length)) {
    for (const [label, bytes] of [[`cut at ${offset}`, captured.bytes.subarray(0, offset)], [`byte ${offset} flipped`, flipBit(captured.bytes, offset, offset % 8)]] as const) {
      await assertRefusedUnchanged(await copyWithObject(root, original, captured.name, bytes), objectName, `${captured.name} ${label}`);
    }
  }
}

test("a checkpoint's manifest: absent or whole, recovery keeps every acknowledged write and delete; damaged, open stops", async () => {
  await withTempDir(async (root) => {
    const original = join(root, "original");
    const crashed = await crashSecondCheckpoint(original, isSecond("manifest"));
    assert.match(crashed.captured.name, /manifest\/0+2\.json$/);
    await assertCrashRecoversAndDamageStops(root, crashed, original);
  });
});

test("a checkpoint's snapshot (manifest never written): absent or whole, recovery keeps everything; damaged, open stops", async () => {
  await withTempDir(async (root) => {
    const original = join(root, "original");
    const crashed = await crashSecondCheckpoint(original, isSecond("snapshot"));
    assert.match(crashed.captured.name, /snapshot\/0+2\.snap$/);
    await assertCrashRecoversAndDamageStops(root, crashed, original);
  });
});

test("after a crashed checkpoint, recovery cleans up and the next checkpoint succeeds", async () => {
  await withTempDir(async (dir) => {
    const crashed = await crashSecondCheckpoint(dir, isSecond("manifest"));
    let engine = await openTestEngine(dir);
    const snapshots = join(dir, "indexes", crashed.index.id, "snapshot");
    assert.deepEqual((await readdir(snapshots)).length, 1, "the orphaned snapshot was removed");
    await engine.collection(crashed.index).checkpoint();
    await engine.close();
    engine = await openTestEngine(dir);
    assert.deepEqual(dumpCollection(engine, crashed.index), crashed.expected);
    assert.deepEqual(await readdir(join(dir, "indexes", crashed.index.id, "wal")), []);
    await engine.close();
  });
});

test("a deleted vector never comes back after checkpoints and reopens", async () => {
  await withTempDir(async (dir) => {
    let engine = await openTestEngine(dir);
    const index = await setupIndex(engine, "index1", 2);
    await engine.collection(index).put([vector("x", [1, 1]), vector("y", [2, 2])]);
    await engine.collection(index).checkpoint();
    await engine.collection(index).delete(["x"]);
    await engine.close();
    for (const step of ["reopen", "checkpoint", "reopen"]) {
      engine = await openTestEngine(dir);
      assert.deepEqual(engine.collection(index).get(["x"]), [], step);
      assert.equal(engine.collection(index).count(), 1, step);
      if (step === "checkpoint") await engine.collection(index).checkpoint();
      await engine.close();
    }
  });
});

test("random puts and deletes with frequent automatic checkpoints match a model across reopens", async () => {
  await withTempDir(async (dir) => {
    const random = seededRandom(42);
    const model: Dump = new Map();
    let engine = await openTestEngine(dir, { checkpoint: { maxWalObjects: 4 } });
    const index = await setupIndex(engine, "index1", 2);
    for (let round = 0; round < 6; round++) {
      const writes: Promise<void>[] = [];
      for (let op = 0; op < 25; op++) {
        const key = `k${Math.floor(random() * 20)}`;
        if (random() < 0.35) {
          writes.push(engine.collection(index).delete([key]));
          model.delete(key);
        } else {
          const data = [Math.fround(random()), round];
          writes.push(engine.collection(index).put([vector(key, data, { round })]));
          model.set(key, { data, metadata: { round } });
        }
        if (random() < 0.3) await Promise.all(writes.splice(0)); // mix lone and grouped commits
      }
      await Promise.all(writes);
      assert.deepEqual(dumpCollection(engine, index), model, `round ${round} before reopen`);
      await engine.close();
      engine = await openTestEngine(dir, { checkpoint: { maxWalObjects: 4 } });
      assert.deepEqual(dumpCollection(engine, index), model, `round ${round} after reopen`);
    }
    await engine.close();
  });
});
