// The full-text index of a Fusion index across a restart, while writes go on: through @ossv/sdk
// against a real server, 20,000 documents, then a restart (the postings read back from the segments,
// the rest indexed again as the WAL is replayed) followed at once by overwrites and deletes, in
// segments and in the memtable. Each word must then find exactly the documents that hold it now.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "@ossv/server";
import { AdminClient, VectorsClient, fq, fusionField, fusionSchema, fusionText } from "@ossv/sdk";

const bucket = "fusion-text-build";
const at = { bucket, indexName: "docs" };
const DOCS = 20_000;

let dataDir: string;
let server: RunningServer;
let client: VectorsClient;

async function start(): Promise<void> {
  server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou" });
  client = new VectorsClient({ region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials, retry: false });
}

const titleOf = (i: number) => `w${i % 500} tag${i}`;
const document = (i: number, title: string) => ({ key: `doc-${i}`, data: { v: [i % 7, 1] }, metadata: { title } });

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "ossv-fusion-text-"));
  await start();
  await client.putVectorBucket({ bucket });
  await client.putVectorIndexFusion({
    ...at, schemaConfiguration: fusionSchema(fusionField.vector("v", 2, "euclidean"), fusionField.string("title", { text: fusionText.standard() })),
  });
  for (let first = 0; first < DOCS; first += 500) {
    await client.putVectors({ ...at, vectors: Array.from({ length: 500 }, (_, j) => document(first + j, titleOf(first + j))) });
  }
});

after(async () => {
  await server.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function keysOf(word: string): Promise<string[]> {
  const keys: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.queryVectorsFusion({ ...at, query: fq.text("title", word), limit: 100, ...(nextToken && { nextToken }) });
    keys.push(...page.vectors.map((hit) => hit.key));
    nextToken = page.nextToken;
  } while (nextToken);
  return keys.sort();
}

test("writes right after a restart leave no stale hit and lose none, in segments and in the memtable", async () => {
  // Most documents in one segment, whose postings the restart reads back; the last 500 in the memtable.
  const admin = new AdminClient({ endpoint: server.url, region: "cn-hangzhou", credentials: server.rootCredentials });
  await admin.compactIndex(bucket, at.indexName);
  for (let waited = 0; (await admin.describeIndex(bucket, at.indexName)).segments.length === 0; waited += 50) {
    assert.ok(waited < 60_000, "compacted into segments in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await client.putVectors({ ...at, vectors: Array.from({ length: 500 }, (_, j) => document(DOCS - 500 + j, titleOf(DOCS - 500 + j))) });
  await server.close();
  await start();
  const overwritten = Array.from({ length: 100 }, (_, i) => i * 200);
  const deleted = Array.from({ length: 100 }, (_, i) => i * 200 + 1);
  await Promise.all([
    client.putVectors({ ...at, vectors: overwritten.map((i) => document(i, `moved${i}`)) }),
    client.deleteVectors({ ...at, keys: deleted.map((i) => `doc-${i}`) }),
  ]);
  for (const i of [0, 200, 19_800]) {
    assert.deepEqual(await keysOf(`tag${i}`), [], `tag${i}: the overwritten document no longer holds it`);
    assert.deepEqual(await keysOf(`moved${i}`), [`doc-${i}`]);
  }
  for (const i of [1, 201, 19_801]) assert.deepEqual(await keysOf(`tag${i}`), [], `tag${i}: deleted`);
  for (const i of [2, 9_999, 19_999]) assert.deepEqual(await keysOf(`tag${i}`), [`doc-${i}`]);
  const gone = new Set([...overwritten, ...deleted]);
  for (const word of [0, 1, 7, 499]) {
    const expected = Array.from({ length: DOCS }, (_, i) => i).filter((i) => i % 500 === word && !gone.has(i)).map((i) => `doc-${i}`).sort();
    assert.deepEqual(await keysOf(`w${word}`), expected, `w${word}`);
  }
});
