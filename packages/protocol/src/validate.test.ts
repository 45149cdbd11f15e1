import { test } from "node:test";
import assert from "node:assert/strict";
import { ApiError, type ErrorCode } from "./errors.ts";
import { withLimits } from "./limits.ts";
import {
  utf8ByteLength, validateBucketName, validateFloat32Vector, validateIndexName, validateKeyBatch, validateMetadata,
  validateNonFilterableKeys, validateVectorKey,
} from "./validate.ts";

function assertApiError(run: () => unknown, code: ErrorCode, fragment: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

const encodedLength = (text: string) => new TextEncoder().encode(text).length;

test("validateBucketName() accepts 3 and 32 characters of [a-z0-9-]", () => {
  for (const name of ["abc", "a".repeat(32), "a-b", "a--b", "0bucket9", "my-bucket-1"]) validateBucketName(name);
});

test("validateBucketName() refuses bad names with InvalidBucketName", () => {
  assertApiError(() => validateBucketName("ab"), "InvalidBucketName", '"ab" is 2 characters; it must be 3 to 32');
  assertApiError(() => validateBucketName("a".repeat(33)), "InvalidBucketName", "is 33 characters");
  assertApiError(() => validateBucketName(""), "InvalidBucketName", "is 0 characters");
  assertApiError(() => validateBucketName("-ab"), "InvalidBucketName", 'must not start or end with "-"');
  assertApiError(() => validateBucketName("ab-"), "InvalidBucketName", 'must not start or end with "-"');
  assertApiError(() => validateBucketName("Abc"), "InvalidBucketName", "only lower-case letters, digits");
  assertApiError(() => validateBucketName("a_b"), "InvalidBucketName", "only lower-case letters, digits");
  assertApiError(() => validateBucketName("a.bc"), "InvalidBucketName", "only lower-case letters, digits");
  assertApiError(() => validateBucketName(123), "InvalidBucketName", "must be a string, got a number");
  assertApiError(() => validateBucketName(undefined), "MissingArgument", "bucket name is required");
});

test("validateBucketName() follows the profile", () => {
  validateBucketName("a".repeat(63), withLimits({ maxBucketNameLength: 63 }));
});

test("validateIndexName() accepts 1 to 63 letters and digits starting with a letter", () => {
  for (const name of ["a", "Z", "a".repeat(63), "goSdkIndexAbC", "index1"]) validateIndexName(name);
});

test("validateIndexName() refuses bad names with VectorIndexParameterInvalid", () => {
  const code = "VectorIndexParameterInvalid";
  assertApiError(() => validateIndexName("a".repeat(64)), code, "is 64 characters; it must be 1 to 63");
  assertApiError(() => validateIndexName(""), code, "is 0 characters");
  assertApiError(() => validateIndexName("1abc"), code, "must start with a letter");
  assertApiError(() => validateIndexName("ab-c"), code, "only letters and digits");
  assertApiError(() => validateIndexName("ab_c"), code, "only letters and digits");
  assertApiError(() => validateIndexName("índice"), code, "only letters and digits");
  assertApiError(() => validateIndexName(7), code, "indexName must be a string");
  assertApiError(() => validateIndexName(null), "MissingArgument", "indexName is required");
});

test("validateVectorKey() counts characters, not UTF-16 units or bytes", () => {
  validateVectorKey("k");
  validateVectorKey("k".repeat(1024));
  validateVectorKey("😀".repeat(1024));
  validateVectorKey("中".repeat(1024));
  const code = "VectorIndexParameterInvalid";
  assertApiError(() => validateVectorKey("k".repeat(1025)), code, "key is 1025 characters; it must be 1 to 1024");
  assertApiError(() => validateVectorKey("😀".repeat(1025)), code, "is 1025 characters");
  assertApiError(() => validateVectorKey(""), code, "key is 0 characters");
  assertApiError(() => validateVectorKey("a\ud800b"), code, "unpaired surrogate");
  assertApiError(() => validateVectorKey("a\udc00"), code, "unpaired surrogate");
  assertApiError(() => validateVectorKey(42, undefined, "vectors[2].key"), code, "vectors[2].key must be a string");
  assertApiError(() => validateVectorKey(undefined, undefined, "vectors[2].key"), "MissingArgument", "vectors[2].key is required");
});

test("validateKeyBatch() checks count, keys and, for deletes, uniqueness", () => {
  const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);
  validateKeyBatch(keys(100), { max: 100 });
  validateKeyBatch(["a", "a"], { max: 100 });
  validateKeyBatch(keys(500), { max: 500, unique: true });
  const code = "VectorIndexParameterInvalid";
  assertApiError(() => validateKeyBatch(keys(101), { max: 100 }), code, "keys has 101 items; it must have 1 to 100");
  assertApiError(() => validateKeyBatch([], { max: 100 }), code, "keys has 0 items");
  assertApiError(() => validateKeyBatch("k", { max: 100 }), code, "keys must be an array");
  assertApiError(() => validateKeyBatch(["a", "b", "a"], { max: 500, unique: true }), code, 'keys[2] "a" repeats keys[0]');
  assertApiError(() => validateKeyBatch(["a", ""], { max: 100 }), code, "keys[1] is 0 characters");
  assertApiError(() => validateKeyBatch(undefined, { max: 100 }), "MissingArgument", "keys is required");
});

