// `ossv serve --graphs-on-disk`: an index whose segments' graphs are mapped from their files, through
// the real command and @ossv/sdk. The answers are the ones the same index gives with its graphs in
// memory, acknowledged deletes hold across a SIGKILL, and a restart reopens the segments mapped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient, VectorsClient } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";
import { needsDataDir } from "./test-store.ts";

const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
// Quick flushes; no merge while the test reads the segments' placement.
const POLICY = JSON.stringify({ idleFlushMs: 50, idleFlushRows: 1, idleMergeMs: 0 });
const DIMENSION = 8;
// Segments below 4,096 rows keep their graphs in memory whatever the setting.
const ROWS = 5000;
const target = { bucket: "mapped", indexName: "idx" };

const endpoint = (server: ServeProcess) => `http://127.0.0.1:${server.port}`;
const vectors = (server: ServeProcess) => new VectorsClient({
  region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: endpoint(server), credentials, retry: false,
});
const admin = (server: ServeProcess) => new AdminClient({ endpoint: endpoint(server), region: "cn-hangzhou", credentials });
const vectorOf = (n: number) => Array.from({ length: DIMENSION }, (_, i) => Math.sin(n * 7 + i * 3));

async function serve(dataDir: string, mode: string): Promise<ServeProcess> {
  return spawnServe(["--data-dir", dataDir, "--quiet", "--graphs-on-disk", mode], { ...TEST_ACCOUNT, OSSV_CHECKPOINT_POLICY: POLICY });
}

/** Each segment's graphOnDisk once every segment has its graph and the memtable is empty. */
async function settledPlacement(server: ServeProcess): Promise<boolean[]> {
  for (let tries = 0; ; tries++) {
    const described = await admin(server).describeIndex(target.bucket, target.indexName);
    if (described.memtableRows === 0 && described.segments.length > 0 && described.segments.every((segment) => segment.graph)) {
      return described.segments.map((segment) => segment.graphOnDisk);
    }
    assert.ok(tries < 600, `the index did not settle: ${JSON.stringify(described)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function answers(server: ServeProcess): Promise<string[][]> {
  const client = vectors(server);
  const out: string[][] = [];
  for (let q = 0; q < 20; q++) {
    const answer = await client.queryVectors({ ...target, queryVector: { float32: vectorOf(100_000 + q) }, topK: 10, returnDistance: true });
    out.push(answer.vectors.map((vector) => `${vector.key}@${vector.distance}`));
  }
  return out;
}

test("mapped graphs answer as graphs in memory do, and keep acknowledged deletes through a SIGKILL", { skip: needsDataDir }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-mapped-"));
  let server = await serve(dataDir, "always");
  try {
    const client = vectors(server);
    await client.putVectorBucket({ bucket: target.bucket });
    await client.putVectorIndex({ ...target, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    for (let start = 0; start < ROWS; start += 500) {
      const keys = Array.from({ length: 500 }, (_, i) => start + i);
      await client.putVectors({ ...target, vectors: keys.map((n) => ({ key: `k${n}`, data: { float32: vectorOf(n) }, metadata: { n } })) });
    }
    assert.deepEqual(await settledPlacement(server), [true], "the one segment's graph is mapped");
    const deleted = Array.from({ length: 40 }, (_, i) => `k${i * 97}`);
    await client.deleteVectors({ ...target, keys: deleted });
    const before = await answers(server);
    for (const hits of before) for (const deletedKey of deleted) assert.ok(!hits.some((hit) => hit.startsWith(`${deletedKey}@`)), deletedKey);
    server.child.kill("SIGKILL");
    await server.exited;

    server = await serve(dataDir, "always");
    assert.deepEqual(await settledPlacement(server), [true], "reopened mapped");
    assert.deepEqual(await answers(server), before, "the same answers after the crash");
    const listed = await vectors(server).listVectors({ ...target, maxResults: 1000 });
    assert.equal(listed.vectors.some((vector) => deleted.includes(vector.key)), false, "no deleted key is listed");
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);

    server = await serve(dataDir, "never");
    assert.deepEqual(await settledPlacement(server), [false], "never: the graph is loaded");
    assert.deepEqual(await answers(server), before, "the mapped graph is the loaded graph: the same answers");
  } finally {
    server.child.kill("SIGTERM");
    await server.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});
