// The admin API's index commands: compaction on request keeps exactly the live vectors, deleted ones
// stay gone; describe shows background work, including a failure and its recovery.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BackgroundFailureEvent } from "@ossv/engine";
import { AdminClient } from "@ossv/sdk";
import { startTestServer } from "./raw-client.ts";
import { needsDataDir } from "./test-store.ts";

test("index compact merges segments, keeps the live vectors and never brings back deleted ones", async () => {
  const t = await startTestServer();
  try {
    const admin = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: t.credentials });
    const post = (op: string, body: unknown) => t.send({ method: "POST", bucket: "compact", query: op, body: JSON.stringify(body) });
    await t.send({ method: "PUT", bucket: "compact" });
    await post("putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 4, distanceMetric: "cosine" });
    const keys = Array.from({ length: 600 }, (_, i) => `k${i}`);
    for (let i = 0; i < keys.length; i += 300) {
      const vectors = keys.slice(i, i + 300).map((key, j) => ({ key, data: { float32: [1, (i + j) % 7, (i + j) % 5, 1] } }));
      assert.equal((await post("putVectors", { indexName: "idx", vectors })).status, 200);
    }
    const doomed = keys.filter((_, i) => i % 2 === 0);
    for (let i = 0; i < doomed.length; i += 300) {
      assert.equal((await post("deleteVectors", { indexName: "idx", keys: doomed.slice(i, i + 300) })).status, 204);
    }
    const compacted = await admin.compactIndex("compact", "idx") as { count: number };
    assert.equal(compacted.count, 300);
    const described = await admin.describeIndex("compact", "idx");
    for (const segment of described.segments) assert.equal(segment.rows, segment.live, "compaction drops deleted rows");
    // What the index holds in memory, by part: at least the 300 live 4-d float32 rows, and their sum.
    const memory = described.memory!;
    assert.ok(memory.vectors >= 300 * 4 * 4, JSON.stringify(memory));
    assert.equal(memory.total, memory.vectors + memory.graphs + memory.metadata + memory.filterCache);
    const query = await post("queryVectors", { indexName: "idx", queryVector: { float32: [1, 0, 0, 1] }, topK: 100 });
    const returned: string[] = query.json().vectors.map((v: { key: string }) => v.key);
    assert.equal(returned.length, 100);
    assert.ok(returned.every((key) => !doomed.includes(key)), "a deleted key came back");
    await assert.rejects(admin.compactIndex("compact", "missing"), { name: "ServiceError", code: "NoSuchVectorIndex" });
  } finally {
    await t.stop();
  }
});

test("index describe shows a failing background flush, and that it healed once the fault was gone", { skip: needsDataDir }, async () => {
  const failures: BackgroundFailureEvent[] = [];
  const t = await startTestServer({ onBackgroundFailure: (event) => failures.push(event) });
  try {
    const admin = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: t.credentials });
    const post = (op: string, body: unknown) => t.send({ method: "POST", bucket: "faulty", query: op, body: JSON.stringify(body) });
    await t.send({ method: "PUT", bucket: "faulty" });
    await post("putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 4, distanceMetric: "euclidean" });
    type Described = { memtableRows: number; lastBackgroundFailure: { task: string; error: string; attempts: number; resolved: boolean } | null };
    const describe = async () => await admin.describeIndex("faulty", "idx") as Described;
    assert.equal((await describe()).lastBackgroundFailure, null);
    // A real fault: the directory segments go to is a plain file, so writing one fails (ENOTDIR).
    const index = t.server.engine.catalog.getIndex(t.server.accountId, "faulty", "idx");
    const segmentDir = join(t.dataDir, "indexes", index!.id, "segment");
    await mkdir(join(segmentDir, ".."), { recursive: true });
    await writeFile(segmentDir, "");
    const vectors = Array.from({ length: 1100 }, (_, i) => ({ key: `k${i}`, data: { float32: [i, 1, 2, 3] } }));
    for (let i = 0; i < vectors.length; i += 500) {
      assert.equal((await post("putVectors", { indexName: "idx", vectors: vectors.slice(i, i + 500) })).status, 200);
    }
    // Past idleFlushRows, so the quiet-period flush starts after a second, and fails.
    const failing = await waitFor(describe, (d) => d.lastBackgroundFailure !== null);
    assert.equal(failing.lastBackgroundFailure?.task, "flush");
    assert.equal(failing.lastBackgroundFailure?.resolved, false);
    assert.match(failing.lastBackgroundFailure?.error ?? "", /ENOTDIR|EEXIST/);
    assert.equal(failures[0]?.indexName, "idx", "the failure was reported to the server's log");
    await rm(segmentDir);
    const healed = await waitFor(describe, (d) => d.lastBackgroundFailure?.resolved === true);
    assert.equal(healed.memtableRows, 0);
    assert.ok((healed.lastBackgroundFailure?.attempts ?? 0) >= 1);
  } finally {
    await t.stop();
  }
});

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
