// Reading the members of an S3 Vectors request body (docs/s3-vectors.md#operations). Each reader
// refuses with a ValidationException whose message and fieldList name the member (`/topK`), the way
// the service words them; the body itself is never changed.
import { fieldInvalid, lengthInvalid, validation, type S3VectorsError } from "./errors.ts";
import {
  S3V_MAX_TAG_KEY_LENGTH, S3V_MAX_TAG_VALUE_LENGTH, S3V_MAX_TAGS,
} from "./limits.ts";

export type Body = Readonly<Record<string, unknown>>;

function isPresent(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function missing(name: string): S3VectorsError {
  return fieldInvalid(`/${name}`, "failed to satisfy constraint: Member must not be null");
}

function typeError(path: string, what: string): S3VectorsError {
  return fieldInvalid(path, `failed to satisfy constraint: Member must be ${what}`);
}

/** Characters, as the service counts a string's length (code points). */
export function charLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

export function optionalString(body: Body, name: string, min: number, max: number): string | undefined {
  const value = body[name];
  if (!isPresent(value)) return undefined;
  if (typeof value !== "string") throw typeError(`/${name}`, "a string");
  const length = charLength(value);
  if (length < min || length > max) throw lengthInvalid(`/${name}`, length, min, max);
  return value;
}

export function requiredString(body: Body, name: string, min: number, max: number): string {
  if (!isPresent(body[name])) throw missing(name);
  return optionalString(body, name, min, max)!;
}

export function optionalBoolean(body: Body, name: string): boolean {
  const value = body[name];
  if (!isPresent(value)) return false;
  if (typeof value !== "boolean") throw typeError(`/${name}`, "a boolean");
  return value;
}

export function optionalInteger(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (!isPresent(value)) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw typeError(`/${name}`, "an integer");
  if (value < min || value > max) {
    throw fieldInvalid(`/${name}`, `failed to satisfy constraint: Member must be between ${min} and ${max}, inclusive`);
  }
  return value;
}

export function requiredInteger(body: Body, name: string, min: number, max: number): number {
  if (!isPresent(body[name])) throw missing(name);
  return optionalInteger(body, name, min, max)!;
}

export function optionalEnum<const V extends string>(body: Body, name: string, values: readonly V[]): V | undefined {
  const value = body[name];
  if (!isPresent(value)) return undefined;
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    throw fieldInvalid(`/${name}`, `failed to satisfy constraint: Member must satisfy enum value set: [${values.join(", ")}]`);
  }
  return value as V;
}

export function requiredEnum<const V extends string>(body: Body, name: string, values: readonly V[]): V {
  if (!isPresent(body[name])) throw missing(name);
  return optionalEnum(body, name, values)!;
}

export function optionalObject(body: Body, name: string): Record<string, unknown> | undefined {
  const value = body[name];
  if (!isPresent(value)) return undefined;
  if (typeof value !== "object" || Array.isArray(value)) throw typeError(`/${name}`, "an object");
  return value as Record<string, unknown>;
}

export function requiredArray(body: Body, name: string, min: number, max: number): unknown[] {
  const value = body[name];
  if (!isPresent(value)) throw missing(name);
  if (!Array.isArray(value)) throw typeError(`/${name}`, "a list");
  if (value.length < min || value.length > max) throw lengthInvalid(`/${name}`, value.length, min, max);
  return value;
}

export const INDEX_MODES = ["CLASSIC", "ENHANCED"] as const;
export type IndexMode = (typeof INDEX_MODES)[number];
export const DISTANCE_METRICS = ["euclidean", "cosine"] as const;
export const SSE_TYPES = ["AES256", "aws:kms"] as const;

const BUCKET_NAME = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const INDEX_NAME = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/;

/** A new bucket's name: 3-63 characters of a-z, 0-9 and "-", starting and ending with a letter or digit. */
export function checkNewBucketName(name: string, maxLength: number): void {
  if (name.length < 3 || name.length > maxLength) throw lengthInvalid("/vectorBucketName", name.length, 3, maxLength);
  if (!BUCKET_NAME.test(name)) throw validation("Invalid vector bucket name", "/vectorBucketName");
}

