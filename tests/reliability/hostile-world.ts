// The data the hostile barrage must not disturb: buckets (two of them exactly at the name-length
// limits), indexes (one with a 63-character name), vectors with metadata, a bucket policy and bucket
// logging; and a snapshot of all of it, read back through the API, to compare before and after.
import assert from "node:assert/strict";
import type { TestServer } from "../e2e/raw-client.ts";

export const MAIN_BUCKET = "hostile-main";
/** Buckets at the shortest and longest valid names, so a valid-length PutVectorBucket is a 409. */
export const SHORT_BUCKET = "hb3";
export const LONG_BUCKET = "h".padEnd(32, "b");
/** Never created: the target of PutVectorBucket baselines. */
export const NEW_BUCKET = "hostile-never-made";
export const INDEX = "seeded";
/** A Fusion index, for QueryVectorsFusion's baseline. */
export const FUSION_INDEX = "seededFusion";
/** An index at the longest valid name, so a valid-length PutVectorIndex is a 409. */
export const LONG_INDEX = "L".padEnd(63, "x");
export const NON_FILTERABLE = "note";
export const DIMENSION = 4;
export const VECTOR_COUNT = 24;

/** A valid bucket policy that grants nobody anything (so it never lets an anonymous request in). */
export const SEED_POLICY = JSON.stringify({
  Version: "1",
  Statement: [{ Effect: "Deny", Action: ["oss:DeleteVectors"], Principal: ["20000000000000001"], Resource: ["acs:ossvector:*:*:*"] }],
});

export function seedVector(i: number) {
  return {
    key: `k${i}`,
    data: { float32: [i, i / 2, 1, -i] },
    metadata: { genre: i % 2 ? "drama" : "comedy", year: 2000 + i, tags: ["a", `t${i % 3}`], [NON_FILTERABLE]: "x".repeat(i) },
  };
}

async function ok(t: TestServer, req: Parameters<TestServer["send"]>[0]): Promise<string> {
  const res = await t.send(req);
  assert.ok(res.status === 200 || res.status === 204, `seeding ${req.method} ${req.query ?? ""}: ${res.status} ${res.text}`);
  return res.text;
}

const post = (t: TestServer, bucket: string, query: string, body: unknown) =>
  ok(t, { method: "POST", bucket, query, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

export async function seedWorld(t: TestServer): Promise<void> {
  for (const bucket of [MAIN_BUCKET, SHORT_BUCKET, LONG_BUCKET]) await ok(t, { method: "PUT", bucket });
  await post(t, MAIN_BUCKET, "putVectorIndex", {
    indexName: INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean",
    metadata: { nonFilterableMetadataKeys: [NON_FILTERABLE] },
  });
  await post(t, MAIN_BUCKET, "putVectorIndex", { indexName: LONG_INDEX, dataType: "float32", dimension: DIMENSION, distanceMetric: "cosine" });
  const vectors = Array.from({ length: VECTOR_COUNT }, (_, i) => seedVector(i));
  await post(t, MAIN_BUCKET, "putVectors", { indexName: INDEX, vectors });
  await post(t, MAIN_BUCKET, "putVectors", { indexName: LONG_INDEX, vectors: vectors.slice(1, 4) });
  await post(t, MAIN_BUCKET, "putVectorIndexFusion", {
    indexName: FUSION_INDEX, schemaConfiguration: { fields: [{ name: "v", type: "vector", dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" }, { name: "title", type: "string", text: { enabled: true } }] },
  });
  await post(t, MAIN_BUCKET, "putVectors", { indexName: FUSION_INDEX, vectors: [{ key: "f1", data: { v: [1, 2, 3, 4] }, metadata: { title: "seeded document" } }] });
  await ok(t, { method: "PUT", bucket: MAIN_BUCKET, query: "policy", body: SEED_POLICY });
  await ok(t, { method: "PUT", bucket: MAIN_BUCKET, query: "logging", body: JSON.stringify({ BucketLoggingStatus: { LoggingEnabled: { TargetBucket: MAIN_BUCKET, TargetPrefix: "log/" } } }) });
}

/** Every vector of an index, with data and metadata, page by page. */
async function allVectors(t: TestServer, bucket: string, indexName: string): Promise<unknown[]> {
  const vectors: unknown[] = [];
  let nextToken: string | undefined;
  do {
    const page = JSON.parse(await post(t, bucket, "listVectors", {
      indexName, maxResults: 7, returnData: true, returnMetadata: true, ...(nextToken ? { nextToken } : {}),
    }));
    vectors.push(...page.vectors);
    nextToken = page.nextToken;
  } while (nextToken);
  return vectors.sort((a, b) => String((a as { key: string }).key).localeCompare((b as { key: string }).key));
}

/** Everything stored, as the API reports it; bucket endpoints are left out (they echo the request's host). */
export async function snapshot(t: TestServer): Promise<unknown> {
  const listed = JSON.parse(await ok(t, { method: "GET" })).ListAllMyBucketsResult.Buckets as Array<{ Name: string; CreationDate: string }>;
  const buckets = [];
  for (const { Name, CreationDate } of listed) {
    const name = Name.split(":").pop()!;
    const indexes = JSON.parse(await post(t, name, "listVectorIndexes", {})).indexes as Array<{ indexName: string }>;
    const contents = [];
    for (const index of indexes) contents.push({ index, vectors: await allVectors(t, name, index.indexName) });
    const policy = await t.send({ method: "GET", bucket: name, query: "policy" });
    const logging = await ok(t, { method: "GET", bucket: name, query: "logging" });
    buckets.push({ Name, CreationDate, contents, policy: `${policy.status} ${policy.status === 200 ? policy.text : ""}`, logging });
  }
  return buckets;
}
