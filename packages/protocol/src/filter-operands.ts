// Operand checks shared by the two filter dialects (filter.ts for OSS Vectors, s3vectors/filter.ts for
// S3 Vectors): both take the same JSON value types, and both describe a wrong one the same way.
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isFilterScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

/** A JSON value's kind, for error messages: "null", "an array", "the number 5", "a string", ... */
export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") return `the number ${value}`;
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