/** A new index's name: 3-63 characters of a-z, 0-9, "-" and ".", starting and ending with a letter or digit. */
export function checkNewIndexName(name: string, maxLength: number): void {
  if (name.length < 3 || name.length > maxLength) throw lengthInvalid("/indexName", name.length, 3, maxLength);
  if (!INDEX_NAME.test(name)) throw validation("Invalid index name", "/indexName");
}

const TAG_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** A tag map: at most 50 tags, keys 1-128 and values 0-256 characters of the allowed set, no `aws:` keys. */
export function readTags(value: unknown, path: string): Record<string, string> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw typeError(path, "a map of strings");
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > S3V_MAX_TAGS) throw validation(`A resource can have at most ${S3V_MAX_TAGS} tags; ${path} has ${entries.length}`, path);
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of entries) {
    const at = `${path}/${key}`;
    if (typeof tagValue !== "string") throw typeError(at, "a string");
    const keyLength = charLength(key);
    if (keyLength < 1 || keyLength > S3V_MAX_TAG_KEY_LENGTH) throw lengthInvalid(`${path} key`, keyLength, 1, S3V_MAX_TAG_KEY_LENGTH);
    if (charLength(tagValue) > S3V_MAX_TAG_VALUE_LENGTH) throw lengthInvalid(at, charLength(tagValue), 0, S3V_MAX_TAG_VALUE_LENGTH);
    if (!TAG_CHARS.test(key) || !TAG_CHARS.test(tagValue)) {
      throw validation(`Tag ${JSON.stringify(key)} has characters outside letters, digits, spaces and _.:/=+-@`, at);
    }
    if (key.toLowerCase().startsWith("aws:")) throw validation(`Tag keys starting with "aws:" are reserved: ${JSON.stringify(key)}`, at);
    tags[key] = tagValue;
  }
  return tags;
}

export interface EncryptionConfiguration {
  sseType: (typeof SSE_TYPES)[number];
  kmsKeyArn?: string;
}

/** `{sseType?, kmsKeyArn?}`; ossv encrypts nothing at rest itself, it keeps and reports the setting. */
export function readEncryption(body: Body): EncryptionConfiguration | undefined {
  const config = optionalObject(body, "encryptionConfiguration");
  if (config === undefined) return undefined;
  const sseType = optionalEnum(config, "sseType", SSE_TYPES) ?? "AES256";
  const kmsKeyArn = optionalString(config, "kmsKeyArn", 1, 2048);
  if (kmsKeyArn !== undefined && sseType !== "aws:kms") {
    throw validation("kmsKeyArn may only be given with sseType aws:kms", "/encryptionConfiguration/kmsKeyArn");
  }
  if (kmsKeyArn !== undefined && !/^arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:\d{12}:key\/.+$/.test(kmsKeyArn)) {
    throw validation("kmsKeyArn must be a KMS key ARN", "/encryptionConfiguration/kmsKeyArn");
  }
  return { sseType, ...(kmsKeyArn !== undefined && { kmsKeyArn }) };
}

/** `metadataConfiguration.nonFilterableMetadataKeys`: required inside it, 1-10 distinct keys of 1-63 characters. */
export function readNonFilterableKeys(body: Body, maxKeys: number, maxKeyLength: number): string[] {
  const config = optionalObject(body, "metadataConfiguration");
  if (config === undefined) return [];
  const keys = config["nonFilterableMetadataKeys"];
  const path = "/metadataConfiguration/nonFilterableMetadataKeys";
  if (!isPresent(keys)) throw fieldInvalid(path, "failed to satisfy constraint: Member must not be null");
  if (!Array.isArray(keys)) throw typeError(path, "a list");
  if (keys.length < 1 || keys.length > maxKeys) throw lengthInvalid(path, keys.length, 1, maxKeys);
  keys.forEach((key: unknown, i) => {
    if (typeof key !== "string") throw typeError(`${path}/${i}`, "a string");
    const length = charLength(key);
    if (length < 1 || length > maxKeyLength) throw lengthInvalid(`${path}/${i}`, length, 1, maxKeyLength);
    if (keys.indexOf(key) !== i) throw validation(`${JSON.stringify(key)} is listed twice`, `${path}/${i}`);
  });
  return [...(keys as string[])];
}
