// Every operation's success shape and the errors the spec lists, over real HTTP, plus pagination
// edges (exact page counts, no trailing empty page).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { startTestServer, type RawResponse, type TestServer } from "./raw-client.ts";

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

let counter = 0;
const uniqueBucket = (tag: string) => `ops-${tag}-${++counter}`;

const post = (bucket: string, op: string, body: unknown) =>
  t.send({ method: "POST", bucket, query: op, body: JSON.stringify(body), headers: { "content-type": "application/json" } });

async function ok(res: Promise<RawResponse>, status = 200) {
  const r = await res;
  assert.equal(r.status, status, r.text);
  return r;
}

async function errorCode(res: Promise<RawResponse>, status: number, code: string) {
  const r = await res;
  assert.equal(r.status, status, r.text);
  assert.equal(r.json().Error.Code, code, r.text);
  return r.json().Error.Message as string;
}

async function bucketWithIndex(tag: string, index: Record<string, unknown> = {}): Promise<string> {
  const bucket = uniqueBucket(tag);
  await ok(t.send({ method: "PUT", bucket }));
  await ok(post(bucket, "putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean", ...index }));
  return bucket;
}

const vec = (key: string, values: number[], metadata?: Record<string, unknown>) =>
  ({ key, data: { float32: values }, ...(metadata ? { metadata } : {}) });

describe("buckets", () => {
  test("PutVectorBucket twice is 409 BucketAlreadyExists; bad names are 400 InvalidBucketName", async () => {
    const bucket = uniqueBucket("dup");
    await ok(t.send({ method: "PUT", bucket }));
    await errorCode(t.send({ method: "PUT", bucket }), 409, "BucketAlreadyExists");
    for (const name of ["ab", "Upper-case", "-lead", "trail-", "a".repeat(33), "under_score"]) {
      await errorCode(t.send({ method: "PUT", bucket: name }), 400, "InvalidBucketName");
    }
  });

  test("GetVectorBucket and DeleteVectorBucket on a missing bucket are 404 NoSuchBucket", async () => {
    await errorCode(t.send({ method: "GET", bucket: "no-such-bucket", query: "bucketInfo" }), 404, "NoSuchBucket");
    await errorCode(t.send({ method: "DELETE", bucket: "no-such-bucket" }), 404, "NoSuchBucket");
    await errorCode(post("no-such-bucket", "putVectors", { indexName: "idx", vectors: [vec("a", [1, 2, 3])] }), 404, "NoSuchBucket");
  });

  test("DeleteVectorBucket is 409 BucketNotEmpty while it has an index", async () => {
    const bucket = await bucketWithIndex("full");
    await errorCode(t.send({ method: "DELETE", bucket }), 409, "BucketNotEmpty");
    await ok(post(bucket, "deleteVectorIndex", { indexName: "idx" }), 204);
    await ok(t.send({ method: "DELETE", bucket }), 204);
  });

  test("ListVectorBuckets pages by marker with exact page counts and a prefix", async () => {
    const prefix = `lst${Date.now() % 100000}`;
    for (let i = 0; i < 5; i++) await ok(t.send({ method: "PUT", bucket: `${prefix}-b${i}` }));
    const names: string[] = [];
    let marker = "";
    let pages = 0;
    for (;;) {
      const res = await ok(t.send({ method: "GET", query: `marker=${marker}&max-keys=2&prefix=${prefix}` }));
      const result = res.json().ListAllMyBucketsResult;
      pages++;
      names.push(...result.Buckets.map((b: { Name: string }) => b.Name.split(":").pop()));
      if (!result.IsTruncated) {
        assert.equal(result.NextMarker, undefined);
        break;
      }
      marker = result.NextMarker;
    }
    assert.equal(pages, 3);
    assert.deepEqual(names, [0, 1, 2, 3, 4].map((i) => `${prefix}-b${i}`));
    await errorCode(t.send({ method: "GET", query: "max-keys=0" }), 400, "InvalidArgument");
    await errorCode(t.send({ method: "GET", query: "max-keys=1001" }), 400, "InvalidArgument");
  });
});

