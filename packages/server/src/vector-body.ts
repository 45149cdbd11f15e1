// Parsing a JSON body whose bulk is vectors: PutVectors' `vectors[i].data.float32` and QueryVectors'
// `queryVector.float32`. A light scan finds those arrays, float32-lift.ts reads them, and JSON.parse
// reads the rest with a placeholder string where each array stood. The placeholders are then swapped
// for the Float32Arrays, which the validators take as they take number arrays.
//
// The result equals JSON.parse followed by float32 rounding: an array is lifted only when it is a
// well-formed array of finite float32 numbers, and one JSON value is replaced by another, so the
// rest is valid exactly when the body is. When the rest does not parse, the body itself is parsed
// again so that the error describes what the client sent.
import { randomBytes } from "node:crypto";
import { liftFloat32Array } from "./float32-lift.ts";

/**
 * Placeholders carry a random per-process tag, so no client can write one into its body; the NUL in
 * front keeps them from looking like anything a client would send anyway.
 */
const PLACEHOLDER_PREFIX = `\u0000ossv-float32-${randomBytes(8).toString("hex")}-`;

/** Where a container sits in the body: only the marked places hold liftable arrays. */
const enum Place { Other, Root, VectorList, VectorItem, VectorData, QueryVector }

// Byte values as plain constants: tsx compiles a const enum to an object looked up at run time.
const QUOTE = 34;
const COMMA = 44;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

interface Frame {
  object: boolean;
  place: Place;
  /** The object's key whose value comes next; null when escaped (never one of ours). */
  key: string | null;
}

/** The place of a container that opens at a value position inside `parent`. */
function placeOf(parent: Frame | undefined, object: boolean): Place {
  if (!parent) return object ? Place.Root : Place.Other;
  if (!parent.object) return parent.place === Place.VectorList && object ? Place.VectorItem : Place.Other;
  if (parent.place === Place.Root && parent.key === "vectors") return object ? Place.Other : Place.VectorList;
  if (parent.place === Place.Root && parent.key === "queryVector" && object) return Place.QueryVector;
  if (parent.place === Place.VectorItem && parent.key === "data" && object) return Place.VectorData;
  return Place.Other;
}

function holdsFloat32(frame: Frame | undefined): boolean {
  return frame !== undefined && frame.object && frame.key === "float32" &&
    (frame.place === Place.VectorData || frame.place === Place.QueryVector);
}

/** The index after the string whose opening quote is at `open`; -1 when it never closes. */
function stringEnd(bytes: Uint8Array, open: number): number {
  for (let i = open + 1; i < bytes.length; i++) {
    const byte = bytes[i];
    if (byte === BACKSLASH) i++;
    else if (byte === QUOTE) return i + 1;
  }
  return -1;
}

function keyText(bytes: Uint8Array, open: number, end: number): string | null {
  let text = "";
  for (let i = open + 1; i < end - 1; i++) {
    const byte = bytes[i] as number;
    if (byte === BACKSLASH || byte >= 0x80) return null;
    text += String.fromCharCode(byte);
  }
  return text;
}

interface Lift {
  start: number;
  end: number;
  values: Float32Array;
}

/** The vector arrays of the body, in order; empty when there are none or the scan gives up. */
function findVectorArrays(bytes: Uint8Array): Lift[] {
  const lifts: Lift[] = [];
  const stack: Frame[] = [];
  let expectKey = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    const top = stack[stack.length - 1];
    if (byte === QUOTE) {
      const end = stringEnd(bytes, i);
      if (end < 0) return [];
      if (expectKey && top) { top.key = keyText(bytes, i, end); expectKey = false; }
      i = end - 1;
    } else if (byte === OPEN_BRACKET && holdsFloat32(top)) {
      const lifted = liftFloat32Array(bytes, i);
      if (lifted) { lifts.push({ start: i, end: lifted.end, values: lifted.values }); i = lifted.end - 1; }
      else stack.push({ object: false, place: Place.Other, key: null });
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      const object = byte === OPEN_BRACE;
      stack.push({ object, place: placeOf(top, object), key: null });
      expectKey = object;
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      stack.pop();
      expectKey = false;
    } else if (byte === COMMA) {
      expectKey = top?.object ?? false;
    }
  }
  return lifts;
}

/** The body with each lifted array replaced by a placeholder string naming its position. */
function withPlaceholders(bytes: Uint8Array, lifts: readonly Lift[]): string {
  const parts: Buffer[] = [];
  let from = 0;
  lifts.forEach((lift, n) => {
    parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + from, lift.start - from));
    parts.push(Buffer.from(JSON.stringify(PLACEHOLDER_PREFIX + n)));
    from = lift.end;
  });
  parts.push(Buffer.from(bytes.buffer, bytes.byteOffset + from, bytes.length - from));
  return Buffer.concat(parts).toString("utf8");
}

function swapIn(holder: unknown, lifts: readonly Lift[]): void {
  if (holder === null || typeof holder !== "object") return;
  const value = (holder as Record<string, unknown>)["float32"];
  if (typeof value !== "string" || !value.startsWith(PLACEHOLDER_PREFIX)) return;
  (holder as Record<string, unknown>)["float32"] = lifts[Number(value.slice(PLACEHOLDER_PREFIX.length))]?.values;
}

/** Puts the lifted arrays back at the only places the scan lifts from. */
function restoreVectorArrays(parsed: unknown, lifts: readonly Lift[]): void {
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return;
  const body = parsed as Record<string, unknown>;
  swapIn(body["queryVector"], lifts);
  const vectors = body["vectors"];
  if (!Array.isArray(vectors)) return;
  for (const item of vectors) {
    if (item !== null && typeof item === "object" && !Array.isArray(item)) swapIn((item as Record<string, unknown>)["data"], lifts);
  }
}

/**
 * JSON.parse of the body, with the vector arrays as Float32Arrays when that is quicker. Throws
 * JSON.parse's own SyntaxError for malformed bodies.
 */
export function parseVectorBody(bytes: Uint8Array): unknown {
  const lifts = findVectorArrays(bytes);
  if (lifts.length === 0) return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"));
  let parsed: unknown;
  try {
    parsed = JSON.parse(withPlaceholders(bytes, lifts));
  } catch {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("utf8"));
  }
  restoreVectorArrays(parsed, lifts);
  return parsed;
}
