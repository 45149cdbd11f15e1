// Damage an operator can meet, each once deleted acknowledged data without a word: recovery must stop
// with an error naming the object, and leave every file as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CollectionLayout } from "./storage/collection-layout.ts";
import {
  ACCOUNT, BUCKET, assertRefusedUnchanged, flipBit, openTestEngine, randomVector, seededRandom, setupIndex, withTempDir,
} from "./testing/test-support.ts";

const NO_AUTOMATIC_WORK = { segmentRows: 1_000_000, maxSegments: 100, maxDeletedFraction: 1, idleMergeMs: 0, idleFlushMs: 3_600_000 };

async function newest(dir: string): Promise<string> {
  const names = (await readdir(dir)).sort();
  return join(dir, names[names.length - 1] as string);
}

/** 2,000 rows flushed into a segment and checkpointed: the manifest is the only one, and no WAL is left. */
async function flushedIndex(dir: string) {
  const engine = await openTestEngine(dir, { checkpoint: NO_AUTOMATIC_WORK });
  const index = await setupIndex(engine, "index1", 8);
  const random = seededRandom(7);
  const collection = engine.collection(index);
  for (let start = 0; start < 2000; start += 500) {
    await collection.put(Array.from({ length: 500 }, (_, i) => ({ key: `k${start + i}`, data: randomVector(random, 8), metadata: { i } })));
  }
  await collection.flush();
  await engine.close();
  const layout = new CollectionLayout(index.id);
  assert.deepEqual(await readdir(join(dir, layout.walDir)), [], "no WAL object is left");
  assert.equal((await readdir(join(dir, layout.manifestDir))).length, 1);
  return { index, layout };
}

test("the only manifest cut by its last byte: open stops and the segment and snapshot stay", async () => {
  await withTempDir(async (dir) => {
    const { layout } = await flushedIndex(dir);
    const manifest = await newest(join(dir, layout.manifestDir));
    const bytes = await readFile(manifest);
    await writeFile(manifest, bytes.subarray(0, bytes.length - 1));
    await assertRefusedUnchanged(dir, /\/manifest\//, "manifest cut by one byte");
    assert.equal((await readdir(join(dir, layout.segmentDir))).length, 1, "the segment was kept");
  });
});

test("the newest catalog object with a flipped bit after PutVectorIndex: open stops and the index data stays", async () => {
  await withTempDir(async (dir) => {
    const { index, layout } = await flushedIndex(dir);
    const engine = await openTestEngine(dir, { checkpoint: NO_AUTOMATIC_WORK });
    const spec = { name: "index2", dimension: 4, distanceMetric: "cosine" as const, dataType: "float32" as const, nonFilterableMetadataKeys: [] };
    await engine.catalog.createIndex(ACCOUNT, BUCKET, spec, 100);
    await engine.close();
    const catalog = await newest(join(dir, "catalog"));
    const bytes = await readFile(catalog);
    for (const offset of [10, Math.floor(bytes.length / 2), bytes.length - 4]) {
      await writeFile(catalog, flipBit(bytes, offset, 3));
      await assertRefusedUnchanged(dir, /^catalog\//, `bit flipped at ${offset}`);
    }
    assert.ok((await readdir(join(dir, layout.segmentDir))).length === 1, `index ${index.id} was not removed as an orphan`);
  });
});

test("a catalog that is gone while index data remains: open stops instead of removing the data as orphans", async () => {
  await withTempDir(async (dir) => {
    await flushedIndex(dir);
    await rm(join(dir, "catalog"), { recursive: true });
    await assertRefusedUnchanged(dir, /^catalog\/$/, "catalog removed");
  });
});

test("the manifest of a checkpoint that pruned the WAL, lost: open stops naming it instead of starting empty", async () => {
  await withTempDir(async (dir) => {
    const { layout } = await flushedIndex(dir);
    const manifest = await newest(join(dir, layout.manifestDir));
    await rm(manifest);
    const error = await assertRefusedUnchanged(dir, /\/manifest\//, "manifest removed");
    assert.match(error.message, /missing/);
  });
});

test("a segment, deletion object or snapshot the manifest names, damaged: open stops and changes nothing", async () => {
  await withTempDir(async (dir) => {
    const { layout } = await flushedIndex(dir);
    for (const objectDir of [layout.segmentDir, layout.deletesDir, layout.snapshotDir]) {
      const object = await newest(join(dir, objectDir));
      const bytes = await readFile(object);
      for (const offset of [3, Math.floor(bytes.length / 2), bytes.length - 2]) {
        await writeFile(object, flipBit(bytes, offset, 5));
        await assertRefusedUnchanged(dir, new RegExp(`^${objectDir}/`), `${objectDir} byte ${offset} flipped`);
      }
      await writeFile(object, bytes.subarray(0, bytes.length - 1));
      await assertRefusedUnchanged(dir, new RegExp(`^${objectDir}/`), `${objectDir} cut by one byte`);
      await writeFile(object, bytes);
    }
  });
});
