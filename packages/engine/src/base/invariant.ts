// invariant(): the engine's assumptions, checked. A failed one is a bug in ossv, never the client's
// mistake, so it throws a plain Error (the server answers 500 and logs it) whose message carries the
// values involved, instead of a cast that lets an `undefined` travel on and fail somewhere else.

export class InvariantError extends Error {
  override name = "InvariantError";
}

export function invariant(condition: unknown, message: string, values?: Record<string, unknown>): asserts condition {
  if (condition) return;
  throw new InvariantError(values === undefined ? message : `${message} (${describeValues(values)})`);
}

function describeValues(values: Record<string, unknown>): string {
  return Object.entries(values).map(([name, value]) => `${name}=${describeValue(value)}`).join(", ");
}

function describeValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === "bigint") return `${value}n`;
  if (value === undefined || value === null || typeof value !== "object") return String(value);
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? `${text.slice(0, 120)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
