// What the CLI's commands read from files and flags: text, JSON, vectors and objects, each refused
// with a usage error (exit 2) that names the flag or file it came from.
import { readFileSync } from "node:fs";
import { UsageError } from "./connection.ts";

export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function jsonObject(value: unknown, what: string): Record<string, unknown> {
  if (!isJsonObject(value)) throw new UsageError(`${what} must be a JSON object`);
  return value;
}

/** A vector's components: a JSON array of finite numbers, or the wire form `{"float32": [...]}`. */
export function numbers(value: unknown, what: string): number[] {
  const components = isJsonObject(value) && "float32" in value ? value["float32"] : value;
  if (!Array.isArray(components) || components.length === 0 || !components.every((n) => typeof n === "number" && Number.isFinite(n))) {
    throw new UsageError(`${what} must be a non-empty JSON array of numbers`);
  }
  return components as number[];
}
