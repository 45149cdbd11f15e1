// The first writes of real applications, as users sent them when ByteWriter wrote into its outgrown
// buffer: each record here outgrows the WAL writer's first size guess, and each answered 500
// InternalError ("offset is out of bounds") before the fix. The flush test covers the same bug on the
// background path, where it failed every segment write without a word to any client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { DurableCollection } from "@ossv/engine";
import { startSdkServer, type SdkServer } from "./sdk-server.ts";
import { needsDataDir } from "./test-store.ts";

let s: SdkServer;
const bucket = "write-path";
before(async () => {
  s = await startSdkServer();
  await s.client.putVectorBucket({ bucket });
  await s.client.putVectorIndex({ bucket, indexName: "d4", dataType: "float32", dimension: 4, distanceMetric: "euclidean" });
});
after(async () => { await s.stop(); });

async function readBack(keys: string[]) {
  const got = await s.client.getVectors({ bucket, indexName: "d4", keys, returnData: true, returnMetadata: true });
  return new Map(got.vectors.map((v) => [v.key, v]));
}

test("one vector whose metadata holds a 50-character title is stored and read back", async () => {
  const title = "A fifty character title for a first real document.";
  assert.equal(title.length, 50);
  await s.client.putVectors({ bucket, indexName: "d4", vectors: [{ key: "doc-1", data: { float32: [1, 2, 3, 4] }, metadata: { title } }] });
  assert.deepEqual((await readBack(["doc-1"])).get("doc-1")?.metadata, { title });
});

test("ten UUID keys with metadata {lang, year} are stored and read back", async () => {
  const vectors = Array.from({ length: 10 }, (_, i) => ({
    key: randomUUID(), data: { float32: [i, i + 0.5, -i, 0.25] }, metadata: { lang: i % 2 ? "en" : "zh", year: 2000 + i },
  }));
  await s.client.putVectors({ bucket, indexName: "d4", vectors });
  const got = await readBack(vectors.map((v) => v.key));
  for (const v of vectors) assert.deepEqual(got.get(v.key)?.metadata, v.metadata, v.key);
});

test("a 4-d vector with an 80-byte key is stored, and DeleteVectors of a 68-byte key and another removes both", async () => {
  const long = "k".repeat(80);
  const first = "d".repeat(68);
  await s.client.putVectors({ bucket, indexName: "d4", vectors: [
    { key: long, data: { float32: [0.5, 0.5, 0.5, 0.5] } },
    { key: first, data: { float32: [1, 1, 1, 1] } },
    { key: "second", data: { float32: [2, 2, 2, 2] } },
  ] });
  assert.deepEqual((await readBack([long])).get(long)?.data, { float32: [0.5, 0.5, 0.5, 0.5] });
  const deleted = await s.client.deleteVectors({ bucket, indexName: "d4", keys: [first, "second"] });
  assert.equal(deleted.statusCode, 204);
  assert.equal((await readBack([first, "second"])).size, 0);
});

test("a memtable whose rows cross the segment writer's growth points flushes, and its rows stay searchable", { skip: needsDataDir }, async () => {
  await s.client.putVectorIndex({ bucket, indexName: "flush", dataType: "float32", dimension: 4, distanceMetric: "euclidean" });
  const vectors = Array.from({ length: 200 }, (_, i) => ({
    key: `row-${i}-${"x".repeat(i % 90)}`, data: { float32: [i, 1, 2, 3] }, metadata: { note: "n".repeat(i % 120), i },
  }));
  await s.client.putVectors({ bucket, indexName: "flush", vectors });
  const index = s.server.engine.catalog.getIndex(s.server.accountId, bucket, "flush");
  assert.ok(index);
  const collection = s.server.engine.collection(index);
  assert.ok(collection instanceof DurableCollection);
  await collection.flush(); // rejected before the fix: the segment encoder threw on the grown buffer
  assert.equal(collection.describe().memtableRows, 0);
  const hits = await s.client.queryVectors({ bucket, indexName: "flush", queryVector: { float32: [150, 1, 2, 3] }, topK: 1, returnMetadata: true });
  assert.deepEqual(hits.vectors.map((v) => v.metadata?.["i"]), [150]);
});
