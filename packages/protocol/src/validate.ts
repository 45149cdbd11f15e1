// Request-field validators shared by the server (authoritative) and the SDK (optional pre-checks).
// Each throws an ApiError whose message names the offending field, so a 400 tells the caller exactly
// what to fix. They never modify their input. "Missing" means undefined or null; an empty string is
// present but invalid.

import { ApiError } from "./errors.ts";
import { DEFAULT_LIMITS, type LimitsProfile } from "./limits.ts";
import type { DistanceMetric, WireMetadata, WireMetadataScalar } from "./wire.ts";

const BUCKET_NAME_CHARS = /^[a-z0-9-]*$/;
const INDEX_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const NON_FILTERABLE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLAIN_FIELD = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(message: string): never {
  throw new ApiError("VectorIndexParameterInvalid", message);
}

function requirePresent(value: unknown, fieldName: string): void {
  if (value === undefined || value === null) throw new ApiError("MissingArgument", `${fieldName} is required`);
}

/** A short, quoted rendering of a user value for error messages (long names are cut). */
function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `metadata.genre`, or `metadata["a b"]` when the key is not a plain identifier. */
export function fieldPath(base: string, key: string): string {
  return PLAIN_FIELD.test(key) ? `${base}.${key}` : `${base}[${JSON.stringify(key)}]`;
}

/**
 * utf8ByteLength() counts the bytes of a string's UTF-8 encoding without allocating one. A lone
 * surrogate counts 3 bytes, as TextEncoder replaces it with U+FFFD.
 */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

/** Code points in `text`, or -1 when it holds an unpaired surrogate (not encodable as UTF-8). */
function countCodePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++, count++) {
    const unit = text.charCodeAt(i);
    if (unit < 0xd800 || unit > 0xdfff) continue;
    if (unit > 0xdbff || !isLowSurrogate(text.charCodeAt(i + 1))) return -1;
    i++;
  }
  return count;
}

/** validateBucketName() checks 3-32 characters of [a-z0-9-], not starting or ending with "-". */
export function validateBucketName(name: unknown, limits: LimitsProfile = DEFAULT_LIMITS): asserts name is string {
  requirePresent(name, "bucket name");
  if (typeof name !== "string") invalidBucket(`must be a string, got ${describe(name)}`);
  const { minBucketNameLength: min, maxBucketNameLength: max } = limits;
  if (name.length < min || name.length > max) {
    invalidBucket(`${quote(name)} is ${name.length} characters; it must be ${min} to ${max}`);
  }
  if (!BUCKET_NAME_CHARS.test(name)) invalidBucket(`${quote(name)} may contain only lower-case letters, digits and "-"`);
  if (name.startsWith("-") || name.endsWith("-")) invalidBucket(`${quote(name)} must not start or end with "-"`);
}

function invalidBucket(why: string): never {
  throw new ApiError("InvalidBucketName", `bucket name ${why}`);
}

/** validateIndexName() checks 1-63 letters and digits, starting with a letter (case is kept). */
export function validateIndexName(name: unknown, limits: LimitsProfile = DEFAULT_LIMITS): asserts name is string {
  requirePresent(name, "indexName");
  if (typeof name !== "string") invalid(`indexName must be a string, got ${describe(name)}`);
  const max = limits.maxIndexNameLength;
  if (name.length < 1 || name.length > max) {
    invalid(`indexName ${quote(name)} is ${name.length} characters; it must be 1 to ${max}`);
  }
  if (!INDEX_NAME.test(name)) {
    invalid(`indexName ${quote(name)} must start with a letter and contain only letters and digits`);
  }
}

/** validateVectorKey() checks a 1-1024 character, well-formed (UTF-8 encodable) string. */
export function validateVectorKey(
  key: unknown, limits: LimitsProfile = DEFAULT_LIMITS, fieldName = "key",
): asserts key is string {
  requirePresent(key, fieldName);
  if (typeof key !== "string") invalid(`${fieldName} must be a string, got ${describe(key)}`);
  const length = countCodePoints(key);
  if (length < 0) invalid(`${fieldName} contains an unpaired surrogate, which UTF-8 cannot encode`);
  const max = limits.maxVectorKeyLength;
  if (length < 1 || length > max) invalid(`${fieldName} is ${length} characters; it must be 1 to ${max}`);
}

