// Crash and damage tests for the WAL. A WAL object is created whole (written, synced, then linked into
// place) before its writes are acknowledged, so a crash leaves the last one either absent or whole;
// one that exists but does not decode is damage, and open stops rather than drop acknowledged writes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptionError } from "../base/errors.ts";
import { decodeWalObject } from "../format/wal-format.ts";
import type { IndexRecord, VectorRecord } from "../base/types.ts";
import type { OssvEngine } from "../engine.ts";
import {
  assertRefusedUnchanged, damageOffsets, dumpCollection, flipBit, openTestEngine, setupIndex, vector, withTempDir,
} from "../testing/test-support.ts";

type Model = Map<string, { data: number[]; metadata: Record<string, unknown> }>;

function applyPut(model: Model, vectors: VectorRecord[]): void {
  for (const v of vectors) model.set(v.key, { data: [...v.data], metadata: v.metadata });
}

function applyDelete(model: Model, keys: string[]): void {
  for (const key of keys) model.delete(key);
}

async function walFiles(dir: string, index: IndexRecord): Promise<string[]> {
  const walDir = join(dir, "indexes", index.id, "wal");
  return (await readdir(walDir)).sort().map((name) => join(walDir, name));
}

interface History {
  index: IndexRecord;
  before: Model;
  after: Model;
}

/** Writes a history with a checkpoint in it, ending in one group-committed batch of three writes. */
async function writeHistory(dir: string): Promise<History> {
  const model: Model = new Map();
  let engine: OssvEngine = await openTestEngine(dir, { checkpoint: { maxWalObjects: 3 } });
  const index = await setupIndex(engine, "index1", 3);
  const collection = engine.collection(index);
  for (let i = 0; i < 8; i++) {
    const batch = [vector(`k${i}`, [i, i + 0.5, -i], { i }), vector(`shared`, [i, 0, 0], { round: i })];
    await collection.put(batch);
    applyPut(model, batch);
    if (i % 3 === 2) {
      await collection.delete([`k${i - 1}`]);
      applyDelete(model, [`k${i - 1}`]);
    }
  }
  await engine.close(); // waits for the automatic checkpoints
  engine = await openTestEngine(dir); // default policy: no checkpoint will cover the final batch
  const trigger = [vector("trigger", [9, 9, 9])];
  const grouped = [vector("new", [1, 2, 3], { fresh: true }), vector("k0", [7, 7, 7], { upserted: true })];
  const writes = [
    engine.collection(index).put(trigger),
    // Queued while the trigger commits, so these three go out together as the last WAL object.
    engine.collection(index).put(grouped),
    engine.collection(index).delete(["k2", "shared"]),
    engine.collection(index).put([vector("k2", [2, 2, 2], { back: true })]),
  ];
  await Promise.all(writes);
  applyPut(model, trigger);
  const before: Model = new Map(model);
  applyPut(model, grouped);
  applyDelete(model, ["k2", "shared"]);
  applyPut(model, [vector("k2", [2, 2, 2], { back: true })]);
  assert.deepEqual(dumpCollection(engine, index), model);
  await engine.close();
  return { index, before, after: model };
}

test("the last WAL object cut at any byte or with a bit flipped stops open, naming it, and changes nothing", async () => {
  await withTempDir(async (root) => {
    const dir = join(root, "original");
    const { index, after } = await writeHistory(dir);
    const files = await walFiles(dir, index);
    const last = files[files.length - 1] as string;
    const lastBytes = await readFile(last);
    assert.equal(decodeWalObject(lastBytes).length, 3, "the last three writes were group-committed");
    assert.ok(files.length >= 2, "an earlier WAL object precedes the damaged one");
    assert.equal((await readdir(join(dir, "indexes", index.id, "manifest"))).length, 1, "a checkpoint precedes it");
    const copy = join(root, "copy");
    const walName = new RegExp(`${last.slice(dir.length + 1).replace(/[.]/g, "\\.")}$`);
    for (const offset of damageOffsets(lastBytes.length)) {
      for (const [label, bytes] of [[`cut at ${offset}`, lastBytes.subarray(0, offset)], [`byte ${offset} flipped`, flipBit(lastBytes, offset, offset % 8)]] as const) {
        await rm(copy, { recursive: true, force: true });
        await cp(dir, copy, { recursive: true });
        await writeFile(join(copy, last.slice(dir.length)), bytes);
        await assertRefusedUnchanged(copy, walName, `${label} of ${lastBytes.length}`);
      }
    }
    const engine = await openTestEngine(dir);
    assert.deepEqual(dumpCollection(engine, index), after, "the undamaged WAL opens with every write");
    await engine.close();
  });
});

test("a last WAL object never created (a crash before its commit) opens without it, and its number is used again", async () => {
  await withTempDir(async (dir) => {
    const { index, before } = await writeHistory(dir);
    const files = await walFiles(dir, index);
    await rm(files[files.length - 1] as string);
    let engine = await openTestEngine(dir);
    assert.deepEqual(dumpCollection(engine, index), before);
    await engine.collection(index).put([vector("later", [1, 1, 1])]);
    assert.deepEqual(await walFiles(dir, index), files);
    await engine.close();
    engine = await openTestEngine(dir);
    assert.deepEqual(dumpCollection(engine, index), new Map([...before, ["later", { data: [1, 1, 1], metadata: {} }]]));
    await engine.close();
  });
});

test("a damaged WAL object that is not the last fails open loudly", async () => {
  await withTempDir(async (dir) => {
    const { index } = await writeHistory(dir);
    const files = await walFiles(dir, index);
    const middle = files[files.length - 2] as string;
    const bytes = await readFile(middle);
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0xff;
    await writeFile(middle, bytes);
    await assert.rejects(openTestEngine(dir), CorruptionError);
  });
});

test("a missing WAL object in the middle fails open loudly", async () => {
  await withTempDir(async (dir) => {
    const { index } = await writeHistory(dir);
    const files = await walFiles(dir, index);
    await rm(files[files.length - 2] as string);
    await assert.rejects(openTestEngine(dir), CorruptionError);
  });
});
