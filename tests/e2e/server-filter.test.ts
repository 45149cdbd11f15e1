// The QueryVectors filter language end to end: a table of filters, each with the exact set of keys it
// must return from a small index (topK larger than the index, so the filter alone decides).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { expectServiceError, startSdkServer, type SdkServer } from "./sdk-server.ts";

let s: SdkServer;
const bucket = "filters";
const DATA: Array<[string, Record<string, string | number | boolean | string[]>]> = [
  ["a", { genre: "drama", year: 2019, tags: ["new", "hot"], free: true }],
  ["b", { genre: "comedy", year: 2020, tags: ["old"] }],
  ["c", { genre: "drama", year: 2021, free: false }],
  ["d", { genre: "documentary", year: "2020" }],
  ["e", { year: 2022, tags: ["hot"] }],
];

before(async () => {
  s = await startSdkServer();
  await s.client.putVectorBucket({ bucket });
  await s.client.putVectorIndex({
    bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "euclidean",
    metadata: { nonFilterableMetadataKeys: ["notes"] },
  });
  await s.client.putVectors({
    bucket, indexName: "idx",
    vectors: DATA.map(([key, metadata], i) => ({ key, data: { float32: [i, 0] }, metadata: { ...metadata, notes: "n" } })),
  });
});
after(async () => { await s.stop(); });

const CASES: Array<[string, object, string[]]> = [
  ["$eq string", { genre: { $eq: "drama" } }, ["a", "c"]],
  ["shorthand equality", { genre: "drama" }, ["a", "c"]],
  ["$eq number does not match a numeric string", { year: { $eq: 2020 } }, ["b"]],
  ["$eq string does not match a number", { year: { $eq: "2020" } }, ["d"]],
  ["$eq boolean", { free: { $eq: true } }, ["a"]],
  ["$eq against an array value matches any element", { tags: { $eq: "hot" } }, ["a", "e"]],
  ["$ne is true for a missing key", { genre: { $ne: "drama" } }, ["b", "d", "e"]],
  ["$ne against an array value: no element equal", { tags: { $ne: "hot" } }, ["b", "c", "d"]],
  ["$gt compares numbers only", { year: { $gt: 2019 } }, ["b", "c", "e"]],
  ["$gte and $lt on one key are ANDed", { year: { $gte: 2020, $lt: 2022 } }, ["b", "c"]],
  ["$lte", { year: { $lte: 2019 } }, ["a"]],
  ["$in", { genre: { $in: ["comedy", "documentary"] } }, ["b", "d"]],
  ["$in against an array value", { tags: { $in: ["old", "new"] } }, ["a", "b"]],
  ["$nin is true for a missing key", { genre: { $nin: ["drama", "comedy"] } }, ["d", "e"]],
  ["$exists true", { tags: { $exists: true } }, ["a", "b", "e"]],
  ["$exists false", { genre: { $exists: false } }, ["e"]],
  ["several keys are ANDed", { genre: "drama", free: false }, ["c"]],
  ["$and", { $and: [{ genre: { $eq: "drama" } }, { year: { $gt: 2020 } }] }, ["c"]],
  ["$or", { $or: [{ genre: { $eq: "comedy" } }, { year: { $gte: 2022 } }] }, ["b", "e"]],
  ["nested $and/$or", { $or: [{ $and: [{ genre: "drama" }, { free: true }] }, { tags: { $eq: "old" } }] }, ["a", "b"]],
  ["a key no vector has", { type: { $nin: ["comedy", "documentary"] } }, ["a", "b", "c", "d", "e"]],
  ["the empty filter", {}, ["a", "b", "c", "d", "e"]],
];

for (const [name, filter, expected] of CASES) {
  test(`filter: ${name}`, async () => {
    const { vectors } = await s.client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0] }, topK: 10, filter: filter as Record<string, unknown> });
    assert.deepEqual(vectors.map((v) => v.key).sort(), expected);
  });
}

const BAD: Array<[string, object]> = [
  ["an unknown operator", { genre: { $regex: "d.*" } }],
  ["an empty $and", { $and: [] }],
  ["$in without a list", { genre: { $in: "drama" } }],
  ["$gt with a string", { year: { $gt: "2019" } }],
  ["$exists with a string", { genre: { $exists: "yes" } }],
  ["a non-filterable key", { notes: { $eq: "n" } }],
  ["nesting deeper than 8 levels", [...Array(9)].reduce((inner) => ({ $and: [inner] }), { genre: "drama" })],
];

for (const [name, filter] of BAD) {
  test(`filter: ${name} is 400 VectorIndexParameterInvalid`, async () => {
    const message = await expectServiceError(
      s.client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0] }, topK: 1, filter: filter as Record<string, unknown> }),
      400, "VectorIndexParameterInvalid",
    );
    assert.match(message, /filter/);
  });
}