/**
 * validateKeyBatch() checks the `keys` list of GetVectors (duplicates allowed) or DeleteVectors
 * (`unique: true`): a non-empty array of at most `max` valid vector keys.
 */
export function validateKeyBatch(
  keys: unknown, options: { max: number; unique?: boolean; fieldName?: string; limits?: LimitsProfile },
): asserts keys is string[] {
  const { max, unique = false, fieldName = "keys", limits = DEFAULT_LIMITS } = options;
  requirePresent(keys, fieldName);
  if (!Array.isArray(keys)) invalid(`${fieldName} must be an array of strings, got ${describe(keys)}`);
  if (keys.length < 1 || keys.length > max) invalid(`${fieldName} has ${keys.length} items; it must have 1 to ${max}`);
  const seen = new Map<string, number>();
  keys.forEach((key: unknown, i) => {
    validateVectorKey(key, limits, `${fieldName}[${i}]`);
    const first = seen.get(key);
    if (unique && first !== undefined) invalid(`${fieldName}[${i}] ${quote(key)} repeats ${fieldName}[${first}]`);
    if (first === undefined) seen.set(key, i);
  });
}

/**
 * validateNonFilterableKeys() checks `metadata.nonFilterableMetadataKeys` of PutVectorIndex and
 * returns the keys ([] when absent): at most 10 unique keys of 1-63 bytes of [A-Za-z0-9_], starting
 * with a letter or "_". [] is accepted as "none" [inferred]: the docs say 1-10, but refusing [] would
 * break clients that always send the list.
 */
export function validateNonFilterableKeys(
  keys: unknown, limits: LimitsProfile = DEFAULT_LIMITS, fieldName = "metadata.nonFilterableMetadataKeys",
): string[] {
  if (keys === undefined || keys === null) return [];
  if (!Array.isArray(keys)) invalid(`${fieldName} must be an array of strings, got ${describe(keys)}`);
  if (keys.length > limits.maxNonFilterableKeys) {
    invalid(`${fieldName} has ${keys.length} keys; at most ${limits.maxNonFilterableKeys} are allowed`);
  }
  const max = limits.maxNonFilterableKeyBytes;
  keys.forEach((key: unknown, i) => {
    const at = `${fieldName}[${i}]`;
    if (typeof key !== "string") invalid(`${at} must be a string, got ${describe(key)}`);
    // The pattern admits ASCII only, so its length in characters is its length in bytes.
    if (key.length < 1 || key.length > max) invalid(`${at} is ${key.length} bytes; it must be 1 to ${max}`);
    if (!NON_FILTERABLE_KEY.test(key)) {
      invalid(`${at} ${quote(key)} may contain only letters, digits and "_" and must not start with a digit`);
    }
    if (keys.indexOf(key) !== i) invalid(`${at} ${quote(key)} is listed twice`);
  });
  return [...(keys as string[])];
}

