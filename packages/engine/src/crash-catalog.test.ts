// Crash tests for the catalog: the newest catalog object cut at any byte must open with the state
// before that change (or, uncut, after it); damage anywhere else must fail loudly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CorruptionError } from "./errors.ts";
import type { OssvEngine } from "./engine.ts";
import { ACCOUNT, BUCKET, openTestEngine, setupIndex, withTempDir } from "./test-support.ts";

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

test("the newest catalog object cut at every byte offset opens with the previous or the full state", async () => {
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
    const before = catalogView(engine);
    await engine.catalog.setBucketPolicy(ACCOUNT, BUCKET, '{"Statement":[]}');
    const after = catalogView(engine);
    await engine.close();
    const files = await catalogFiles(dir);
    const newest = files[files.length - 1] as string;
    const bytes = await readFile(newest);
    // Recovery deletes a torn newest object, so the file is written anew for every cut.
    for (let offset = 0; offset <= bytes.length; offset++) {
      await writeFile(newest, bytes.subarray(0, offset));
      const reopened = await openTestEngine(dir);
      assert.deepEqual(catalogView(reopened), offset === bytes.length ? after : before, `cut at ${offset}`);
      await reopened.close();
    }
  });
});

test("after a torn catalog object is discarded, the next change reuses its number and survives", async () => {
  await withTempDir(async (dir) => {
    let engine = await openTestEngine(dir);
    await engine.catalog.createAccount("1");
    await engine.catalog.createAccount("2");
    await engine.close();
    const files = await catalogFiles(dir);
    await writeFile(files[files.length - 1] as string, "{");
    engine = await openTestEngine(dir);
    assert.deepEqual(engine.catalog.listAccounts().map((a) => a.accountId), ["1"]);
    await engine.catalog.createAccount("3");
    await engine.close();
    assert.deepEqual(await catalogFiles(dir), files);
    engine = await openTestEngine(dir);
    assert.deepEqual(engine.catalog.listAccounts().map((a) => a.accountId), ["1", "3"]);
    await engine.close();
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
