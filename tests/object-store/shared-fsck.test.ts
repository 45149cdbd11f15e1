// `ossv admin fsck --store` on a real store (Ceph's gateway) that `ossv serve --store` nodes use
// (docs/scale-out.md#offline-tools-on-a-shared-store): a check while a node writes, checkpoints and
// prunes is clean and sends no write; a master key that does not open the sealed secrets is
// reported; real damage (a WAL object cut short) is reported the same with a node serving; --repair is refused while a node is alive and changes nothing, and runs once
// the node is gone (killed: once its heartbeat is stale), after which a new node serves every
// vector but the lost one.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { promisify } from "node:util";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { fsckSharedStore, type FsckReport } from "@ossv/engine";
import { S3BlobStore } from "@ossv/engine/s3";
import { OSSV_CLI } from "../e2e/serve-process.ts";
import { startStoreNode, type StoreNode } from "./store-node.ts";
import { newBucket, storeOptions, testS3Client, useTestS3, type TestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const run = promisify(execFile);
const DIMENSION = 4;
const PREFIX = "ossv/fsck";
const MASTER_KEY = randomBytes(32).toString("base64");
const INDEX = { bucket: "vectors", indexName: "idx" };
// Small, so that the writer checkpoints, flushes segments, merges and prunes while fsck reads.
const BUSY_POLICY = JSON.stringify({ maxWalObjects: 4, segmentRows: 40, idleFlushMs: 100, idleFlushRows: 1, idleMergeMs: 300 });
// No checkpoint: every acknowledged put stays in its own WAL object.
const QUIET_POLICY = JSON.stringify({ maxWalObjects: 100_000, segmentRows: 100_000, idleFlushMs: 3_600_000, idleFlushRows: 100_000 });
const vectorOf = (n: number) => ({ float32: Array.from({ length: DIMENSION }, (_, i) => Math.cos(n + i)) });

interface CliResult {
  status: number;
  report: FsckReport | undefined;
  stderr: string;
}

/** `ossv admin fsck --store ...` as a process, as an operator runs it. */
async function fsckCli(endpoint: TestS3, bucket: string, extra: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const args = [...OSSV_CLI, "admin", "fsck", "--store", `s3://${bucket}/${PREFIX}`, "--s3-endpoint", endpoint.endpoint, "--s3-path-style", ...extra];
  const childEnv = {
    ...process.env, AWS_ACCESS_KEY_ID: endpoint.accessKeyId, AWS_SECRET_ACCESS_KEY: endpoint.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", OSSV_MASTER_KEY: MASTER_KEY, ...env,
  };
  try {
    const { stdout, stderr } = await run(process.execPath, args, { env: childEnv, timeout: 120_000 });
    return { status: 0, report: JSON.parse(stdout) as FsckReport, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { status: failed.code ?? -1, report: failed.stdout ? (JSON.parse(failed.stdout) as FsckReport) : undefined, stderr: failed.stderr ?? "" };
  }
}

const startNode = (endpoint: TestS3, bucket: string, policy: string) =>
  startStoreNode(endpoint, { bucket, prefix: PREFIX, policy, masterKey: MASTER_KEY, retry: true });

async function stopNode(node: StoreNode, signal: "SIGTERM" | "SIGKILL"): Promise<void> {
  node.serve.child.kill(signal);
  await node.serve.exited;
  await rm(node.dataDir, { recursive: true, force: true });
}

async function createIndex(node: StoreNode): Promise<void> {
  await node.client.putVectorBucket({ bucket: INDEX.bucket });
  await node.client.putVectorIndex({ ...INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
}

/** Puts `key` through `node`, again while the node answers 503 (it has not taken the index yet), for up to 30 s. */
async function writeOnceTaken(node: StoreNode, key: string): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      await node.client.putVectors({ ...INDEX, vectors: [{ key, data: vectorOf(key.charCodeAt(0)), metadata: {} }] });
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== "ServiceUnavailable" || performance.now() - started > 30_000) throw error;
      await pause(100);
    }
  }
}

