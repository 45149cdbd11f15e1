// Backup and restore of a shared store through the real commands, on a real store (Ceph's gateway):
// `ossv admin snapshot create` sent to a node that is not the index's writer, while SDK writes go
// through both nodes and the writer checkpoints, merges and prunes; then `ossv restore --store` into
// an empty prefix, `ossv admin fsck --store` on it, and a node started on it: every vector
// acknowledged before the snapshot was asked for is there with its data, no key deleted before then
// is back, and the restored store takes writes (docs/scale-out.md#backups-of-a-shared-store). And a
// single server's data directory, backed up and restored into a store with its master.key placed in
// a node's --data-dir, which fsck checks and a node serves from.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import type { VectorsClient } from "@ossv/sdk";
import { VectorsClient as Client } from "@ossv/sdk";
import { runCli, spawnServe, TEST_ACCOUNT, type ServeProcess } from "../e2e/serve-process.ts";
import { startStoreNode, type StoreNode } from "./store-node.ts";
import { newBucket, useTestS3, type TestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const DIMENSION = 4;
const MASTER_KEY = randomBytes(32).toString("base64");
const INDEX = { bucket: "vectors", indexName: "idx" };
// Checkpoints every few WAL objects, small segments, quick merges: the writer prunes during the copy.
const POLICY = JSON.stringify({ maxWalObjects: 4, segmentRows: 150, idleFlushMs: 50, idleFlushRows: 1, idleMergeMs: 300, freezeMergeRatio: 0 });
const vectorOf = (n: number) => Array.from({ length: DIMENSION }, (_, i) => Math.fround(Math.sin(n * 7 + i)));

const cli = runCli;

const storeEnv = (endpoint: TestS3) => ({
  AWS_ACCESS_KEY_ID: endpoint.accessKeyId, AWS_SECRET_ACCESS_KEY: endpoint.secretAccessKey, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
});
const storeFlags = (endpoint: TestS3, bucket: string, prefix: string) => ["--store", `s3://${bucket}/${prefix}`, "--s3-endpoint", endpoint.endpoint, "--s3-path-style"];
const startNode = (endpoint: TestS3, bucket: string, prefix: string) =>
  startStoreNode(endpoint, { bucket, prefix, policy: POLICY, masterKey: MASTER_KEY, retry: true });

async function stopNode(node: StoreNode): Promise<void> {
  node.serve.child.kill("SIGTERM");
  await node.serve.exited;
  await rm(node.dataDir, { recursive: true, force: true });
}

/** The data of every key of `keys` the index holds. */
async function dataOf(client: VectorsClient, keys: string[]): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  for (let i = 0; i < keys.length; i += 100) {
    const page = await client.getVectors({ ...INDEX, keys: keys.slice(i, i + 100), returnData: true });
    // As float32 values: the answer's JSON carries each in its shortest decimal form.
    for (const vector of page.vectors) found.set(vector.key, [...(vector.data?.float32 ?? [])].map((value) => Math.fround(value)));
  }
  return found;
}

