import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_LIMITS, withLimits } from "./limits.ts";

test("DEFAULT_LIMITS holds the API reference values", () => {
  assert.equal(DEFAULT_LIMITS.minBucketNameLength, 3);
  assert.equal(DEFAULT_LIMITS.maxBucketNameLength, 32);
  assert.equal(DEFAULT_LIMITS.maxIndexNameLength, 63);
  assert.equal(DEFAULT_LIMITS.maxDimension, 4096);
  assert.equal(DEFAULT_LIMITS.maxPutVectors, 500);
  assert.equal(DEFAULT_LIMITS.maxGetKeys, 100);
  assert.equal(DEFAULT_LIMITS.maxDeleteKeys, 500);
  assert.equal(DEFAULT_LIMITS.maxTopK, 100);
  assert.equal(DEFAULT_LIMITS.maxVectorKeyLength, 1024);
  assert.equal(DEFAULT_LIMITS.maxMetadataBytes, 40960);
  assert.equal(DEFAULT_LIMITS.maxFilterableMetadataBytes, 2048);
  assert.equal(DEFAULT_LIMITS.maxMetadataKeys, 10);
  assert.equal(DEFAULT_LIMITS.maxNonFilterableKeys, 10);
  assert.equal(DEFAULT_LIMITS.maxNonFilterableKeyBytes, 63);
  assert.deepEqual([DEFAULT_LIMITS.listVectorsDefault, DEFAULT_LIMITS.listVectorsMax], [500, 1000]);
  assert.deepEqual([DEFAULT_LIMITS.listIndexesDefault, DEFAULT_LIMITS.listIndexesMax], [100, 500]);
  assert.deepEqual([DEFAULT_LIMITS.listBucketsDefault, DEFAULT_LIMITS.listBucketsMax], [100, 1000]);
  assert.equal(DEFAULT_LIMITS.maxListSegments, 16);
  assert.equal(DEFAULT_LIMITS.maxIndexesPerBucket, 100);
  assert.equal(DEFAULT_LIMITS.maxFilterBytes, 65536);
  assert.equal(DEFAULT_LIMITS.maxFilterInstructions, 1024);
  assert.equal(DEFAULT_LIMITS.maxFilterDepth, 8);
  assert.equal(DEFAULT_LIMITS.maxNextTokenBytes, 2048);
  assert.ok(Object.isFrozen(DEFAULT_LIMITS));
});

test("withLimits() overrides only the given values and leaves the defaults alone", () => {
  const drift = withLimits({ maxTopK: 30 });
  assert.equal(drift.maxTopK, 30);
  assert.equal(drift.maxDimension, 4096);
  assert.equal(DEFAULT_LIMITS.maxTopK, 100);
  assert.ok(Object.isFrozen(drift));
  assert.equal(withLimits({ maxFilterBytes: 20480 }, drift).maxTopK, 30, "builds on a base profile");
  assert.equal(withLimits({ maxTopK: undefined }).maxTopK, 100, "undefined keeps the base value");
});

test("withLimits() refuses values that are not positive integers, unknown names and inverted ranges", () => {
  assert.throws(() => withLimits({ maxTopK: 0 }), { name: "RangeError", message: /maxTopK must be a positive integer/ });
  assert.throws(() => withLimits({ maxDimension: 1.5 }), RangeError);
  assert.throws(() => withLimits({ maxTopK: Number.NaN }), RangeError);
  assert.throws(() => withLimits({ maxTopk: 5 } as never), { name: "RangeError", message: /unknown limit "maxTopk"/ });
  assert.throws(() => withLimits({ listVectorsDefault: 2000 }), /listVectorsDefault \(2000\) exceeds listVectorsMax/);
  assert.throws(() => withLimits({ minBucketNameLength: 40 }), /minBucketNameLength/);
});
