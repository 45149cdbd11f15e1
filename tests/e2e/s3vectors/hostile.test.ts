// Hostile input through the S3 Vectors API: generated malformed requests for every operation
// (hostile-cases.ts), correctly signed by the AWS SDK's signer, against a real server with seeded
// data. Every answer must be a 4xx of the API's own shape (x-amzn-ErrorType, {__type, message}),
// never a 5xx nor an internal error in the log; afterwards the stored data is exactly what it was.
// Lanes are fast-check properties: a failure is shrunk and reported with the seed (OSSV_SEED).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CreateIndexCommand, CreateVectorBucketCommand, GetIndexCommand, GetVectorBucketCommand, ListIndexesCommand, ListTagsForResourceCommand,
  ListVectorBucketsCommand, ListVectorsCommand, PutVectorsCommand,
} from "@aws-sdk/client-s3vectors";
import { laneParameters, scaled } from "../../reliability/scale.ts";
import { startS3vServer, type S3vServer } from "./harness.ts";
import { sendS3 } from "./signed-request.ts";
import { BUCKET_ARN, hostileCases, MAIN_BUCKET, MAIN_INDEX, type HostileCase } from "./hostile-cases.ts";

const REQUESTS = scaled(1_200, 60_000);
const LANES = 4;
const MAX_BODY_BYTES = 20 * 1024 * 1024;

let s: S3vServer;
const internalErrors: string[] = [];
let bucketArn = "";

before(async () => {
  s = await startS3vServer({ onInternalError: (error) => { internalErrors.push(error instanceof Error ? error.stack ?? error.message : String(error)); } });
  bucketArn = (await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: MAIN_BUCKET, tags: { owner: "seed" } }))).vectorBucketArn!;
  await s.s3.send(new CreateIndexCommand({
    vectorBucketName: MAIN_BUCKET, indexName: MAIN_INDEX, dataType: "float32", dimension: 3, distanceMetric: "cosine", metadataConfiguration: { nonFilterableMetadataKeys: ["body"] },
  }));
  await s.s3.send(new PutVectorsCommand({ vectorBucketName: MAIN_BUCKET, indexName: MAIN_INDEX, vectors: Array.from({ length: 20 }, (_, i) => ({
    key: `seed-${i}`, data: { float32: [i + 1, 2, 3] }, metadata: { genre: i % 2 ? "a" : "b", year: 2000 + i, body: "text", list: ["x", "y"] },
  })) }));
});
after(async () => { await s.stop(); });

/** Everything a hostile request could change, read through the SDK. */
async function snapshot(): Promise<unknown> {
  const at = { vectorBucketName: MAIN_BUCKET, indexName: MAIN_INDEX };
  const vectors = await s.s3.send(new ListVectorsCommand({ ...at, returnData: true, returnMetadata: true }));
  return {
    buckets: (await s.s3.send(new ListVectorBucketsCommand({}))).vectorBuckets,
    bucket: (await s.s3.send(new GetVectorBucketCommand({ vectorBucketName: MAIN_BUCKET }))).vectorBucket,
    indexes: (await s.s3.send(new ListIndexesCommand({ vectorBucketName: MAIN_BUCKET }))).indexes,
    index: (await s.s3.send(new GetIndexCommand(at))).index,
    vectors: vectors.vectors?.sort((a, b) => a.key!.localeCompare(b.key!)),
    tags: (await s.s3.send(new ListTagsForResourceCommand({ resourceArn: bucketArn }))).tags,
  };
}

const tally = new Map<string, number>();
const count = (key: string) => tally.set(key, (tally.get(key) ?? 0) + 1);

async function check(c: HostileCase): Promise<void> {
  const path = c.path.replace(BUCKET_ARN, encodeURIComponent(bucketArn));
  const res = await sendS3({ endpoint: s.endpoint, credentials: s.root, method: c.method, path, body: c.body, ...(c.query && { query: c.query }) });
  const where = `${c.category} ${c.method} ${c.path} ${String(c.body).slice(0, 300)} -> ${res.status} ${res.errorType} ${res.text.slice(0, 300)}`;
  count(`${c.operation}:${res.status}:${res.errorType}`);
  assert.ok(c.statuses.includes(res.status), where);
  if (c.eitherApi) return;
  assert.ok(res.errorType, `x-amzn-ErrorType: ${where}`);
  assert.equal(res.body?.__type, res.errorType, where);
  assert.equal(typeof res.body?.message, "string", where);
  if (c.statuses.length === 1 && c.statuses[0] === 400) assert.ok(["ValidationException", "SerializationException"].includes(res.errorType), where);
}

test(`${REQUESTS} hostile S3 Vectors requests are each refused with a 4xx, and change nothing`, { timeout: 600_000 }, async () => {
  const before = await snapshot();
  const lanes = laneParameters("s3 hostile requests", LANES, REQUESTS, REQUESTS);
  const settled = await Promise.allSettled(lanes.map((params) => fc.assert(fc.asyncProperty(hostileCases, check), params)));
  const failures = settled.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => r.reason as Error);
  for (const failure of failures.slice(1)) console.log(`# another lane failed too:\n${failure.message}`);
  if (failures[0]) throw failures[0];
  console.log(`# s3 hostile: ${[...tally].sort().map(([k, v]) => `${k}=${v}`).join(" ")}`);
  assert.deepEqual(internalErrors, [], "the server logged internal errors");
  assert.deepEqual(await snapshot(), before, "stored data changed");
});

test("a body past 20 MiB is refused with a 4xx of the API's shape, and a body of 20 MiB minus a little is read", async () => {
  const before = await snapshot();
  const key = (i: number) => `big-${i}`;
  const bodyOf = (bytes: number) => {
    const head = `{"vectorBucketName":"${MAIN_BUCKET}","indexName":"${MAIN_INDEX}","vectors":[{"key":"${key(0)}","data":{"float32":[1,2,3]},"metadata":{"body":"`;
    const tail = "\"}}]}";
    return Buffer.from(head + "x".repeat(bytes - head.length - tail.length) + tail);
  };
  const huge = await sendS3({ endpoint: s.endpoint, credentials: s.root, operation: "PutVectors", body: bodyOf(MAX_BODY_BYTES + 1024) });
  assert.ok(huge.status === 413 || huge.status === 400, `${huge.status} ${huge.text.slice(0, 300)}`);
  assert.ok(huge.errorType, huge.text.slice(0, 300));
  assert.deepEqual(await snapshot(), before, "nothing written");
  // Just under the payload limit, the body is read and judged on its content (metadata over 40 KB).
  const large = await sendS3({ endpoint: s.endpoint, credentials: s.root, operation: "PutVectors", body: bodyOf(MAX_BODY_BYTES - 4096) });
  assert.equal(large.status, 400, large.text.slice(0, 300));
  assert.equal(large.errorType, "ValidationException");
  assert.deepEqual(internalErrors, []);
});
