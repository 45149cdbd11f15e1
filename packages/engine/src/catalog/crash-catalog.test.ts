// Damage to the catalog: objects are created whole, so a catalog object that does not decode is
// damage, never an unfinished commit. Open stops with an error naming it and changes nothing; it
// never falls back to an older object, which could revive a deleted key or a removed policy.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptionError } from "../base/errors.ts";
import type { OssvEngine } from "../engine.ts";
import { ACCOUNT, BUCKET, assertRefusedUnchanged, damageOffsets, flipBit, openTestEngine, setupIndex, withTempDir } from "../testing/test-support.ts";

function catalogView(engine: OssvEngine): unknown {
  const { catalog } = engine;
  return {
    accounts: catalog.listAccounts(),
    keys: catalog.listAccessKeys(ACCOUNT),
    buckets: catalog.listBuckets(ACCOUNT),
    indexes: catalog.listIndexes(ACCOUNT, BUCKET),
  };
}

async function catalogFiles(dir: string): Promise<string[]> {
  return (await readdir(join(dir, "catalog"))).sort().map((name) => join(dir, "catalog", name));
}

test("the newest catalog object cut at any byte or with any bit flipped stops open, naming it, and changes nothing", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    await setupIndex(engine);
    await engine.catalog.putAccessKey({
      accessKeyId: "LTAIkey",
      accessKeySecret: "s3cr3t",
      accountId: ACCOUNT,
      status: "active",
      createdAt: "2025-01-01T00:00:00.000Z",
    });
    await engine.catalog.setBucketPolicy(ACCOUNT, BUCKET, '{"Statement":[]}');
    const after = catalogView(engine);
    await engine.close();
    const files = await catalogFiles(dir);
    const newest = files[files.length - 1] as string;
    const bytes = await readFile(newest);
    const damaged = damageOffsets(bytes.length).flatMap((offset) => [
      { label: `cut at ${offset}`, bytes: bytes.subarray(0, offset) },
      { label: `bit ${offset % 8} of byte ${offset} flipped`, bytes: flipBit(bytes, offset, offset % 8) },
    ]);
    for (const damage of damaged) {
      await writeFile(newest, damage.bytes);
      await assertRefusedUnchanged(dir, /^catalog\/0+\d+\.json$/, damage.label);
    }
    await writeFile(newest, bytes);
    const reopened = await openTestEngine(dir);
    assert.deepEqual(catalogView(reopened), after, "the undamaged object opens with every change");
    await reopened.close();
  });
});

test("a revoked key never comes back: damaging the catalog that revoked it stops open instead of rolling back", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    await setupIndex(engine);
    const key = { accessKeyId: "LTAIrevoked", accessKeySecret: "s", accountId: ACCOUNT, status: "active" as const, createdAt: "2025-01-01T00:00:00.000Z" };
    await engine.catalog.putAccessKey(key);
    await engine.catalog.deleteAccessKey(key.accessKeyId);
    await engine.close();
    const files = await catalogFiles(dir);
    const newest = files[files.length - 1] as string;
    const bytes = await readFile(newest);
    for (const damage of [bytes.subarray(0, bytes.length - 1), flipBit(bytes, 40), flipBit(bytes, bytes.length - 3)]) {
      await writeFile(newest, damage);
      await assertRefusedUnchanged(dir, /^catalog\//, "revoking catalog damaged");
    }
  });
});

test("a damaged catalog object that is not the newest fails open loudly", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    for (const id of ["1", "2", "3"]) await engine.catalog.createAccount(id);
    await engine.close();
    const files = await catalogFiles(dir);
    await writeFile(files[files.length - 1] as string, "{");
    await writeFile(files[files.length - 2] as string, "{");
    await assert.rejects(openTestEngine(dir), CorruptionError);
  });
});

test("old catalog objects are pruned", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    for (let i = 0; i < 10; i++) await engine.catalog.createAccount(String(i));
    await engine.close();
    assert.equal((await catalogFiles(dir)).length, 3);
  });
});
