// The root key is never lost: a first start that cannot serve creates nothing, so the next start
// that can shows the key; and an existing data directory's root key can be replaced offline.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rm } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { ServiceError, VectorsClient } from "@ossv/sdk";
import { OSSV_CLI, spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";
import { withTempDir } from "../../packages/engine/src/testing/test-support.ts";
import { needsDataDir } from "./test-store.ts";


function printedKey(output: string): { accountId: string; accessKeyId: string; accessKeySecret: string } | undefined {
  const accountId = /account (\d+) is ready/.exec(output)?.[1];
  const accessKeyId = /OSS_ACCESS_KEY_ID=(\S+)/.exec(output)?.[1];
  const accessKeySecret = /OSS_ACCESS_KEY_SECRET=(\S+)/.exec(output)?.[1];
  return accountId && accessKeyId && accessKeySecret ? { accountId, accessKeyId, accessKeySecret } : undefined;
}

async function stop(proc: ServeProcess): Promise<void> {
  proc.child.kill("SIGTERM");
  assert.equal(await proc.exited, 0);
}

/** Lists buckets with the key: resolves to the HTTP status (200, or the ServiceError's). */
async function statusWith(port: number, key: { accountId: string; accessKeyId: string; accessKeySecret: string }): Promise<number> {
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: key.accountId, endpoint: `http://127.0.0.1:${port}`, retry: false,
    credentials: { accessKeyId: key.accessKeyId, accessKeySecret: key.accessKeySecret },
  });
  try {
    return (await client.listVectorBuckets({})).statusCode;
  } catch (error) {
    if (error instanceof ServiceError) return error.statusCode;
    throw error;
  }
}

test("a first start whose port is taken creates no account, so the next start shows the root key", async () => {
  await withTempDir(async (dataDir) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const takenPort = (blocker.address() as AddressInfo).port;
    try {
      const failed = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--data-dir", dataDir, "--host", "127.0.0.1", "--port", String(takenPort)], {
        encoding: "utf8", timeout: 60_000, // before the fix the process also hung here, holding its engine open
      });
      assert.equal(failed.status, 1, failed.stdout + failed.stderr);
      assert.match(failed.stdout, /"level":"fatal".*"msg":"cannot start: .*EADDRINUSE/);
      assert.doesNotMatch(failed.stdout, /OSS_ACCESS_KEY_SECRET/);
    } finally {
      blocker.close();
    }
    const next = await spawnServe(["--data-dir", dataDir, "--quiet"]);
    const key = printedKey(next.output());
    assert.ok(key, `the first start that serves shows the root key:\n${next.output()}`);
    assert.equal(await statusWith(next.port, key), 200);
    await stop(next);
  });
});

test("root-key reset replaces a data directory's root key offline, and refuses while a server holds it", { skip: needsDataDir }, async () => {
  await withTempDir(async (dataDir) => {
    const first = await spawnServe(["--data-dir", dataDir, "--quiet"]);
    const lost = printedKey(first.output());
    assert.ok(lost);
    const busy = spawnSync(process.execPath, [...OSSV_CLI, "admin", "root-key", "reset", "--data-dir", dataDir], { encoding: "utf8" });
    assert.equal(busy.status, 1, "a running server holds the directory");
    assert.match(busy.stderr, /lock|in use/i);
    await stop(first);

    const reset = spawnSync(process.execPath, [...OSSV_CLI, "admin", "root-key", "reset", "--data-dir", dataDir], { encoding: "utf8" });
    assert.equal(reset.status, 0, reset.stderr);
    const fresh = JSON.parse(reset.stdout) as { accountId: string; accessKeyId: string; accessKeySecret: string };
    assert.equal(fresh.accountId, lost.accountId, "the same account keeps its data");
    assert.notEqual(fresh.accessKeyId, lost.accessKeyId);

    const chosen = { accountId: lost.accountId, accessKeyId: "LTAIchosenbyoperator0001", accessKeySecret: "operator-chosen-secret-000000" };
    const env = { ...process.env, OSSV_ACCOUNT_ID: chosen.accountId, OSSV_ROOT_ACCESS_KEY_ID: chosen.accessKeyId, OSSV_ROOT_ACCESS_KEY_SECRET: chosen.accessKeySecret };
    const set = spawnSync(process.execPath, [...OSSV_CLI, "admin", "root-key", "reset", "--data-dir", dataDir], { encoding: "utf8", env });
    assert.equal(set.status, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).accessKeyId, chosen.accessKeyId);

    const again = await spawnServe(["--data-dir", dataDir, "--quiet"]);
    try {
      assert.doesNotMatch(again.output(), /OSS_ACCESS_KEY_SECRET/, "an account with a root key gets no new one");
      assert.equal(await statusWith(again.port, chosen), 200);
      assert.equal(await statusWith(again.port, fresh), 403, "the replaced key was deleted");
      assert.equal(await statusWith(again.port, lost), 403, "the lost key was deleted");
    } finally {
      await stop(again);
    }
  });
});

test("root-key reset names what is wrong: no account yet, or an account the directory lacks", async () => {
  await withTempDir(async (dataDir) => {
    const empty = spawnSync(process.execPath, [...OSSV_CLI, "admin", "root-key", "reset", "--data-dir", dataDir], { encoding: "utf8" });
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /no account yet/);
    const proc = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
    await stop(proc);
    const env = { ...process.env, ...TEST_ACCOUNT, OSSV_ACCOUNT_ID: "9999999999999999" };
    const other = spawnSync(process.execPath, [...OSSV_CLI, "admin", "root-key", "reset", "--data-dir", dataDir], { encoding: "utf8", env });
    assert.equal(other.status, 1);
    assert.match(other.stderr, /no account 9999999999999999/);
  });
});

test("a lost master.key: the server refuses to start, and root-key reset --new-master-key gets the directory back", { skip: needsDataDir }, async () => {
  await withTempDir(async (dataDir) => {
    const first = await spawnServe(["--data-dir", dataDir, "--quiet"]);
    const old = printedKey(first.output());
    assert.ok(old);
    await stop(first);
    await rm(join(dataDir, "master.key"));
    const refused = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--data-dir", dataDir, "--port", "0"], { encoding: "utf8", timeout: 60_000 });
    assert.equal(refused.status, 1);
    assert.match(refused.stdout, /"level":"fatal".*"msg":"cannot start: .*master\.key is missing/);

    const reset = spawnSync(process.execPath, [...OSSV_CLI, "admin", "root-key", "reset", "--data-dir", dataDir, "--new-master-key"], { encoding: "utf8" });
    assert.equal(reset.status, 0, reset.stderr);
    const fresh = JSON.parse(reset.stdout) as { accountId: string; accessKeyId: string; accessKeySecret: string; deletedKeys: string[] };
    assert.deepEqual(fresh.deletedKeys, [old.accessKeyId], "keys sealed with the lost master key can never sign again");
    const again = await spawnServe(["--data-dir", dataDir, "--quiet"]);
    try {
      assert.equal(await statusWith(again.port, fresh), 200);
      assert.equal(await statusWith(again.port, old), 403);
    } finally {
      await stop(again);
    }
  });
});