describe("indexes", () => {
  test("GetVectorIndex returns the index in lowerCamel keys", async () => {
    const bucket = await bucketWithIndex("get", { metadata: { nonFilterableMetadataKeys: ["body"] }, distanceMetric: "cosine" });
    const index = (await ok(post(bucket, "getVectorIndex", { indexName: "idx" }))).json().index;
    assert.equal(index.indexName, "idx");
    assert.equal(index.vectorBucketName, bucket);
    assert.equal(index.dimension, 3);
    assert.equal(index.distanceMetric, "cosine");
    assert.equal(index.dataType, "float32");
    assert.equal(index.status, "enable");
    assert.deepEqual(index.metadata, { nonFilterableMetadataKeys: ["body"] });
    assert.match(index.createTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test("PutVectorIndex refuses a duplicate (409) and bad parameters (400)", async () => {
    const bucket = await bucketWithIndex("bad");
    await errorCode(post(bucket, "putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" }), 409, "VectorBucketIndexAlreadyExist");
    const base = { indexName: "other", dataType: "float32", dimension: 3, distanceMetric: "euclidean" };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, dimension: 0 }, "VectorIndexParameterInvalid"],
      [{ ...base, dimension: 4097 }, "VectorIndexParameterInvalid"],
      [{ ...base, dimension: 2.5 }, "VectorIndexParameterInvalid"],
      [{ ...base, distanceMetric: "dot" }, "VectorIndexParameterInvalid"],
      [{ ...base, dataType: "float16" }, "VectorIndexParameterInvalid"],
      [{ ...base, indexName: "9starts-with-digit" }, "VectorIndexParameterInvalid"],
      [{ ...base, indexName: "has-dash" }, "VectorIndexParameterInvalid"],
      [{ ...base, metadata: { nonFilterableMetadataKeys: ["bad key"] } }, "VectorIndexParameterInvalid"],
      [{ dataType: "float32", dimension: 3, distanceMetric: "euclidean" }, "MissingArgument"],
      [{ indexName: "x", dataType: "float32", distanceMetric: "euclidean" }, "MissingArgument"],
    ];
    for (const [body, code] of cases) await errorCode(post(bucket, "putVectorIndex", body), 400, code);
  });

  test("the 101st index is 400 VectorBucketIndexExceedLimit", async () => {
    const limited = await startTestServer({ limits: { ...(await import("@ossv/protocol")).DEFAULT_LIMITS, maxIndexesPerBucket: 2 } });
    try {
      await limited.send({ method: "PUT", bucket: "limited" });
      const make = (name: string) => limited.send({ method: "POST", bucket: "limited", query: "putVectorIndex",
        body: JSON.stringify({ indexName: name, dataType: "float32", dimension: 2, distanceMetric: "cosine" }) });
      assert.equal((await make("a")).status, 200);
      assert.equal((await make("b")).status, 200);
      const third = await make("c");
      assert.equal(third.status, 400);
      assert.equal(third.json().Error.Code, "VectorBucketIndexExceedLimit");
    } finally {
      await limited.stop();
    }
  });

  test("ListVectorIndexes: 11 by 5 is 3 pages, 10 by 5 is 2, a token only when more remain", async () => {
    const bucket = uniqueBucket("pages");
    await ok(t.send({ method: "PUT", bucket }));
    for (let i = 0; i < 11; i++) {
      await ok(post(bucket, "putVectorIndex", { indexName: `ix${String(i).padStart(2, "0")}`, dataType: "float32", dimension: 2, distanceMetric: "cosine" }));
    }
    const pageCount = async (maxResults: number, prefix?: string) => {
      let token: string | undefined;
      let pages = 0;
      const seen: string[] = [];
      do {
        const res = await ok(post(bucket, "listVectorIndexes", { maxResults, ...(token ? { nextToken: token } : {}), ...(prefix ? { prefix } : {}) }));
        pages++;
        seen.push(...res.json().indexes.map((i: { indexName: string }) => i.indexName));
        token = res.json().nextToken;
      } while (token);
      return { pages, seen };
    };
    assert.equal((await pageCount(5)).pages, 3);
    assert.equal((await pageCount(1)).seen.length, 11);
    await ok(post(bucket, "deleteVectorIndex", { indexName: "ix10" }), 204);
    const ten = await pageCount(5);
    assert.equal(ten.pages, 2);
    assert.deepEqual(ten.seen, Array.from({ length: 10 }, (_, i) => `ix0${i}`));
    assert.deepEqual((await pageCount(100, "ix0")).seen.length, 10);
  });

  test("DeleteVectorIndex removes its data; a re-created index starts empty", async () => {
    const bucket = await bucketWithIndex("recreate");
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("a", [1, 2, 3])] }));
    await ok(post(bucket, "deleteVectorIndex", { indexName: "idx" }), 204);
    await errorCode(post(bucket, "getVectors", { indexName: "idx", keys: ["a"] }), 404, "NoSuchVectorIndex");
    await errorCode(post(bucket, "deleteVectorIndex", { indexName: "idx" }), 404, "NoSuchVectorIndex");
    await ok(post(bucket, "putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" }));
    assert.deepEqual((await ok(post(bucket, "getVectors", { indexName: "idx", keys: ["a"] }))).json(), { vectors: [] });
  });
});

