// Malformed requests the SDK would never send — bad names, missing and wrongly typed fields, broken
// batches — each refused with the right OSS code and status, never a 500, and writing nothing.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type RawResponse, type TestServer } from "./raw-client.ts";

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

let counter = 0;
const post = (bucket: string, op: string, body: unknown) =>
  t.send({ method: "POST", bucket, query: op, body: JSON.stringify(body), headers: { "content-type": "application/json" } });
const vec = (key: string, values: unknown[], metadata?: Record<string, unknown>) =>
  ({ key, data: { float32: values }, ...(metadata ? { metadata } : {}) });

async function expectCode(res: Promise<RawResponse>, status: number, code: string): Promise<void> {
  const r = await res;
  assert.equal(r.status, status, r.text);
  assert.equal(r.json().Error.Code, code, r.text);
}

async function bucketWithIndex(metric = "euclidean"): Promise<string> {
  const bucket = `val-${++counter}`;
  assert.equal((await t.send({ method: "PUT", bucket })).status, 200);
  const res = await post(bucket, "putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: metric });
  assert.equal(res.status, 200, res.text);
  return bucket;
}

test("bucket names outside the rules are 400 InvalidBucketName", async () => {
  for (const name of ["ab", "Upper-case", "-lead", "trail-", "a".repeat(33), "under_score"]) {
    await expectCode(t.send({ method: "PUT", bucket: name }), 400, "InvalidBucketName");
  }
});

test("PutVectorIndex refuses bad and missing parameters", async () => {
  const bucket = await bucketWithIndex();
  const base = { indexName: "other", dataType: "float32", dimension: 3, distanceMetric: "euclidean" };
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ ...base, dimension: 0 }, "VectorIndexParameterInvalid"],
    [{ ...base, dimension: 2.5 }, "VectorIndexParameterInvalid"],
    [{ ...base, distanceMetric: "dot" }, "VectorIndexParameterInvalid"],
    [{ ...base, dataType: "float16" }, "VectorIndexParameterInvalid"],
    [{ ...base, indexName: "9starts-with-digit" }, "VectorIndexParameterInvalid"],
    [{ dataType: "float32", dimension: 3, distanceMetric: "euclidean" }, "MissingArgument"],
    [{ indexName: "x", dataType: "float32", distanceMetric: "euclidean" }, "MissingArgument"],
  ];
  for (const [body, code] of cases) await expectCode(post(bucket, "putVectorIndex", body), 400, code);
});

test("PutVectors refuses broken batches whole and writes nothing", async () => {
  const bucket = await bucketWithIndex("cosine");
  const cases: Array<[unknown[], string]> = [
    [[{ key: "d", data: { float32: [1, "2", 3] } }], "VectorIndexParameterInvalid"],
    [[{ key: "e", data: { float32: [1, 2, 1e39] } }], "VectorIndexParameterInvalid"],
    [[vec("", [1, 2, 3])], "VectorIndexParameterInvalid"],
    [[vec("f", [1, 2, 3], { nested: { no: 1 } })], "VectorIndexParameterInvalid"],
    [[{ data: { float32: [1, 2, 3] } }], "MissingArgument"],
    [Array.from({ length: 501 }, (_, i) => vec(`k${i}`, [1, 2, 3])), "VectorIndexParameterInvalid"],
  ];
  for (const [vectors, code] of cases) {
    await expectCode(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("ok", [1, 2, 3]), ...vectors] }), 400, code);
  }
  await expectCode(post(bucket, "putVectors", { indexName: "idx", vectors: [] }), 400, "VectorIndexParameterInvalid");
  await expectCode(post(bucket, "putVectors", { vectors: [vec("ok", [1, 2, 3])] }), 400, "MissingArgument");
  const res = await post(bucket, "listVectors", { indexName: "idx" });
  assert.deepEqual(res.json().vectors, [], "a refused batch writes nothing");
});

test("list, query and delete parameters out of range are 400s", async () => {
  const bucket = await bucketWithIndex();
  const query = { indexName: "idx", queryVector: { float32: [0, 0, 0] } };
  await expectCode(post(bucket, "queryVectors", { ...query, topK: 0 }), 400, "VectorIndexParameterInvalid");
  await expectCode(post(bucket, "queryVectors", query), 400, "MissingArgument");
  await expectCode(post(bucket, "listVectors", { indexName: "idx", segmentCount: 2, segmentIndex: 2 }), 400, "VectorIndexParameterInvalid");
  await expectCode(post(bucket, "listVectors", { indexName: "idx", segmentCount: 17 }), 400, "VectorIndexParameterInvalid");
  await expectCode(post(bucket, "deleteVectors", { indexName: "idx", keys: [] }), 400, "VectorIndexParameterInvalid");
  await expectCode(post(bucket, "deleteVectors", { indexName: "idx", keys: Array.from({ length: 501 }, (_, i) => `k${i}`) }), 400, "VectorIndexParameterInvalid");
  await expectCode(post(bucket, "deleteVectors", { indexName: "idx" }), 400, "MissingArgument");
  await expectCode(t.send({ method: "GET", query: "max-keys=0" }), 400, "InvalidArgument");
  await expectCode(t.send({ method: "GET", query: "max-keys=1001" }), 400, "InvalidArgument");
});