test("a snapshot of a shared store, taken through a reader node under write load, restores into a store that holds every acknowledged vector", { skip, timeout: 300_000 }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const root = await mkdtemp(join(tmpdir(), "ossv-shared-backup-"));
  const backup = join(root, "backup");
  const nodes: StoreNode[] = [];
  try {
    const writer = await startNode(endpoint, bucket, "ossv/live");
    nodes.push(writer);
    await writer.client.putVectorBucket({ bucket: INDEX.bucket });
    await writer.client.putVectorIndex({ ...INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    const reader = await startNode(endpoint, bucket, "ossv/live");
    nodes.push(reader);

    // Each writer, one through each node, puts batches of new keys and deletes some of them again.
    const acknowledged = new Map<string, { at: number; n: number }>();
    const deleted = new Map<string, number>();
    const deleteSent = new Set<string>();
    let stop = false;
    let failure: unknown;
    const write = async (w: number, client: VectorsClient) => {
      for (let batch = 0; !stop; batch++) {
        const keys = Array.from({ length: 10 }, (_, i) => ({ key: `w${w}-${batch}-${i}`, n: w * 1_000_000 + batch * 10 + i }));
        // A node that has not yet seen the index in the catalog answers NoSuchVectorIndex: try again.
        try {
          await client.putVectors({ ...INDEX, vectors: keys.map(({ key, n }) => ({ key, data: { float32: vectorOf(n) }, metadata: { w } })) });
        } catch (error) {
          if ((error as { code?: string }).code === "NoSuchVectorIndex" && acknowledged.size === 0) continue;
          throw error;
        }
        const at = performance.now();
        for (const { key, n } of keys) acknowledged.set(key, { at, n });
        if (batch % 3 === 2) {
          const doomed = keys.slice(0, 4).map(({ key }) => key);
          for (const key of doomed) deleteSent.add(key);
          await client.deleteVectors({ ...INDEX, keys: doomed });
          const when = performance.now();
          for (const key of doomed) deleted.set(key, when);
        }
      }
    };
    const writers = [write(0, writer.client), write(1, reader.client)].map((running) => running.catch((error: unknown) => { failure = error; }));
    while (acknowledged.size < 1_500 && failure === undefined) await pause(20);

    const askedAt = performance.now();
    const snapshot = await cli(["admin", "snapshot", "create", "--endpoint", `http://127.0.0.1:${reader.serve.port}`, "--dest", backup], {
      OSS_ACCESS_KEY_ID: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET,
    });
    const written = acknowledged.size;
    stop = true;
    await Promise.all(writers);
    assert.equal(failure, undefined, String(failure));
    assert.equal(snapshot.code, 0, snapshot.stderr);
    const summary = JSON.parse(snapshot.stdout) as { files: number; bytes: number; masterKey: string; ms: number; indexes: number };
    console.log(`# snapshot through a reader node of ${written} acknowledged vectors: ${summary.ms.toFixed(0)} ms, ${summary.files} objects, ${summary.bytes} bytes`);
    assert.equal(summary.masterKey, "configured");
    assert.equal(summary.indexes, 1);
    assert.ok((await readdir(backup)).includes("BACKUP.json"));

    // A data directory cannot hold it; an empty prefix of the store can.
    const toDir = await cli(["restore", "--from", backup, "--data-dir", join(root, "dir")]);
    assert.equal(toDir.code, 1);
    assert.match(toDir.stderr, /backup of a shared object store.*--store/);
    const restore = await cli(["restore", "--from", backup, ...storeFlags(endpoint, bucket, "ossv/restored")], storeEnv(endpoint));
    assert.equal(restore.code, 0, restore.stderr);
    assert.equal((JSON.parse(restore.stdout) as { objects: number }).objects, summary.files);
    const again = await cli(["restore", "--from", backup, ...storeFlags(endpoint, bucket, "ossv/restored")], storeEnv(endpoint));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /is not empty/);
    const fsck = await cli(["admin", "fsck", ...storeFlags(endpoint, bucket, "ossv/restored")], { ...storeEnv(endpoint), OSSV_MASTER_KEY: MASTER_KEY });
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);

    const copy = await startNode(endpoint, bucket, "ossv/restored");
    nodes.push(copy);
    const before = [...acknowledged].filter(([, { at }]) => at < askedAt);
    const deletedBefore = new Set([...deleted].filter(([, at]) => at < askedAt).map(([key]) => key));
    const found = await dataOf(copy.client, before.map(([key]) => key));
    const missing = before.filter(([key]) => !deleteSent.has(key) && !found.has(key)).map(([key]) => key);
    const revived = before.filter(([key]) => deletedBefore.has(key) && found.has(key)).map(([key]) => key);
    const wrong = before.filter(([key, { n }]) => found.has(key) && JSON.stringify(found.get(key)) !== JSON.stringify(vectorOf(n))).map(([key]) => key);
    assert.deepEqual(missing, [], "vectors acknowledged before the snapshot are missing from the restored store");
    assert.deepEqual(revived, [], "keys deleted before the snapshot are back in the restored store");
    assert.deepEqual(wrong, [], "restored vectors with other data than was written");
    assert.ok(before.length - deletedBefore.size > 1000);
    // Nothing the backup holds was acknowledged by no one: every key found was written.
    const all = await dataOf(copy.client, [...acknowledged.keys()]);
    assert.ok(all.size >= found.size);

    // The restored store takes writes: the new node claims the index once it sees no live writer.
    const started = performance.now();
    for (;;) {
      try {
        await copy.client.putVectors({ ...INDEX, vectors: [{ key: "after-restore", data: { float32: vectorOf(-1) }, metadata: {} }] });
        break;
      } catch (error) {
        if ((error as { code?: string }).code !== "ServiceUnavailable" || performance.now() - started > 30_000) throw error;
        await pause(100);
      }
    }
    assert.ok((await dataOf(copy.client, ["after-restore"])).has("after-restore"));
  } finally {
    for (const node of nodes) await stopNode(node);
    await rm(root, { recursive: true, force: true });
  }
});