describe("vectors", () => {
  test("PutVectors upserts; GetVectors returns data and metadata on request, omitting missing keys", async () => {
    const bucket = await bucketWithIndex("put");
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("a", [0.1, 0.2, 0.3], { genre: "drama" }), vec("b", [1, 1, 1])] }));
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("a", [0.5, 0.5, 0.5], { genre: "comedy", year: 2020 })] }));
    const bare = await ok(post(bucket, "getVectors", { indexName: "idx", keys: ["a", "missing"] }));
    assert.deepEqual(bare.json(), { vectors: [{ key: "a" }] });
    const full = await ok(post(bucket, "getVectors", { indexName: "idx", keys: ["b", "a"], returnData: true, returnMetadata: true }));
    assert.deepEqual(full.json().vectors, [
      { key: "b", data: { float32: [1, 1, 1] }, metadata: {} },
      { key: "a", data: { float32: [0.5, 0.5, 0.5] }, metadata: { genre: "comedy", year: 2020 } },
    ]);
  });

  test("float32 values come back in their shortest form", async () => {
    const bucket = await bucketWithIndex("f32");
    const float32Max = (2 - 2 ** -23) * 2 ** 127;
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("a", [0.1, 1e-7, -float32Max])] }));
    const res = await ok(post(bucket, "getVectors", { indexName: "idx", keys: ["a"], returnData: true }));
    assert.deepEqual(res.json().vectors[0].data.float32, [0.1, 1e-7, -3.4028235e38]);
  });

  test("PutVectors refuses bad batches whole", async () => {
    const bucket = await bucketWithIndex("badput", { distanceMetric: "cosine" });
    const cases: Array<[unknown[], string]> = [
      [[vec("a", [1, 2, 3]), vec("a", [1, 2, 4])], "VectorIndexParameterInvalid"],
      [[vec("b", [1, 2])], "VectorIndexParameterInvalid"],
      [[vec("c", [0, 0, 0])], "VectorIndexParameterInvalid"],
      [[{ key: "d", data: { float32: [1, "2", 3] } }], "VectorIndexParameterInvalid"],
      [[{ key: "e", data: { float32: [1, 2, 1e39] } }], "VectorIndexParameterInvalid"],
      [[vec("", [1, 2, 3])], "VectorIndexParameterInvalid"],
      [[vec("f", [1, 2, 3], { big: "x".repeat(41 * 1024) })], "VectorIndexParameterInvalid"],
      [[{ data: { float32: [1, 2, 3] } }], "MissingArgument"],
      [Array.from({ length: 501 }, (_, i) => vec(`k${i}`, [1, 2, 3])), "VectorIndexParameterInvalid"],
    ];
    for (const [vectors, code] of cases) {
      await errorCode(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("ok", [1, 2, 3]), ...vectors] }), 400, code);
    }
    await errorCode(post(bucket, "putVectors", { indexName: "idx", vectors: [] }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "putVectors", { vectors: [vec("ok", [1, 2, 3])] }), 400, "MissingArgument");
    const res = await ok(post(bucket, "listVectors", { indexName: "idx" }));
    assert.deepEqual(res.json().vectors, [], "a refused batch writes nothing");
  });

  test("ListVectors: 10 by 5 is exactly 2 pages; segments partition the keys", async () => {
    const bucket = await bucketWithIndex("list");
    const keys = Array.from({ length: 10 }, (_, i) => `key-${i}`);
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: keys.map((k, i) => vec(k, [i, 1, 1], { i })) }));
    let token: string | undefined;
    const pages: string[][] = [];
    do {
      const res = await ok(post(bucket, "listVectors", { indexName: "idx", maxResults: 5, returnMetadata: true, ...(token ? { nextToken: token } : {}) }));
      pages.push(res.json().vectors.map((v: { key: string }) => v.key));
      token = res.json().nextToken;
    } while (token);
    assert.equal(pages.length, 2);
    assert.deepEqual(pages.flat().sort(), [...keys].sort());
    const segments: string[][] = [];
    for (let segmentIndex = 0; segmentIndex < 3; segmentIndex++) {
      const res = await ok(post(bucket, "listVectors", { indexName: "idx", segmentCount: 3, segmentIndex }));
      segments.push(res.json().vectors.map((v: { key: string }) => v.key));
    }
    assert.deepEqual(segments.flat().sort(), [...keys].sort());
    assert.equal(new Set(segments.flat()).size, 10);
    await errorCode(post(bucket, "listVectors", { indexName: "idx", segmentCount: 2, segmentIndex: 2 }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "listVectors", { indexName: "idx", segmentCount: 17 }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "listVectors", { indexName: "idx", nextToken: "garbage!" }), 400, "VectorIndexParameterInvalid");
  });

  test("ListVectors puts vector-key-1 in segment 1 of 2, as the real service does", async () => {
    const bucket = await bucketWithIndex("seg");
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("vector-key-1", [1, 2, 3])] }));
    const res = await ok(post(bucket, "listVectors", { indexName: "idx", segmentCount: 2, segmentIndex: 1 }));
    assert.deepEqual(res.json().vectors, [{ key: "vector-key-1" }]);
  });

  test("QueryVectors ranks by distance with optional distance and metadata", async () => {
    const bucket = await bucketWithIndex("query");
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [
      vec("near", [1, 0, 0], { tag: "x" }), vec("mid", [2, 0, 0], { tag: "y" }), vec("far", [5, 0, 0], { tag: "x" }),
    ] }));
    const plain = await ok(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 2 }));
    assert.deepEqual(plain.json(), { vectors: [{ key: "near" }, { key: "mid" }] });
    const rich = await ok(post(bucket, "queryVectors", {
      indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 5, filter: { tag: { $eq: "x" } }, returnDistance: true, returnMetadata: true,
    }));
    assert.deepEqual(rich.json(), { vectors: [
      { key: "near", distance: 1, metadata: { tag: "x" } }, { key: "far", distance: 5, metadata: { tag: "x" } },
    ] });
    await errorCode(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0] }, topK: 1 }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 0 }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 101 }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0, 0] } }), 400, "MissingArgument");
    await errorCode(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 1, filter: { tag: { $regex: "x" } } }), 400, "VectorIndexParameterInvalid");
  });

  test("DeleteVectors removes keys at once from get, list and query; missing keys are ignored", async () => {
    const bucket = await bucketWithIndex("delete");
    await ok(post(bucket, "putVectors", { indexName: "idx", vectors: [vec("a", [1, 0, 0]), vec("b", [2, 0, 0]), vec("c", [3, 0, 0])] }));
    await ok(post(bucket, "deleteVectors", { indexName: "idx", keys: ["a", "c", "never-existed"] }), 204);
    assert.deepEqual((await ok(post(bucket, "getVectors", { indexName: "idx", keys: ["a", "b", "c"] }))).json(), { vectors: [{ key: "b" }] });
    assert.deepEqual((await ok(post(bucket, "listVectors", { indexName: "idx" }))).json(), { vectors: [{ key: "b" }] });
    const q = await ok(post(bucket, "queryVectors", { indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 10 }));
    assert.deepEqual(q.json(), { vectors: [{ key: "b" }] });
    await errorCode(post(bucket, "deleteVectors", { indexName: "idx", keys: ["b", "b"] }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "deleteVectors", { indexName: "idx", keys: [] }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "deleteVectors", { indexName: "idx", keys: Array.from({ length: 501 }, (_, i) => `k${i}`) }), 400, "VectorIndexParameterInvalid");
    await errorCode(post(bucket, "deleteVectors", { indexName: "idx" }), 400, "MissingArgument");
    await errorCode(post(bucket, "deleteVectors", { indexName: "nope", keys: ["b"] }), 404, "NoSuchVectorIndex");
  });

  test("wrongly typed fields are 400s, never 500s", async () => {
    const bucket = await bucketWithIndex("types");
    const weird = [null, 1, "s", true, [], {}, [null], { float32: "x" }, -1, 1.5, 1e300, "x".repeat(3000)];
    const fields = ["indexName", "vectors", "keys", "topK", "queryVector", "filter", "maxResults", "nextToken", "returnData", "segmentCount"];
    for (const op of ["putVectors", "getVectors", "listVectors", "queryVectors", "deleteVectors", "getVectorIndex"]) {
      for (const field of fields) {
        for (const value of weird) {
          const body = { indexName: "idx", [field]: value };
          const res = await post(bucket, op, body);
          assert.ok(res.status >= 200 && res.status < 500, `${op} ${field}=${JSON.stringify(value)} -> ${res.status} ${res.text}`);
        }
      }
    }
  });
});

