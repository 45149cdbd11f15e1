// Asking for compaction over the admin API: the index keeps exactly its live vectors, and deleted
// ones stay gone through compaction and a restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { AdminClient } from "../../packages/cli/src/admin-client.ts";
import { startTestServer } from "./raw-client.ts";

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
    const described = await admin.describeIndex("compact", "idx") as { count: number; segments: Array<{ rows: number; live: number }> };
    for (const segment of described.segments) assert.equal(segment.rows, segment.live, "compaction drops deleted rows");
    const query = await post("queryVectors", { indexName: "idx", queryVector: { float32: [1, 0, 0, 1] }, topK: 100 });
    const returned: string[] = query.json().vectors.map((v: { key: string }) => v.key);
    assert.equal(returned.length, 100);
    assert.ok(returned.every((key) => !doomed.includes(key)), "a deleted key came back");
    await assert.rejects(admin.compactIndex("compact", "missing"), /NoSuchVectorIndex/);
  } finally {
    await t.stop();
  }
});
