// JSON in and out. Bodies are written with object keys sorted (what the Go SDK's map encoding
// produces) so a given request always has the same bytes, Content-MD5 and signature; responses are
// read tolerating key-case differences, as the Go and Python SDKs do (spec §2.3).

export type JsonObject = Record<string, unknown>;

/** Compact JSON with object keys sorted and `undefined` members dropped; typed arrays as arrays. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: JsonObject = {};
  for (const key of Object.keys(value).sort()) {
    const member = (value as JsonObject)[key];
    if (member !== undefined) sorted[key] = sortKeys(member);
  }
  return sorted;
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `object[name]`, or the member whose name matches case-insensitively. */
export function readField(object: unknown, name: string): unknown {
  if (!isJsonObject(object)) return undefined;
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

export function readString(object: unknown, name: string): string | undefined {
  const value = readField(object, name);
  if (value === undefined || value === null) return undefined;
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
