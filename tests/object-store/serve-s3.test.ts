// `ossv serve --store s3://…` on a real object store (Ceph's gateway), driven through the SDK: a
// write load with checkpoints, segments and WAL pruning all going to the store, a SIGKILL in the
// middle of it, and a restart on the same bucket that must hold every acknowledged write and no
// acknowledged delete. The data directory keeps only master.key. A restart with --takeover writes at
// once. Bad store settings stop the start with a message that says what is wrong.
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { test } from "node:test";
import { VectorsClient } from "@ossv/sdk";
import { S3BlobStore } from "@ossv/engine/s3";
import { decodeManifest } from "../../packages/engine/src/format/manifest.ts";
import { CollectionLayout, MANIFEST_EXT, storageIdOf } from "../../packages/engine/src/storage/collection-layout.ts";
import { listNumbered } from "../../packages/engine/src/storage/numbered-objects.ts";
import { OSSV_CLI, spawnServe, TEST_ACCOUNT } from "../e2e/serve-process.ts";
import { newBucket, storeOptions, useTestS3, type TestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const DIMENSION = 8;
// Small enough that the load below makes the engine checkpoint, write segments and prune its WAL.
const POLICY = JSON.stringify({ maxWalObjects: 4, segmentRows: 100, idleFlushMs: 50, idleFlushRows: 1, idleMergeMs: 300 });
const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
const clientFor = (port: number) => new VectorsClient({
  region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${port}`, credentials, retry: false,
});
const vectorOf = (n: number) => Array.from({ length: DIMENSION }, (_, i) => Math.sin(n * 7 + i));

function serveArgs(endpoint: TestS3, bucket: string, dataDir: string): string[] {
  return ["--data-dir", dataDir, "--store", `s3://${bucket}/ossv/node`, "--s3-endpoint", endpoint.endpoint, "--s3-path-style", "--quiet"];
}

/** Writes through `client` until the server it reaches is the index's writer (a takeover after a kill). */
async function writeOnceTakenOver(client: VectorsClient): Promise<void> {
  const started = performance.now();
  const vectors = [{ key: "after-restart", data: { float32: vectorOf(-1) }, metadata: {} }];
  while (!(await client.putVectors({ bucket: "vectors", indexName: "idx", vectors }).then(() => true, () => false))) {
    assert.ok(performance.now() - started < 20_000, "the restarted server never took the index");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves once a segment object is in the store (the writer's idle flush); fails after 20 s. */
async function segmentStored(endpoint: TestS3, bucket: string): Promise<void> {
  const store = new S3BlobStore(storeOptions(endpoint, bucket, "ossv/node/"));
  try {
    const started = performance.now();
    while (!(await store.list("indexes/")).some((name) => name.includes("/segment/"))) {
      assert.ok(performance.now() - started < 20_000, "no segment was stored");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    store.destroy();
  }
}

function serveEnv(endpoint: TestS3): Record<string, string> {
  return {
    ...TEST_ACCOUNT, OSSV_CHECKPOINT_POLICY: POLICY, OSSV_CLUSTER_TIMINGS: JSON.stringify({ tickMs: 200, deadAfterMs: 1500 }), AWS_ACCESS_KEY_ID: endpoint.accessKeyId, AWS_SECRET_ACCESS_KEY: endpoint.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

async function allKeys(client: VectorsClient, bucket: string, indexName: string): Promise<Set<string>> {
  const keys = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await client.listVectors({ bucket, indexName, maxResults: 500, ...(nextToken && { nextToken }) });
    for (const vector of page.vectors) keys.add(vector.key);
    nextToken = page.nextToken;
  } while (nextToken);
  return keys;
}

test("writes through the SDK survive a SIGKILL and a restart on the same bucket", { skip }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-s3-serve-"));
  try {
    const first = await spawnServe(serveArgs(endpoint, bucket, dataDir), serveEnv(endpoint));
    const client = clientFor(first.port);
    await client.putVectorBucket({ bucket: "vectors" });
    await client.putVectorIndex({ bucket: "vectors", indexName: "idx", dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    const acknowledged = new Set<string>();
    const deleted = new Set<string>();
    const deleteInFlight = new Set<string>();
    // Four writers at once, so group commits share WAL objects; each deletes a fifth of what it wrote.
    const writer = async (id: number) => {
      for (let batch = 0; ; batch++) {
        const keys = Array.from({ length: 10 }, (_, i) => `w${id}-${batch}-${i}`);
        const vectors = keys.map((key, i) => ({ key, data: { float32: vectorOf(id * 100_000 + batch * 10 + i) }, metadata: { id } }));
        if (!(await client.putVectors({ bucket: "vectors", indexName: "idx", vectors }).then(() => true, () => false))) return;
        keys.forEach((key) => acknowledged.add(key));
        const doomed = keys.slice(0, 2);
        doomed.forEach((key) => deleteInFlight.add(key));
        if (!(await client.deleteVectors({ bucket: "vectors", indexName: "idx", keys: doomed }).then(() => true, () => false))) return;
        doomed.forEach((key) => {
          deleted.add(key);
          deleteInFlight.delete(key);
        });
      }
    };
    const load = Promise.all([0, 1, 2, 3].map(writer));
    let loadEnded = false;
    void load.finally(() => (loadEnded = true));
    // Kill once enough is acknowledged; a load that stops by itself is a failure, not a wait.
    while (acknowledged.size < 600 && !loadEnded) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(!loadEnded, `the write load stopped early after ${acknowledged.size} acknowledged writes:\n${first.output()}`);
    first.child.kill("SIGKILL");
    await Promise.all([load, first.exited]);

    const second = await spawnServe(serveArgs(endpoint, bucket, dataDir), serveEnv(endpoint));
    try {
      const again = clientFor(second.port);
      const present = await allKeys(again, "vectors", "idx");
      for (const key of acknowledged) {
        if (!deleted.has(key) && !deleteInFlight.has(key)) assert.ok(present.has(key), `acknowledged ${key} was lost`);
      }
      for (const key of deleted) assert.ok(!present.has(key), `deleted ${key} came back`);
      // A query finds a stored vector by its own data.
      const probe = [...present].find((key) => key.startsWith("w1-"))!;
      const [, batch, i] = probe.split("-").map(Number);
      const query = await again.queryVectors({
        bucket: "vectors", indexName: "idx", queryVector: { float32: vectorOf(100_000 + batch! * 10 + i!) }, topK: 3, returnDistance: true,
      });
      assert.equal(query.vectors[0]?.key, probe);
      // The restarted server takes the index once the killed one's heartbeat is stale, then writes
      // and flushes it like the first did: every kind of object reaches the store.
      await writeOnceTakenOver(again);
      await segmentStored(endpoint, bucket);
      console.log(`# ${acknowledged.size} writes acknowledged, ${deleted.size} deleted; ${present.size} present after the restart`);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0, second.output());
    }
    assert.deepEqual(await readdir(dataDir), ["master.key"], "the data directory keeps only the master key");
    const store = new S3BlobStore(storeOptions(endpoint, bucket, "ossv/node/"));
    try {
      const kinds = new Set((await store.list("")).map((name) => name.split("/").slice(0, name.startsWith("indexes/") ? 3 : 1).join("/").replace(/^indexes\/[^/]+/, "indexes/ID")));
      for (const kind of ["catalog", "format", "indexes/ID/wal", "indexes/ID/segment", "indexes/ID/manifest"]) assert.ok(kinds.has(kind), `no ${kind} objects: ${[...kinds].join(", ")}`);
    } finally {
      store.destroy();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** Whether the newest manifest in the store names a segment. */
async function segmentCommitted(endpoint: TestS3, bucket: string): Promise<boolean> {
  const store = new S3BlobStore(storeOptions(endpoint, bucket, "ossv/node/"));
  try {
    const [index] = await store.list("indexes/");
    if (index === undefined) return false;
    const manifests = await listNumbered(store, new CollectionLayout(storageIdOf(index)!).manifestDir, MANIFEST_EXT);
    const newest = manifests.at(-1);
    const bytes = newest && (await store.get(newest.name));
    // A newer checkpoint may have pruned the one listed meanwhile: look again.
    return bytes !== undefined && decodeManifest(bytes, newest!.seq).segments.length > 0;
  } finally {
    store.destroy();
  }
}

/** The value of an unlabelled metric in the server's exposition text. */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/-/metrics`)).text();
  const line = text.split("\n").find((each) => each.startsWith(`${name} `));
  assert.ok(line, `no ${name} in the metrics`);
  return Number(line.slice(name.length + 1));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

test("with --cache-dir the segments are kept on local disk, and a restart reads them from there", { skip }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-s3-serve-"));
  const cacheDir = join(dataDir, "cache");
  const args = [...serveArgs(endpoint, bucket, dataDir), "--cache-dir", cacheDir, "--cache-size", "64MiB"];
  try {
    const first = await spawnServe(args, serveEnv(endpoint));
    const client = clientFor(first.port);
    await client.putVectorBucket({ bucket: "vectors" });
    await client.putVectorIndex({ bucket: "vectors", indexName: "idx", dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    for (let batch = 0; batch < 5; batch++) {
      const vectors = Array.from({ length: 100 }, (_, i) => ({ key: `k${batch * 100 + i}`, data: { float32: vectorOf(batch * 100 + i) } }));
      await client.putVectors({ bucket: "vectors", indexName: "idx", vectors });
    }
    // Segments are written in the background. Wait for a committed manifest that names one: a segment
    // copy alone is not enough, since the stop may cut its checkpoint short before the manifest, and
    // the restart then replays the WAL and reads no segment at all (a bounded wait).
    for (const started = Date.now(); !(await segmentCommitted(endpoint, bucket));) {
      assert.ok(Date.now() - started < 30_000, `no checkpoint committed a segment:\n${first.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok((await metric(first.port, "ossv_disk_cache_objects")) >= 1, "a committed segment was not kept in the cache");
    first.child.kill("SIGTERM");
    assert.equal(await first.exited, 0, first.output());
    const cached = await filesUnder(join(cacheDir, "objects"));
    assert.ok(cached.some((name) => name.endsWith(".seg")), `no segment copies: ${cached.join(", ")}`);

    const second = await spawnServe(args, serveEnv(endpoint));
    try {
      const again = clientFor(second.port);
      assert.equal((await allKeys(again, "vectors", "idx")).size, 500);
      const query = await again.queryVectors({ bucket: "vectors", indexName: "idx", queryVector: { float32: vectorOf(123) }, topK: 1 });
      assert.equal(query.vectors[0]?.key, "k123");
      const metrics = await (await fetch(`http://127.0.0.1:${second.port}/-/metrics`)).text();
      const told = `cached before the restart: ${cached.join(", ")}\n${metrics.split("\n").filter((line) => line.startsWith("ossv_disk_cache")).join("\n")}\n${second.output()}`;
      assert.ok((await metric(second.port, "ossv_disk_cache_hits_total")) >= 1, `the restart read nothing from the cache; ${told}`);
      assert.equal(await metric(second.port, "ossv_disk_cache_misses_total"), 0, `the restart fetched a kept object from the store; ${told}`);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0, second.output());
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("a server restarted with --takeover after a SIGKILL takes its index at once: its first write is acknowledged", { skip }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-s3-serve-"));
  // A dead bound no restart outlasts: without --takeover, the first write after the restart would be
  // sent to the killed server and answered 503.
  const env = { ...serveEnv(endpoint), OSSV_CLUSTER_TIMINGS: JSON.stringify({ deadAfterMs: 120_000 }) };
  try {
    const first = await spawnServe(serveArgs(endpoint, bucket, dataDir), env);
    const client = clientFor(first.port);
    await client.putVectorBucket({ bucket: "vectors" });
    await client.putVectorIndex({ bucket: "vectors", indexName: "idx", dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    await client.putVectors({ bucket: "vectors", indexName: "idx", vectors: [{ key: "before", data: { float32: vectorOf(1) }, metadata: {} }] });
    first.child.kill("SIGKILL");
    await first.exited;
    const second = await spawnServe([...serveArgs(endpoint, bucket, dataDir), "--takeover"], env);
    try {
      const again = clientFor(second.port);
      const after = [{ key: "after", data: { float32: vectorOf(2) }, metadata: {} }];
      await again.putVectors({ bucket: "vectors", indexName: "idx", vectors: after }).catch((error: unknown) => {
        throw new Error(`the first write after the restart failed: ${String(error)}\n${second.output()}`);
      });
      assert.deepEqual([...await allKeys(again, "vectors", "idx")].sort(), ["after", "before"]);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0, second.output());
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

/** Runs `ossv serve` to its exit, for starts that must fail; resolves with the exit code and output. */
function serveToExit(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [...OSSV_CLI, "serve", "--port", "0", "--host", "127.0.0.1", ...args], {
    env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

test("a start on a missing bucket, or without credentials, stops with a message saying so", { skip }, async () => {
  const endpoint = await s3();
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-s3-serve-"));
  try {
    const missing = await serveToExit(serveArgs(endpoint, "ossv-no-such-bucket", dataDir), serveEnv(endpoint));
    assert.equal(missing.code, 1, missing.output);
    assert.match(missing.output, /cannot start: cannot write to s3:\/\/ossv-no-such-bucket\/ossv\/node\/ at http:\/\/127\.0\.0\.1:\d+: NoSuchBucket/);
    const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, ...withoutKeys } = serveEnv(endpoint);
    const noKeys = await serveToExit(serveArgs(endpoint, "any-bucket", dataDir), { ...withoutKeys, AWS_ACCESS_KEY_ID: "", AWS_SECRET_ACCESS_KEY: "" });
    assert.equal(noKeys.code, 2, noKeys.output);
    assert.match(noKeys.output, /--store needs the object store's credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