describe("bucket policy and logging", () => {
  test("a policy is stored byte for byte; without one Get is 404 NoSuchBucketPolicy", async () => {
    const bucket = uniqueBucket("policy");
    await ok(t.send({ method: "PUT", bucket }));
    await errorCode(t.send({ method: "GET", bucket, query: "policy" }), 404, "NoSuchBucketPolicy");
    const text = `{"Version":"1","Statement":[{"Action":["ossvector:PutVectors","ossvector:GetVectors"],"Effect":"Deny","Principal":["1234567890"],"Resource": ["acs:ossvector:cn-hangzhou:${t.server.accountId}:*"]}]}`;
    await ok(t.send({ method: "PUT", bucket, query: "policy", body: text, noMd5: true }));
    const got = await ok(t.send({ method: "GET", bucket, query: "policy" }));
    assert.equal(got.text, text);
    assert.equal(got.headers["content-type"], "application/json");
    await ok(t.send({ method: "DELETE", bucket, query: "policy" }), 204);
    await errorCode(t.send({ method: "GET", bucket, query: "policy" }), 404, "NoSuchBucketPolicy");
    await errorCode(t.send({ method: "PUT", bucket, query: "policy", body: '{"Version":"1","Statement":[{"Effect":"Maybe"}]}' }), 400, "MalformedPolicy");
    await errorCode(t.send({ method: "PUT", bucket, query: "policy", body: "not json" }), 400, "MalformedPolicy");
  });

  test("logging round-trips, and after delete Get answers an empty LoggingEnabled", async () => {
    const bucket = uniqueBucket("logging");
    await ok(t.send({ method: "PUT", bucket }));
    const config = { BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "log-target", TargetPrefix: "MyLog-", LoggingRole: "AliyunOSSLoggingDefaultRole" } } };
    await ok(t.send({ method: "PUT", bucket, query: "logging", body: JSON.stringify(config) }));
    assert.deepEqual((await ok(t.send({ method: "GET", bucket, query: "logging" }))).json(), config);
    await ok(t.send({ method: "DELETE", bucket, query: "logging" }), 204);
    assert.deepEqual((await ok(t.send({ method: "GET", bucket, query: "logging" }))).json(), { BucketLoggingStatus: { LoggingEnabled: {} } });
    await errorCode(t.send({ method: "PUT", bucket, query: "logging", body: '{"BucketLoggingStatus":{"LoggingEnabled":{"TargetPrefix":"x"}}}' }), 400, "MissingArgument");
    await errorCode(t.send({ method: "GET", bucket: "no-such-bucket", query: "logging" }), 404, "NoSuchBucket");
  });
});