test("validateNonFilterableKeys() returns the keys and accepts absent or empty lists", () => {
  assert.deepEqual(validateNonFilterableKeys(undefined), []);
  assert.deepEqual(validateNonFilterableKeys(null), []);
  assert.deepEqual(validateNonFilterableKeys([]), []);
  const ten = Array.from({ length: 10 }, (_, i) => `key_${i}`);
  assert.deepEqual(validateNonFilterableKeys(ten), ten);
  assert.deepEqual(validateNonFilterableKeys(["_private", "a".repeat(63), "Body2"]), ["_private", "a".repeat(63), "Body2"]);
});

test("validateNonFilterableKeys() refuses bad lists and keys", () => {
  const code = "VectorIndexParameterInvalid";
  const eleven = Array.from({ length: 11 }, (_, i) => `key_${i}`);
  assertApiError(() => validateNonFilterableKeys(eleven), code, "nonFilterableMetadataKeys has 11 keys; at most 10");
  assertApiError(() => validateNonFilterableKeys(["a".repeat(64)]), code, "nonFilterableMetadataKeys[0] is 64 bytes; it must be 1 to 63");
  assertApiError(() => validateNonFilterableKeys([""]), code, "is 0 bytes");
  assertApiError(() => validateNonFilterableKeys(["ok", "1abc"]), code, 'nonFilterableMetadataKeys[1] "1abc" may contain only');
  assertApiError(() => validateNonFilterableKeys(["a-b"]), code, "may contain only letters, digits and");
  assertApiError(() => validateNonFilterableKeys(["a", "b", "a"]), code, '[2] "a" is listed twice');
  assertApiError(() => validateNonFilterableKeys("a"), code, "must be an array of strings");
  assertApiError(() => validateNonFilterableKeys([1]), code, "[0] must be a string");
  validateNonFilterableKeys(Array.from({ length: 100 }, (_, i) => `k${i}`), withLimits({ maxNonFilterableKeys: 100 }));
});

test("utf8ByteLength() agrees with TextEncoder", () => {
  for (const text of ["", "abc", "é", "中文", "😀", "a\ud800b", "\udc00", "x\u0000y", "😀".repeat(3) + "é"]) {
    assert.equal(utf8ByteLength(text), encodedLength(text), JSON.stringify(text));
  }
});

test("validateMetadata() accepts absent metadata and every allowed value type", () => {
  validateMetadata(undefined);
  validateMetadata(null);
  validateMetadata({});
  validateMetadata({ s: "x", n: -1.5, i: 32, b: false, list: ["a", "b"], mixed: ["a", 1, true], none: [] });
});

test("validateMetadata() refuses values no filter could address", () => {
  const code = "VectorIndexParameterInvalid";
  assertApiError(() => validateMetadata({ a: null }), code, "metadata.a must be a string, finite number, boolean or an array of those, got null");
  assertApiError(() => validateMetadata({ a: { b: 1 } }), code, "got an object");
  assertApiError(() => validateMetadata({ tags: ["a", null] }), code, "metadata.tags[1] must be a string, finite number or boolean, got null");
  assertApiError(() => validateMetadata({ tags: [["a"]] }), code, "metadata.tags[0]");
  assertApiError(() => validateMetadata({ n: Number.NaN }), code, "got NaN");
  assertApiError(() => validateMetadata({ "a b": null }, [], undefined, "vectors[1].metadata"), code, 'vectors[1].metadata["a b"] must be');
  assertApiError(() => validateMetadata(["a"]), code, "metadata must be a JSON object, got an array");
  assertApiError(() => validateMetadata("x"), code, "got a string");
});

test("validateMetadata() allows 10 keys and refuses 11", () => {
  const keys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
  validateMetadata(keys(10));
  assertApiError(() => validateMetadata(keys(11), [], undefined, "vectors[0].metadata"), "VectorIndexParameterInvalid",
    "vectors[0].metadata has 11 keys; at most 10 are allowed");
});

test("validateMetadata() allows exactly 40960 bytes of compact JSON and refuses one more", () => {
  // {"body":"..."}: 11 bytes around the text.
  const atLimit = { body: "x".repeat(40960 - 11) };
  assert.equal(encodedLength(JSON.stringify(atLimit)), 40960);
  validateMetadata(atLimit, ["body"]);
  assertApiError(() => validateMetadata({ body: "x".repeat(40960 - 10) }, ["body"]), "VectorIndexParameterInvalid",
    "metadata is 40961 bytes as compact JSON; at most 40960 are allowed");
  // Multi-byte characters count by their UTF-8 bytes: 20474 "é" are 40948 bytes, plus 11 plus "x".
  validateMetadata({ body: "é".repeat(20474) + "x" }, new Set(["body"]));
  assertApiError(() => validateMetadata({ body: "é".repeat(20475) }, ["body"]), "VectorIndexParameterInvalid", "is 40961 bytes");
});

