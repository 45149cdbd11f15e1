// Regressions found by running the official Alibaba SDKs (Python V2, Go V2) and their vectors
// samples against ossv. Each test names the SDK behaviour that exposed the problem.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type TestServer } from "./raw-client.ts";

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

const post = (bucket: string, op: string, body: unknown) =>
  t.send({ method: "POST", bucket, query: op, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

test("cosine QueryVectors never reports a negative distance for an identical vector", async () => {
  // The SDKs' query_vectors sample stores [0.1]*128 and queries with the same vector; rounding in
  // 1 - cos made the distance come back as about -1.6e-15.
  const bucket = "compat-cosine";
  assert.equal((await t.send({ method: "PUT", bucket })).status, 200);
  const index = { indexName: "idx", dataType: "float32", dimension: 128, distanceMetric: "cosine" };
  assert.equal((await post(bucket, "putVectorIndex", index)).status, 200);
  const vectors = [
    { key: "key1", data: { float32: new Array(128).fill(0.1) } },
    { key: "key2", data: { float32: new Array(128).fill(0.2) } },
  ];
  assert.equal((await post(bucket, "putVectors", { indexName: "idx", vectors })).status, 200);
  const res = await post(bucket, "queryVectors", {
    indexName: "idx", queryVector: { float32: new Array(128).fill(0.1) }, topK: 2, returnDistance: true,
  });
  assert.equal(res.status, 200, res.text);
  const hits = res.json().vectors as { key: string; distance: number }[];
  assert.equal(hits.length, 2);
  for (const hit of hits) {
    assert.ok(hit.distance >= 0, `distance of ${hit.key} is ${hit.distance}`);
    assert.ok(hit.distance < 1e-6, `distance of ${hit.key} is ${hit.distance}`);
  }
});

test("ListVectors takes back the nextToken it gave for a page ending at a long non-ASCII key", async () => {
  // A token names the last key of its page; for 1024 characters of 3-byte UTF-8 it is about 5.5 KB,
  // and the 2048-byte bound on incoming tokens refused it: paging stopped at the first such key.
  const bucket = "compat-long-token";
  assert.equal((await t.send({ method: "PUT", bucket })).status, 200);
  const index = { indexName: "idx", dataType: "float32", dimension: 1, distanceMetric: "euclidean" };
  assert.equal((await post(bucket, "putVectorIndex", index)).status, 200);
  const keys = ["€".repeat(1024), "\u0001".repeat(1024), "😀".repeat(1024)];
  const vectors = keys.map((key) => ({ key, data: { float32: [1] } }));
  assert.equal((await post(bucket, "putVectors", { indexName: "idx", vectors })).status, 200);
  const listed: string[] = [];
  let nextToken: string | undefined;
  do {
    const res = await post(bucket, "listVectors", { indexName: "idx", maxResults: 1, ...(nextToken && { nextToken }) });
    assert.equal(res.status, 200, res.text);
    const page = res.json() as { vectors: { key: string }[]; nextToken?: string };
    listed.push(...page.vectors.map((v) => v.key));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  assert.deepEqual(listed.sort(), [...keys].sort());
});