function isMetadataScalar(value: unknown): value is WireMetadataScalar {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

// Values are strings, finite numbers, booleans, or arrays of those (mixed, possibly empty) [inferred,
// docs/protocol.md#metadata-values: the docs say strings, the newer filter docs compare numbers and
// booleans]. null, objects and nested arrays are refused because no filter operator could address them.
function validateMetadataValue(value: unknown, at: string): void {
  if (isMetadataScalar(value)) return;
  if (Array.isArray(value)) {
    value.forEach((item: unknown, i) => {
      if (!isMetadataScalar(item)) invalid(`${at}[${i}] must be a string, finite number or boolean, got ${describe(item)}`);
    });
    return;
  }
  const got = typeof value === "number" ? String(value) : describe(value);
  invalid(`${at} must be a string, finite number, boolean or an array of those, got ${got}`);
}

function isListed(keys: ReadonlySet<string> | readonly string[], key: string): boolean {
  return Array.isArray(keys) ? keys.includes(key) : (keys as ReadonlySet<string>).has(key);
}

/**
 * validateMetadata() checks one vector's metadata: at most 10 keys, value types as above, at most
 * 40960 bytes as compact UTF-8 JSON, and at most 2048 bytes for the part whose keys are not in
 * `nonFilterableKeys` (measured the same way, as the JSON of that sub-object). Absent (undefined or
 * null) metadata is accepted.
 */
export function validateMetadata(
  metadata: unknown,
  nonFilterableKeys: ReadonlySet<string> | readonly string[] = [],
  limits: LimitsProfile = DEFAULT_LIMITS,
  fieldName = "metadata",
): asserts metadata is WireMetadata | undefined | null {
  if (metadata === undefined || metadata === null) return;
  if (!isPlainObject(metadata)) invalid(`${fieldName} must be a JSON object, got ${describe(metadata)}`);
  const keys = Object.keys(metadata);
  if (keys.length > limits.maxMetadataKeys) {
    invalid(`${fieldName} has ${keys.length} keys; at most ${limits.maxMetadataKeys} are allowed`);
  }
  // Compact JSON is "{" + entries joined by "," + "}", so both sizes follow from per-entry sizes.
  let totalBytes = 1;
  let filterableBytes = 1;
  for (const key of keys) {
    const value = metadata[key];
    validateMetadataValue(value, fieldPath(fieldName, key));
    const entryBytes = utf8ByteLength(JSON.stringify(key)) + 1 + utf8ByteLength(JSON.stringify(value)) + 1;
    totalBytes += entryBytes;
    if (!isListed(nonFilterableKeys, key)) filterableBytes += entryBytes;
  }
  // Each entry counted its trailing "," or the closing "}"; an object without entries is "{}".
  if (totalBytes === 1) totalBytes = 2;
  if (filterableBytes === 1) filterableBytes = 2;
  if (totalBytes > limits.maxMetadataBytes) {
    invalid(`${fieldName} is ${totalBytes} bytes as compact JSON; at most ${limits.maxMetadataBytes} are allowed`);
  }
  if (filterableBytes > limits.maxFilterableMetadataBytes) {
    invalid(`the filterable part of ${fieldName} is ${filterableBytes} bytes as compact JSON; at most `
      + `${limits.maxFilterableMetadataBytes} are allowed (list large fields in nonFilterableMetadataKeys)`);
  }
}

/**
 * validateFloat32Vector() checks vector data and returns it as a new Float32Array: an array of exactly
 * `dimension` finite JSON numbers, each representable as float32 (values that would round to Infinity
 * are refused; tiny values may round to 0), and, for cosine, not all zero after that rounding, since a
 * zero vector has no direction.
 */
export function validateFloat32Vector(
  values: unknown, dimension: number, metric: DistanceMetric, fieldName: string,
): Float32Array {
  requirePresent(values, fieldName);
  if (values instanceof Float32Array) return checkFloat32Vector(values, dimension, metric, fieldName);
  if (!Array.isArray(values)) invalid(`${fieldName} must be an array of numbers, got ${describe(values)}`);
  if (values.length !== dimension) invalid(`${fieldName} has ${values.length} values; the index dimension is ${dimension}`);
  const vector = new Float32Array(dimension);
  let allZero = true;
  for (let i = 0; i < dimension; i++) {
    const value: unknown = values[i];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      invalid(`${fieldName}[${i}] must be a finite number, got ${typeof value === "number" ? String(value) : describe(value)}`);
    }
    vector[i] = value;
    const rounded = vector[i] as number;
    if (!Number.isFinite(rounded)) invalid(`${fieldName}[${i}] = ${value} is outside the float32 range`);
    if (rounded !== 0) allZero = false;
  }
  if (metric === "cosine" && allZero) invalid(zeroVectorMessage(fieldName));
  return vector;
}

const zeroVectorMessage = (fieldName: string): string =>
  `${fieldName} is a zero vector (as float32), which the cosine metric cannot use`;

/**
 * The same checks for values already in float32 (the server reads request vectors straight into
 * Float32Arrays): the length, finiteness, and no zero vector under cosine.
 */
function checkFloat32Vector(values: Float32Array, dimension: number, metric: DistanceMetric, fieldName: string): Float32Array {
  if (values.length !== dimension) invalid(`${fieldName} has ${values.length} values; the index dimension is ${dimension}`);
  let allZero = true;
  for (let i = 0; i < dimension; i++) {
    const value = values[i] as number;
    if (!Number.isFinite(value)) invalid(`${fieldName}[${i}] must be a finite number, got ${String(value)}`);
    if (value !== 0) allZero = false;
  }
  if (metric === "cosine" && allZero) invalid(zeroVectorMessage(fieldName));
  return values;
}
