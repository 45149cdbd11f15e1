// Backup and restore through the real commands: `ossv admin snapshot create` against a running
// `ossv serve` while SDK writers keep writing and deleting (with checkpoints, flushes and merges
// pruning objects all the while), then `ossv restore`, `ossv admin fsck` on the result, and a server
// started on it: every write acknowledged before the snapshot was asked for is there, and no key
// deleted before then is back.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { runCli, spawnServe, TEST_ACCOUNT } from "./serve-process.ts";
import { needsDataDir } from "./test-store.ts";

const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
// Checkpoints every few WAL objects, small segments, quick merges: pruning runs during the snapshot.
const POLICY = JSON.stringify({ maxWalObjects: 4, segmentRows: 400, idleFlushMs: 50, idleFlushRows: 1, idleMergeMs: 300, freezeMergeRatio: 0 });
const DIMENSION = 8;
const WRITERS = 3;

const run = runCli;

const clientFor = (port: number) => new VectorsClient({
  region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${port}`, credentials, retry: false,
});
const vectorOf = (n: number) => Array.from({ length: DIMENSION }, (_, i) => Math.sin(n * 7 + i));

test("a snapshot taken under write load restores to a directory that is clean and holds every write acknowledged before it", { skip: needsDataDir }, async () => {
  const root = await mkdtemp(join(tmpdir(), "ossv-backup-"));
  const live = join(root, "live");
  const backup = join(root, "backup");
  const restored = join(root, "restored");
  const server = await spawnServe(["--data-dir", live, "--quiet"], { ...TEST_ACCOUNT, OSSV_CHECKPOINT_POLICY: POLICY });
  try {
    const client = clientFor(server.port);
    const target = { bucket: "backup-test", indexName: "idx" };
    await client.putVectorBucket({ bucket: target.bucket });
    await client.putVectorIndex({ ...target, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });

    // Each writer puts batches of new keys and deletes every fourth batch's first keys again.
    const acknowledged = new Map<string, number>(); // key -> when its put was acknowledged
    const deleted = new Map<string, number>(); // key -> when its delete was acknowledged
    const deleteSent = new Set<string>(); // keys whose delete was sent: after the snapshot, it may be in it or not
    let stop = false;
    let failure: unknown;
    const writer = async (w: number) => {
      for (let batch = 0; !stop; batch++) {
        const keys = Array.from({ length: 25 }, (_, i) => `w${w}-${batch}-${i}`);
        await client.putVectors({ ...target, vectors: keys.map((key, i) => ({ key, data: { float32: vectorOf(batch * 25 + i) }, metadata: { w } })) });
        const at = performance.now();
        for (const key of keys) acknowledged.set(key, at);
        if (batch % 4 === 3) {
          const doomed = keys.slice(0, 10);
          for (const key of doomed) deleteSent.add(key);
          await client.deleteVectors({ ...target, keys: doomed });
          const when = performance.now();
          for (const key of doomed) deleted.set(key, when);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w).catch((error: unknown) => { failure = error; }));
    while (acknowledged.size < 6_000 && failure === undefined) await new Promise((resolve) => setTimeout(resolve, 20));

    const askedAt = performance.now();
    const snapshot = await run(["admin", "snapshot", "create", "--endpoint", `http://127.0.0.1:${server.port}`, "--dest", backup], {
      OSS_ACCESS_KEY_ID: credentials.accessKeyId, OSS_ACCESS_KEY_SECRET: credentials.accessKeySecret,
    });
    const tookMs = performance.now() - askedAt;
    const written = acknowledged.size;
    // Writes go on for a moment after the snapshot, while its held objects are released and pruned.
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(writers);
    assert.equal(failure, undefined, String(failure));
    assert.equal(snapshot.code, 0, snapshot.stderr);
    const summary = JSON.parse(snapshot.stdout) as { files: number; bytes: number; linked: number; masterKey: string; ms: number };
    console.log(`snapshot of ${written} acknowledged vectors: ${summary.ms.toFixed(0)} ms in the server, ${tookMs.toFixed(0)} ms through the CLI, `
      + `${summary.files} files, ${summary.bytes} bytes, ${summary.linked} hard-linked`);
    assert.equal(summary.masterKey, "included");
    assert.ok((await readdir(backup)).includes("BACKUP.json"));
    assert.ok(!(await readdir(backup)).includes("LOCK"), "a backup holds no lock");

    const restore = await run(["restore", "--from", backup, "--data-dir", restored]);
    assert.equal(restore.code, 0, restore.stderr);
    const fsck = await run(["admin", "fsck", "--data-dir", restored], { OSSV_MASTER_KEY: "" });
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);

    const copy = await spawnServe(["--data-dir", restored, "--quiet"], TEST_ACCOUNT);
    try {
      const fromCopy = clientFor(copy.port);
      const before = [...acknowledged].filter(([, at]) => at < askedAt).map(([key]) => key);
      const present = new Set<string>();
      for (let i = 0; i < before.length; i += 100) {
        const found = await fromCopy.getVectors({ ...target, keys: before.slice(i, i + 100) });
        for (const vector of found.vectors) present.add(vector.key);
      }
      const deletedBefore = new Set([...deleted].filter(([, at]) => at < askedAt).map(([key]) => key));
      const missing = before.filter((key) => !deleteSent.has(key) && !present.has(key));
      const revived = before.filter((key) => deletedBefore.has(key) && present.has(key));
      assert.deepEqual(missing, [], "writes acknowledged before the snapshot are missing from it");
      assert.deepEqual(revived, [], "keys deleted before the snapshot are back in it");
      assert.ok(before.length - deletedBefore.size > 1000);
    } finally {
      copy.child.kill("SIGTERM");
      await copy.exited;
    }
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
    await rm(root, { recursive: true, force: true });
  }
});