test("validateMetadata() allows exactly 2048 filterable bytes and refuses one more", () => {
  // {"genre":"..."}: 12 bytes around the text.
  validateMetadata({ genre: "x".repeat(2048 - 12) });
  assertApiError(() => validateMetadata({ genre: "x".repeat(2048 - 11) }), "VectorIndexParameterInvalid",
    "the filterable part of metadata is 2049 bytes as compact JSON; at most 2048 are allowed");
  // The filterable part is the JSON of the filterable keys alone: {"genre":"..."} without "body".
  const mixed = { genre: "x".repeat(2048 - 12), body: "y".repeat(30000) };
  validateMetadata(mixed, ["body"]);
  assertApiError(() => validateMetadata(mixed, []), "VectorIndexParameterInvalid", "filterable part of metadata");
});

test("validateMetadata() measures exactly what JSON.stringify produces", () => {
  const samples = [
    { a: "quote\" back\\slash \n tab\t ctl\u0001", b: [1.5e-7, -0, 1e21], c: true },
    { "中": "文", "😀": ["é", 3], "": "" },
    { 10: "numeric keys reorder", 2: "x", z: [] },
  ];
  for (const metadata of samples) {
    const bytes = encodedLength(JSON.stringify(metadata));
    validateMetadata(metadata, [], withLimits({ maxMetadataBytes: bytes, maxFilterableMetadataBytes: bytes }));
    assertApiError(() => validateMetadata(metadata, [], withLimits({ maxMetadataBytes: bytes - 1, maxFilterableMetadataBytes: bytes - 1 })),
      "VectorIndexParameterInvalid", `metadata is ${bytes} bytes`);
  }
});

test("validateFloat32Vector() returns the values as a Float32Array", () => {
  const vector = validateFloat32Vector([0.1, -2, 3], 3, "euclidean", "queryVector.float32");
  assert.ok(vector instanceof Float32Array);
  assert.deepEqual([...vector], [Math.fround(0.1), -2, 3]);
  validateFloat32Vector(new Array(4096).fill(0.5), 4096, "cosine", "v");
});

test("validateFloat32Vector() refuses a length other than the dimension", () => {
  assertApiError(() => validateFloat32Vector(new Array(127).fill(1), 128, "euclidean", "vectors[3].data.float32"),
    "VectorIndexParameterInvalid", "vectors[3].data.float32 has 127 values; the index dimension is 128");
  assertApiError(() => validateFloat32Vector([], 1, "euclidean", "v"), "VectorIndexParameterInvalid", "v has 0 values");
});

test("validateFloat32Vector() refuses values that are not finite float32 numbers", () => {
  const code = "VectorIndexParameterInvalid";
  assertApiError(() => validateFloat32Vector([1, "2"], 2, "euclidean", "v"), code, "v[1] must be a finite number, got a string");
  assertApiError(() => validateFloat32Vector([null, 2], 2, "euclidean", "v"), code, "v[0] must be a finite number, got null");
  assertApiError(() => validateFloat32Vector([1, Infinity], 2, "euclidean", "v"), code, "got Infinity");
  assertApiError(() => validateFloat32Vector([Number.NaN], 1, "euclidean", "v"), code, "got NaN");
  assertApiError(() => validateFloat32Vector([3.41e38], 1, "euclidean", "v"), code, "v[0] = 3.41e+38 is outside the float32 range");
  assertApiError(() => validateFloat32Vector([-1e39], 1, "euclidean", "v"), code, "outside the float32 range");
  assertApiError(() => validateFloat32Vector({ float32: [1] }, 1, "euclidean", "v"), code, "v must be an array of numbers, got an object");
  assertApiError(() => validateFloat32Vector(undefined, 1, "euclidean", "queryVector.float32"), "MissingArgument", "queryVector.float32 is required");
  // The largest float32, written as usual, rounds to itself, not to Infinity.
  assert.equal(validateFloat32Vector([3.4028235e38], 1, "euclidean", "v")[0], 3.4028234663852886e38);
});

test("validateFloat32Vector() refuses a zero vector only for cosine, judged after float32 rounding", () => {
  validateFloat32Vector([0, 0, 0], 3, "euclidean", "v");
  validateFloat32Vector([0, 0, 1e-30], 3, "cosine", "v");
  const code = "VectorIndexParameterInvalid";
  assertApiError(() => validateFloat32Vector([0, 0, 0], 3, "cosine", "v"), code, "v is a zero vector");
  assertApiError(() => validateFloat32Vector([-0, 0], 2, "cosine", "v"), code, "zero vector");
  assertApiError(() => validateFloat32Vector([1e-50, 0], 2, "cosine", "v"), code, "zero vector (as float32)");
});