/** Every object of the store with its bytes but the live nodes' heartbeats, to show that something changed nothing. */
async function contents(store: S3BlobStore): Promise<Map<string, string>> {
  const all = new Map<string, string>();
  for (const name of await store.list("")) {
    if (!name.startsWith("nodes/")) all.set(name, Buffer.from((await store.get(name)) ?? new Uint8Array()).toString("base64"));
  }
  return all;
}

const manifestsOf = async (store: S3BlobStore) => (await store.list("indexes/")).filter((name) => name.includes("/manifest/"));
const newestNumber = (names: string[]) => Math.max(0, ...names.map((name) => Number(/(\d{20})\.json$/.exec(name)?.[1] ?? 0)));

test("fsck --store while a node writes, checkpoints and prunes: clean every time, and not one write sent", { skip, timeout: 300_000 }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const store = new S3BlobStore(storeOptions(endpoint, bucket, `${PREFIX}/`));
  const node = await startNode(endpoint, bucket, BUSY_POLICY);
  let writing = true;
  let written = 0;
  try {
    await createIndex(node);
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        // Overwrites and deletes too, so segments get deletion bitmaps and merges have work.
        await node.client.putVectors({ ...INDEX, vectors: [{ key: `k${n % 150}`, data: vectorOf(n), metadata: { n } }] });
        if (n % 7 === 3) await node.client.deleteVectors({ ...INDEX, keys: [`k${(n * 13) % 150}`] });
        written++;
      }
    })();
    // Checks until the writer has committed at least 4 checkpoints while one ran (or 25 checks).
    let movedUnderChecks = 0;
    let checks = 0;
    const started = newestNumber(await manifestsOf(store));
    while (movedUnderChecks < 4 && checks < 25) {
      const before = newestNumber(await manifestsOf(store));
      const { report } = await fsckSharedStore(store, { location: store.location, deadAfterMs: 5000 });
      const after = newestNumber(await manifestsOf(store));
      movedUnderChecks += after - before;
      checks++;
      assert.deepEqual(report.problems, [], `check ${checks} (manifests ${before} -> ${after}) found problems on a healthy store`);
      assert.equal(report.clean, true);
      assert.equal(report.mode, "check");
      assert.ok(report.objectsChecked > 0);
    }
    const cli = await fsckCli(endpoint, bucket, []);
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(cli.report?.problems, []);
    assert.match(cli.report?.store ?? "", new RegExp(`^s3://${bucket}/${PREFIX}`));
    writing = false;
    await writer;
    const counts = store.requestCounts();
    console.log(`# ${checks} checks while ${written} writes went on; checkpoints ${started} -> ${newestNumber(await manifestsOf(store))}, `
      + `${movedUnderChecks} committed during a check; the checks' requests: ${JSON.stringify(counts)}`);
    assert.ok(movedUnderChecks >= 1, "the writer never checkpointed during a check: the test did not test what it says");
    assert.equal(counts["put"] ?? 0, 0, "a check sent a PUT");
    assert.equal((counts["delete"] ?? 0) + (counts["delete_batch"] ?? 0), 0, "a check sent a DELETE");
  } finally {
    writing = false;
    await stopNode(node, "SIGTERM");
    store.destroy();
  }
});

