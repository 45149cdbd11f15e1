// What each write stores. Every put in a run gets a unique write id, and its vector and metadata are a
// pure function of that id, so any vector read back names the write it came from (metadata `w`) and
// can be compared bit for bit with what that write sent.
import { seededRandom } from "../../../packages/engine/src/base/seeded-random.mjs";

export const DIMENSION = 8;

export interface WriteMetadata {
  /** The write id: which put this vector came from. */
  w: number;
  /** One of GROUPS groups, for filtered queries. */
  group: number;
  /** A string too, so metadata round trips are not only numbers. */
  note: string;
}

export function keyName(keyNumber: number): string {
  return `key-${String(keyNumber).padStart(5, "0")}`;
}

/**
 * The vector of write `writeId`: signs, mantissas and binary exponents from -20 to 20 all vary, so a
 * value that lost bits on the way (a decimal rounding, a float64 round trip) shows up. The range keeps
 * euclidean distances finite.
 */
export function writeVector(writeId: number): Float32Array {
  const random = seededRandom(writeId * 2654435761);
  const vector = new Float32Array(DIMENSION);
  for (let i = 0; i < DIMENSION; i++) {
    const sign = random() < 0.5 ? -1 : 1;
    const exponent = Math.floor(random() * 41) - 20;
    vector[i] = sign * (1 + random()) * 2 ** exponent;
  }
  return vector;
}

export const GROUPS = 4;

export function writeMetadata(writeId: number): WriteMetadata {
  return { w: writeId, group: writeId % GROUPS, note: `write ${writeId}: ünïcode too` };
}

/**
 * True when `values` (the decimals a client decoded, which name float32 values in the shortest digits
 * that round back to them) round to exactly the float32 bits of `expected`.
 */
export function sameFloat32Bits(values: readonly number[], expected: Float32Array): boolean {
  if (values.length !== expected.length) return false;
  const received = new Uint32Array(Float32Array.from(values).buffer);
  const sent = new Uint32Array(Float32Array.from(expected).buffer);
  return received.every((bits, i) => bits === sent[i]);
}

/** Euclidean distance as float64 over float32 components, to judge the distance a query reports. */
export function euclidean(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] as number) - (b[i] as number)) ** 2;
  return Math.sqrt(sum);
}
