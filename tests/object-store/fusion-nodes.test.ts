// Fusion's full-text hits on two `ossv serve` nodes over one bucket prefix of a real store (Ceph's
// gateway). Each node derives its text indexes from the rows it holds, through the collection's change
// feed, so a document written or deleted through one node is found (or no longer found) by its words
// on the other, across the other node's checkpoint reloads: a node's text hits never stay behind what
// it lists. Before the feed, a node indexed only the writes it handled itself.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { test } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { fq, fusionField, fusionSchema, fusionText } from "@ossv/sdk";
import { startStoreNode, type StoreNode } from "./store-node.ts";
import { newBucket, useTestS3, type TestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
// Small enough that writes make the writer checkpoint, so the other node reloads the index.
const POLICY = JSON.stringify({ maxWalObjects: 4, segmentRows: 20, idleFlushMs: 100, idleFlushRows: 1, idleMergeMs: 500 });
const MASTER_KEY = randomBytes(32).toString("base64");
const AT = { bucket: "docs", indexName: "articles" };
type Node = StoreNode;

// The SDK's retries on: a write that meets the index between writers (503 for a moment while the
// first node takes it) is sent again, as an application's would be.
const startNode = (endpoint: TestS3, bucket: string) => startStoreNode(endpoint, { bucket, prefix: "ossv", policy: POLICY, masterKey: MASTER_KEY, retry: true });

/** The keys a node's text search for `word` finds. */
async function found(node: Node, word: string): Promise<string[]> {
  const answer = await node.client.queryVectorsFusion({ ...AT, query: fq.text("title", word), limit: 100 });
  return answer.vectors.map((hit) => hit.key).sort();
}

/** Retries `attempt` until it stops throwing; a change through one node reaches another within a bound. */
async function eventually(what: string, attempt: () => Promise<void>): Promise<void> {
  const started = performance.now();
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (performance.now() - started > 15_000) throw new Error(`${what}: not within 15 s`, { cause: error });
      await pause(100);
    }
  }
}

const documentOf = (key: string, title: string, x: number) => ({ key, data: { embedding: [x, 1 - x] }, metadata: { title } });

test("a document written or deleted through one node is found, or not, by its words on the other", { skip, timeout: 120_000 }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const nodes = [await startNode(endpoint, bucket), await startNode(endpoint, bucket)];
  const [one, other] = nodes as [Node, Node];
  try {
    await one.client.putVectorBucket({ bucket: AT.bucket });
    await one.client.putVectorIndexFusion({
      ...AT, schemaConfiguration: fusionSchema(fusionField.vector("embedding", 2, "euclidean"), fusionField.string("title", { text: fusionText.standard() })),
    });
    await eventually("the index reaches the other node", async () => void (await other.client.getVectorIndex(AT)));
    // The other node builds its text index now, before the writes below reach it.
    assert.deepEqual(await found(other, "harbour"), []);
    await one.client.putVectors({ ...AT, vectors: [documentOf("d1", "harbour lights", 0.1), documentOf("d2", "mountain road", 0.2)] });
    await eventually("d1 is found on the other node", async () => assert.deepEqual(await found(other, "harbour"), ["d1"]));
    // Enough writes through both nodes for checkpoints, so that each node also reloads the index.
    for (let round = 0; round < 6; round++) {
      const through = round % 2 === 0 ? one : other;
      const vectors = Array.from({ length: 10 }, (_, i) => documentOf(`r${round}-${i}`, `filler ${round} lantern`, i / 10));
      await through.client.putVectors({ ...AT, vectors });
    }
    await other.client.putVectors({ ...AT, vectors: [documentOf("d1", "quiet meadow", 0.3)] });
    await other.client.deleteVectors({ ...AT, keys: ["d2"] });
    // The node a write went through answers at once; the other within the bound.
    assert.deepEqual(await found(other, "meadow"), ["d1"]);
    for (const node of nodes) {
      await eventually("every node agrees", async () => {
        assert.deepEqual(await found(node, "harbour"), [], "the replaced title is gone");
        assert.deepEqual(await found(node, "meadow"), ["d1"]);
        assert.deepEqual(await found(node, "mountain"), [], "the deleted document is gone");
        assert.equal((await found(node, "lantern")).length, 60);
      });
    }
  } finally {
    for (const node of nodes) {
      node.serve.child.kill("SIGTERM");
      await node.serve.exited;
      await rm(node.dataDir, { recursive: true, force: true });
    }
  }
});
