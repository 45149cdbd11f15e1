// JSON in and out. Bodies are written with object keys sorted (what the Go SDK's map encoding
// produces) so a given request always has the same bytes, Content-MD5 and signature; responses are
// read tolerating key-case differences, as the Go and Python SDKs do (docs/protocol.md#responses).

import { ByteWriter } from "./float32-decimal.ts";

export type JsonObject = Record<string, unknown>;

/**
 * Compact JSON as UTF-8, object keys sorted and `undefined` members dropped. A Float32Array is
 * written as float32 values (float32-decimal.ts); other typed arrays as arrays of their numbers.
 */
export function encodeJson(value: unknown): Uint8Array {
  const writer = new ByteWriter();
  writeValue(writer, value);
  return writer.result();
}

function writeValue(writer: ByteWriter, value: unknown): void {
  if (value instanceof Float32Array) writer.float32List(value);
  else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) writeValue(writer, Array.from(value as unknown as ArrayLike<number>));
  else if (Array.isArray(value)) writeArray(writer, value);
  else if (value !== null && typeof value === "object") writeObject(writer, value as JsonObject);
  else writer.text(JSON.stringify(value) ?? "null"); // as in an array, where JSON.stringify writes null
}

function writeArray(writer: ByteWriter, items: readonly unknown[]): void {
  writer.byte(0x5b); // [
  items.forEach((item, i) => {
    if (i > 0) writer.byte(0x2c); // ,
    writeValue(writer, item);
  });
  writer.byte(0x5d); // ]
}

function writeObject(writer: ByteWriter, object: JsonObject): void {
  writer.byte(0x7b); // {
  let first = true;
  for (const key of Object.keys(object).sort()) {
    const member = object[key];
    if (member === undefined || typeof member === "function" || typeof member === "symbol") continue;
    if (!first) writer.byte(0x2c);
    first = false;
    writer.text(JSON.stringify(key));
    writer.byte(0x3a); // :
    writeValue(writer, member);
  }
  writer.byte(0x7d); // }
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `object[name]`, or the member whose name matches case-insensitively. */
export function readField(object: unknown, name: string): unknown {
  if (!isJsonObject(object)) return undefined;
  if (Object.hasOwn(object, name)) return object[name];
  // Answers read many absent members (no data, no metadata): compare only names of the same length,
  // so a miss allocates nothing.
  let lower: string | undefined;
  for (const key in object) {
    if (key.length !== name.length || !Object.hasOwn(object, key)) continue;
    lower ??= name.toLowerCase();
    if (key.toLowerCase() === lower) return object[key];
  }
  return undefined;
}

export function readString(object: unknown, name: string): string | undefined {
  const value = readField(object, name);
  if (value === undefined || value === null) return undefined;
  // Lenient on purpose: a number or boolean where a string belongs reads as its text.
  // eslint-disable-next-line @typescript-eslint/no-base-to-string
  return typeof value === "string" ? value : String(value);
}

export function readNumber(object: unknown, name: string): number | undefined {
  const value = readField(object, name);
  if (typeof value === "number") return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function readBoolean(object: unknown, name: string): boolean | undefined {
  const value = readField(object, name);
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "false") return value === "true";
  return undefined;
}

export function readArray(object: unknown, name: string): unknown[] {
  const value = readField(object, name);
  return Array.isArray(value) ? value : [];
}

/**
 * A shallow copy in which members whose names match one of `canonicalNames` case-insensitively are
 * renamed to that spelling; other members are kept as they came.
 */
export function withCanonicalKeys(object: JsonObject, canonicalNames: readonly string[]): JsonObject {
  const byLower = new Map(canonicalNames.map((name) => [name.toLowerCase(), name]));
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const canonical = byLower.get(key.toLowerCase()) ?? key;
    if (!(canonical in out) || canonical === key) out[canonical] = value;
  }
  return out;
}

/** Drops members whose value is `undefined`, so results do not show keys the wire did not send. */
export function compact<T extends object>(object: T): T {
  for (const key of Object.keys(object) as (keyof T)[]) {
    if (object[key] === undefined) delete object[key];
  }
  return object;
}