test("fsck --store: a WAL object cut short is reported with a node serving; --repair is refused while it lives, runs once it is dead", { skip, timeout: 300_000 }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const store = new S3BlobStore(storeOptions(endpoint, bucket, `${PREFIX}/`));
  const client = testS3Client(endpoint);
  let node: StoreNode | undefined = await startNode(endpoint, bucket, QUIET_POLICY);
  try {
    await createIndex(node);
    for (const key of ["a", "b", "c", "d"]) await node.client.putVectors({ ...INDEX, vectors: [{ key, data: vectorOf(key.charCodeAt(0)), metadata: {} }] });
    const clean = await fsckCli(endpoint, bucket, []);
    assert.equal(clean.status, 0, clean.stderr);
    // The master key: checked from OSSV_MASTER_KEY (or the node's --data-dir); never made up.
    const otherKey = await fsckCli(endpoint, bucket, [], { OSSV_MASTER_KEY: randomBytes(32).toString("base64") });
    assert.equal(otherKey.status, 1);
    assert.deepEqual(otherKey.report?.problems.map((found) => [found.object, found.repairable]), [["OSSV_MASTER_KEY", false]]);
    const noKey = await fsckCli(endpoint, bucket, [], { OSSV_MASTER_KEY: "" });
    assert.equal(noKey.status, 0, noKey.stderr);
    assert.match(noKey.report?.operatorActions.join("\n") ?? "", /the master key was not checked/);

    // The WAL object holding "c": cut short behind the store's back, as a bad disk or a bad copy would.
    const wal = (await store.list("indexes/")).filter((name) => name.includes("/wal/")).sort();
    let victim: string | undefined;
    for (const name of wal) {
      const bytes = Buffer.from((await store.get(name))!);
      if (bytes.includes(Buffer.from("c")) && !bytes.includes(Buffer.from("fence"))) victim = name;
    }
    assert.ok(victim, `no WAL object holds "c" among ${wal.join(", ")}`);
    const whole = (await store.get(victim))!;
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: `${PREFIX}/${victim}`, Body: whole.subarray(0, whole.length - 3) }));

    const damaged = await fsckCli(endpoint, bucket, []);
    assert.equal(damaged.status, 1, damaged.stderr);
    assert.equal(damaged.report?.problems.length, 1, JSON.stringify(damaged.report?.problems));
    const problem = damaged.report.problems[0]!;
    assert.equal(problem.object, victim);
    assert.equal(problem.severity, "damage");
    assert.equal(problem.index, `${INDEX.bucket}/${INDEX.indexName}`);
    // "c" is unknown, and "d" after it must go too.
    assert.deepEqual(problem.lost, { unknownWalObjects: 1, putKeys: 1, deleteKeys: 0 });
    assert.match(damaged.report.operatorActions[0] ?? "", /stop every `ossv serve`/);

    const before = await contents(store);
    const refused = await fsckCli(endpoint, bucket, ["--repair"], { OSSV_CLUSTER_TIMINGS: JSON.stringify({ deadAfterMs: 2500 }) });
    assert.equal(refused.status, 1);
    assert.equal(refused.report, undefined);
    assert.match(refused.stderr, /--repair refused: 1 node\(s\) serve from this store/);
    assert.deepEqual(await contents(store), before, "a refused repair changed the store");

    // Killed, its heartbeat stays; repair waits the dead bound, sees it unchanged, and goes ahead.
    await stopNode(node, "SIGKILL");
    node = undefined;
    const repaired = await fsckCli(endpoint, bucket, ["--repair"], { OSSV_CLUSTER_TIMINGS: JSON.stringify({ deadAfterMs: 2500 }) });
    assert.equal(repaired.status, 0, repaired.stderr);
    assert.equal(repaired.report?.repaired, true);
    assert.deepEqual(repaired.report?.moved?.sort(), wal.filter((name) => name >= victim).sort());
    for (const name of repaired.report.moved) {
      assert.equal(await store.get(name), undefined, `${name} is still in place`);
      assert.ok(await store.get(`${repaired.report.quarantine}/${name}`), `${name} is not in the quarantine`);
    }
    const after = await fsckCli(endpoint, bucket, []);
    assert.equal(after.status, 0, JSON.stringify(after.report?.problems));

    node = await startNode(endpoint, bucket, QUIET_POLICY);
    const listed = await node.client.listVectors({ ...INDEX, maxResults: 100 });
    assert.deepEqual(listed.vectors.map((vector) => vector.key).sort(), ["a", "b"]);
    // The store takes writes again, at the numbers the quarantined objects had: once the new node
    // takes the index, when the killed writer's heartbeat is stale to it (about 5 s: 503 until then).
    await writeOnceTaken(node, "e");
    const again = await node.client.listVectors({ ...INDEX, maxResults: 100 });
    assert.deepEqual(again.vectors.map((vector) => vector.key).sort(), ["a", "b", "e"]);
  } finally {
    if (node) await stopNode(node, "SIGTERM");
    store.destroy();
    client.destroy();
  }
});
