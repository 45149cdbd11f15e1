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