const clientOf = (serve: ServeProcess) => new Client({
  region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${serve.port}`,
  credentials: { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET },
});

test("a data directory's backup restored into a store: master.key in the node's --data-dir, fsck clean, every vector served", { skip, timeout: 300_000 }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const root = await mkdtemp(join(tmpdir(), "ossv-dir-to-store-"));
  const [live, backup, nodeDir] = [join(root, "live"), join(root, "backup"), join(root, "node")];
  // No OSSV_MASTER_KEY anywhere here: the key is the file the server made, which travels in the backup.
  const env = { ...TEST_ACCOUNT, OSSV_MASTER_KEY: "" };
  const single = await spawnServe(["--data-dir", live, "--quiet"], env);
  let node: ServeProcess | undefined;
  try {
    const client = clientOf(single);
    await client.putVectorBucket({ bucket: INDEX.bucket });
    await client.putVectorIndex({ ...INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    const keys = Array.from({ length: 200 }, (_, n) => `v${n}`);
    for (let i = 0; i < keys.length; i += 50) {
      await client.putVectors({ ...INDEX, vectors: keys.slice(i, i + 50).map((key, j) => ({ key, data: { float32: vectorOf(i + j) }, metadata: {} })) });
    }
    await client.deleteVectors({ ...INDEX, keys: keys.slice(0, 20) });
    const snapshot = await cli(["admin", "snapshot", "create", "--endpoint", `http://127.0.0.1:${single.port}`, "--dest", backup], {
      OSS_ACCESS_KEY_ID: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET,
    });
    assert.equal(snapshot.code, 0, snapshot.stderr);
    assert.equal((JSON.parse(snapshot.stdout) as { masterKey: string }).masterKey, "included");
    single.child.kill("SIGTERM");
    await single.exited;

    const restore = await cli(["restore", "--from", backup, ...storeFlags(endpoint, bucket, "ossv/moved"), "--data-dir", nodeDir], storeEnv(endpoint));
    assert.equal(restore.code, 0, restore.stderr);
    assert.match((JSON.parse(restore.stdout) as { masterKey: string }).masterKey, /^placed in .*master\.key$/);
    const fsck = await cli(["admin", "fsck", ...storeFlags(endpoint, bucket, "ossv/moved"), "--data-dir", nodeDir], { ...storeEnv(endpoint), OSSV_MASTER_KEY: "" });
    assert.equal(fsck.code, 0, fsck.stdout + fsck.stderr);
    assert.doesNotMatch(fsck.stdout, /not checked/);

    node = await spawnServe(["--data-dir", nodeDir, ...storeFlags(endpoint, bucket, "ossv/moved"), "--quiet"], { ...env, ...storeEnv(endpoint) });
    const found = await dataOf(clientOf(node), keys);
    assert.deepEqual([...found.keys()].sort(), keys.slice(20).sort());
    for (const [key, data] of found) assert.deepEqual(data, vectorOf(Number(key.slice(1))), key);
  } finally {
    if (node) {
      node.child.kill("SIGTERM");
      await node.exited;
    }
    single.child.kill("SIGTERM");
    await single.exited;
    await rm(root, { recursive: true, force: true });
  }
});
