// fsck's master key check: sealed secrets need the one key that sealed them; a missing or wrong key
// is reported (never replaced), and a configured OSSV_MASTER_KEY takes the file's place.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AccessKeyRecord } from "@ossv/engine";
import { checkMasterKey } from "./master-key-check.ts";
import { SecretBox } from "./secret-box.ts";

const key = randomBytes(32);
const sealedKey: AccessKeyRecord = {
  accessKeyId: "LTAIROOT", accessKeySecret: new SecretBox(key).seal("secret"), accountId: "1000000000000001",
  status: "active", createdAt: "2026-01-01T00:00:00.000Z",
};

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-master-key-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("master.key missing while the catalog holds sealed secrets: reported, not repairable, no key made", async () => {
  await withDir(async (dir) => {
    const problem = await checkMasterKey(dir, [sealedKey]);
    assert.equal(problem?.object, "master.key");
    assert.equal(problem?.problem, "missing");
    assert.equal(problem?.repairable, false);
    assert.match(problem?.holds ?? "", /1 sealed access key secret/);
    assert.match(problem?.repair ?? "", /ossv admin root-key reset --data-dir DIR/);
    assert.deepEqual(await readdir(dir), [], "no new master key was written");
  });
});

test("the right master key, from the file or OSSV_MASTER_KEY: no problem; another key: reported", async () => {
  await withDir(async (dir) => {
    assert.equal(await checkMasterKey(dir, [sealedKey], key.toString("base64")), undefined);
    await writeFile(join(dir, "master.key"), key.toString("base64") + "\n");
    assert.equal(await checkMasterKey(dir, [sealedKey]), undefined);
    await writeFile(join(dir, "master.key"), randomBytes(32).toString("base64") + "\n");
    assert.match((await checkMasterKey(dir, [sealedKey]))?.problem ?? "", /does not open/);
    await writeFile(join(dir, "master.key"), "damaged\n");
    assert.match((await checkMasterKey(dir, [sealedKey]))?.problem ?? "", /does not open/);
  });
});

test("a catalog without sealed secrets needs no master key", async () => {
  await withDir(async (dir) => {
    assert.equal(await checkMasterKey(dir, [{ ...sealedKey, accessKeySecret: "plain" }]), undefined);
  });
});