test("policy and logging bodies are checked", async () => {
  const bucket = await bucketWithIndex();
  await expectCode(t.send({ method: "PUT", bucket, query: "policy", body: "not json" }), 400, "MalformedPolicy");
  await expectCode(t.send({ method: "PUT", bucket, query: "policy", body: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}' }), 400, "MalformedPolicy");
  await expectCode(t.send({ method: "PUT", bucket, query: "logging", body: '{"BucketLoggingStatus":{"LoggingEnabled":{"TargetPrefix":"x"}}}' }), 400, "MissingArgument");
  await expectCode(t.send({ method: "PUT", bucket, query: "logging", body: '{"BucketLoggingStatus":{"LoggingEnabled":{"TargetBucket":"Bad_Name"}}}' }), 400, "InvalidArgument");
});

test("wrongly typed fields in every vector operation are 4xx, never 500", async () => {
  const bucket = await bucketWithIndex();
  const weird = [null, 1, "s", true, [], {}, [null], { float32: "x" }, -1, 1.5, 1e300, "x".repeat(3000)];
  const fields = ["indexName", "vectors", "keys", "topK", "queryVector", "filter", "maxResults", "nextToken", "returnData", "segmentCount", "segmentIndex"];
  for (const op of ["putVectors", "getVectors", "listVectors", "queryVectors", "deleteVectors", "getVectorIndex", "putVectorIndex", "listVectorIndexes"]) {
    for (const field of fields) {
      for (const value of weird) {
        const res = await post(bucket, op, { indexName: "idx", [field]: value });
        assert.ok(res.status >= 200 && res.status < 500, `${op} ${field}=${JSON.stringify(value)} -> ${res.status} ${res.text}`);
      }
    }
  }
});

test("vector values in any JSON number form are stored as the float32 JSON.parse would give", async () => {
  const bucket = await bucketWithIndex("cosine");
  const forms = ["0.30000001192092896", "-2.5E-3", "1e-45", " 3.4028234663852886e38 ", "-0.0", "123456789012345678901234", "7e-1"];
  const rows = [forms.slice(0, 3), forms.slice(3, 6), [forms[6]!, "1", "\n2"]];
  const text = `{"indexName":"idx","vectors":[${rows.map((row, i) => `{"key":"n${i}","data":{"float32":[${row.join(",")}]}}`).join(",")}]}`;
  const put = await t.send({ method: "POST", bucket, query: "putVectors", body: text, headers: { "content-type": "application/json" } });
  assert.equal(put.status, 200, put.text);
  const got = await post(bucket, "getVectors", { indexName: "idx", keys: ["n0", "n1", "n2"], returnData: true });
  const byKey = new Map((got.json().vectors as { key: string; data: { float32: number[] } }[]).map((v) => [v.key, v.data.float32]));
  rows.forEach((row, i) => {
    const stored = byKey.get(`n${i}`)!.map((value) => Math.fround(value));
    assert.deepEqual(stored, row.map((form) => Math.fround(Number(form)) || 0), `row ${i}`);
  });
});

test("a vector of the wrong length or all zeros is refused with its field named, however it is written", async () => {
  const bucket = await bucketWithIndex("cosine");
  const cases: [string, string][] = [
    ['{"indexName":"idx","vectors":[{"key":"a","data":{"float32":[1.5,2.5]}}]}', "vectors[0].data.float32 has 2 values; the index dimension is 3"],
    ['{"indexName":"idx","vectors":[{"key":"a","data":{"float32":[0,-0.0,0e5]}}]}', "vectors[0].data.float32 is a zero vector"],
    ['{"indexName":"idx","queryVector":{"float32":[1,2]},"topK":1}', "queryVector.float32 has 2 values"],
  ];
  for (const [body, message] of cases) {
    const query = body.includes("queryVector") ? "queryVectors" : "putVectors";
    const res = await t.send({ method: "POST", bucket, query, body, headers: { "content-type": "application/json" } });
    assert.equal(res.status, 400, res.text);
    assert.ok(res.json().Error.Message.includes(message), res.text);
  }
});
