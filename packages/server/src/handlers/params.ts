// Reading typed fields out of a JSON body or the query string, refusing with the OSS code that names
// the field: MissingArgument when a required one is absent, VectorIndexParameterInvalid otherwise.
import { ApiError } from "@ossv/protocol";

type Body = Record<string, unknown>;

export function requiredField(body: Body, name: string): unknown {
  const value = body[name];
  if (value === undefined || value === null) throw new ApiError("MissingArgument", `Missing required field "${name}".`);
  return value;
}

export function requiredString(body: Body, name: string): string {
  const value = requiredField(body, name);
  if (typeof value !== "string") throw invalid(`"${name}" must be a string.`);
  return value;
}

export function optionalString(body: Body, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`"${name}" must be a string.`);
  return value;
}

export function optionalBoolean(body: Body, name: string): boolean {
  const value = body[name];
  if (value === undefined || value === null) return false;
  if (typeof value !== "boolean") throw invalid(`"${name}" must be true or false.`);
  return value;
}

export function optionalInteger(body: Body, name: string, min: number, max: number): number | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  return checkInteger(value, name, min, max);
}

export function checkInteger(value: unknown, name: string, min: number, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`"${name}" must be an integer from ${min} to ${max}.`);
  }
  return value;
}

export function requiredArray(body: Body, name: string, min: number, max: number): unknown[] {
  const value = requiredField(body, name);
  if (!Array.isArray(value)) throw invalid(`"${name}" must be an array.`);
  if (value.length < min || value.length > max) {
    throw invalid(`"${name}" must have ${min} to ${max} items; it has ${value.length}.`);
  }
  return value;
}

export function invalid(message: string): ApiError {
  return new ApiError("VectorIndexParameterInvalid", message);
}
