// Three `ossv serve` nodes on one bucket prefix of a real store (Ceph's gateway), with the cluster's
// default timings (docs/scale-out.md). Writes go through all three nodes at once; the index's writer
// is SIGKILLed again and again and a fresh node started in its place. Afterwards, a ledger check on
// every node: every acknowledged write is there, no acknowledged delete is undone, and every node
// converges. Along the way it measures how soon a write made through one node is seen by another,
// and how long each takeover took. The visibility times are printed against the documented bound,
// not asserted: they are measurements, which a machine shared with other work can push past 1 s
// (seen twice at a load average of 12-14 on two cores); a write that never becomes visible, or a
// node that never converges, fails the test.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { VectorsClient } from "@ossv/sdk";
import { S3BlobStore } from "@ossv/engine/s3";
import { startStoreNode, type StoreNode } from "./store-node.ts";
import { newBucket, storeOptions, useTestS3, type TestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const DIMENSION = 8;
const PREFIX = "ossv/cluster";
const KILLS = 3;
/** docs/scale-out.md: a write is seen by every other node within this (printed, not asserted). */
const VISIBILITY_BOUND_MS = 1000;
/** docs/scale-out.md: a dead writer is replaced within this. */
const TAKEOVER_BOUND_MS = 10_000;
// Small enough that the load makes the writers checkpoint, flush and prune, so readers reload.
const POLICY = JSON.stringify({ maxWalObjects: 8, segmentRows: 200, idleFlushMs: 200, idleFlushRows: 1, idleMergeMs: 1000 });
const MASTER_KEY = randomBytes(32).toString("base64");
const vectorOf = (n: number) => Array.from({ length: DIMENSION }, (_, i) => Math.sin(n * 7 + i));
const INDEX = { bucket: "vectors", indexName: "idx" };

type Node = StoreNode;

// No retries: a write that fails while the writer is down is the test's to count, not the SDK's to hide.
const startNode = (endpoint: TestS3, bucket: string) => startStoreNode(endpoint, { bucket, prefix: PREFIX, policy: POLICY, masterKey: MASTER_KEY, retry: false });

async function allKeys(client: VectorsClient): Promise<Set<string>> {
  const keys = new Set<string>();
  let nextToken: string | undefined;
  do {
    const page = await client.listVectors({ ...INDEX, maxResults: 500, ...(nextToken && { nextToken }) });
    for (const vector of page.vectors) keys.add(vector.key);
    nextToken = page.nextToken;
  } while (nextToken);
  return keys;
}

/** The URL the newest lease of the only index names: its writer. */
async function writerUrl(store: S3BlobStore): Promise<string | undefined> {
  const leases = (await store.list("indexes/")).filter((name) => name.includes("/lease/")).sort();
  const newest = leases.at(-1);
  if (newest === undefined) return undefined;
  const bytes = await store.get(newest);
  return bytes ? (JSON.parse(Buffer.from(bytes).toString().split("\n")[0]!) as { url: string }).url : undefined;
}

/** Polls `check` until it holds, returning how long that took; fails after `limitMs`. */
async function until(what: string, limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  while (!(await check())) {
    if (performance.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await pause(10);
  }
  return performance.now() - started;
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

test(`three nodes on one store: writes through all, the writer SIGKILLed ${KILLS} times, every node converges`, { skip, timeout: 300_000 }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const store = new S3BlobStore(storeOptions(endpoint, bucket, `${PREFIX}/`));
  const nodes: Node[] = [];
  try {
    for (let i = 0; i < 3; i++) nodes.push(await startNode(endpoint, bucket));
    await nodes[0]!.client.putVectorBucket({ bucket: INDEX.bucket });
    await nodes[0]!.client.putVectorIndex({ ...INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    // The catalog reaches the other nodes by their next look at it.
    for (const node of nodes) await until("the index reaches every node", 5000, () => node.client.getVectorIndex(INDEX).then(() => true, () => false));

    // Visibility: a write through one node, read through another.
    const seen: number[] = [];
    for (let n = 0; n < 30; n++) {
      const [from, to] = [nodes[n % 3]!, nodes[(n + 1) % 3]!];
      const key = `probe-${n}`;
      await from.client.putVectors({ ...INDEX, vectors: [{ key, data: { float32: vectorOf(n) }, metadata: {} }] });
      seen.push(await until(`probe ${n} visible`, 5000, async () => (await to.client.getVectors({ ...INDEX, keys: [key] })).vectors.length === 1));
    }
    console.log(`# a write through one node seen through another after: median ${percentile(seen, 0.5).toFixed(0)} ms, `
      + `p90 ${percentile(seen, 0.9).toFixed(0)} ms, max ${Math.max(...seen).toFixed(0)} ms (${seen.length} probes)`);
    if (Math.max(...seen) >= VISIBILITY_BOUND_MS) console.log(`# above the documented ${VISIBILITY_BOUND_MS} ms bound on this run`);

    const acknowledged = new Set<string>(seen.map((_, n) => `probe-${n}`));
    const deleted = new Set<string>();
    const deleteTried = new Set<string>();
    let stop = false;
    let failures = 0;
    let lastAck = 0;
    // Three writers, each sending every request to the next node in turn.
    const writer = async (id: number) => {
      for (let batch = 0; !stop; batch++) {
        const node = nodes[(id + batch) % nodes.length]!;
        const keys = Array.from({ length: 5 }, (_, i) => `w${id}-${batch}-${i}`);
        const vectors = keys.map((key, i) => ({ key, data: { float32: vectorOf(id * 100_000 + batch * 10 + i) }, metadata: { id } }));
        if (await node.client.putVectors({ ...INDEX, vectors }).then(() => true, () => false)) {
          keys.forEach((key) => acknowledged.add(key));
          lastAck = performance.now();
        } else {
          failures++;
          await pause(50);
          continue;
        }
        if (batch % 3 !== 0) continue;
        const doomed = keys.slice(0, 2);
        doomed.forEach((key) => deleteTried.add(key));
        const other = nodes[(id + batch + 1) % nodes.length]!;
        if (await other.client.deleteVectors({ ...INDEX, keys: doomed }).then(() => true, () => false)) {
          doomed.forEach((key) => deleted.add(key));
          lastAck = performance.now();
        } else failures++;
      }
    };
    const load = Promise.all([0, 1, 2].map(writer));
    const takeovers: number[] = [];
    try {
      for (let kill = 0; kill < KILLS; kill++) {
        const before = acknowledged.size;
        await until("writes are acknowledged", 20_000, async () => acknowledged.size >= before + 100);
        const url = await writerUrl(store);
        const victim = nodes.findIndex((node) => url === `http://127.0.0.1:${node.serve.port}`);
        assert.ok(victim >= 0, `the writer ${url} is none of the nodes`);
        const killedAt = performance.now();
        nodes[victim]!.serve.child.kill("SIGKILL");
        await nodes[victim]!.serve.exited;
        const count = acknowledged.size;
        // A fresh node joins meanwhile; the writers keep sending to the dead one until it is there.
        const replacement = startNode(endpoint, bucket);
        // Taken over once writes are acknowledged again (through any node): more than the three
        // writers' batches (5 keys each) that may have been under way at the kill and answered after it.
        await until("a new writer takes over", TAKEOVER_BOUND_MS + 5000, async () => acknowledged.size > count + 15);
        takeovers.push(performance.now() - killedAt);
        nodes.splice(victim, 1, await replacement);
      }
    } finally {
      stop = true;
      await load;
    }
    console.log(`# ${acknowledged.size} puts acknowledged, ${deleted.size} deletes; ${failures} requests failed (during takeovers); `
      + `takeovers took ${takeovers.map((ms) => (ms / 1000).toFixed(1)).join(", ")} s from the kill to writes acknowledged again`);
    for (const ms of takeovers) assert.ok(ms < TAKEOVER_BOUND_MS, `a takeover took ${ms.toFixed(0)} ms`);

    // Ledger, on every node, after the last acknowledgement.
    for (const [i, node] of nodes.entries()) {
      let present = new Set<string>();
      const converged = await until(`node ${i} converges`, 10_000, async () => {
        present = await allKeys(node.client);
        return [...acknowledged].every((key) => deleteTried.has(key) || present.has(key)) && [...deleted].every((key) => !present.has(key));
      });
      for (const key of acknowledged) if (!deleteTried.has(key)) assert.ok(present.has(key), `node ${i}: acknowledged ${key} was lost`);
      for (const key of deleted) assert.ok(!present.has(key), `node ${i}: deleted ${key} came back`);
      const sinceLastAck = performance.now() - lastAck;
      console.log(`# node ${i}: ${present.size} keys, converged ${converged.toFixed(0)} ms into the check, ${sinceLastAck.toFixed(0)} ms after the last acknowledgement`
        + (converged >= VISIBILITY_BOUND_MS ? ` (above the documented ${VISIBILITY_BOUND_MS} ms bound)` : ""));
    }
  } finally {
    for (const node of nodes) {
      node.serve.child.kill("SIGTERM");
      await node.serve.exited;
      await rm(node.dataDir, { recursive: true, force: true });
    }
    store.destroy();
  }
});
