// Reading the float arrays of a vector body without JSON.parse.
//
// A 500 × 128 PutVectors body holds 64k numbers, and clients that start from float32 data send each
// one with 17 significant digits, V8's slowest path for numbers: JSON.parse takes about 8 ms for
// such a body on the bench machine (this reader 5 ms), and the server then rounds every value to
// float32 anyway. Here a number goes straight to float32, and the result is always exactly
// Math.fround(Number(text)): when the quick arithmetic could land on the other side of a float32
// rounding boundary, the number is parsed by Number().

/** Significant digits kept; later ones are dropped, and counted in the error bound below. */
const MAX_DIGITS = 19;
/** The first digits accumulate as a small integer, the fast path in V8; the rest separately. */
const HIGH_DIGITS = 9;
/** Powers of ten a double holds exactly; m × 10^k is then one rounding step. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/**
 * A bound on the relative error of the quick value: joining the high and low digits (two roundings),
 * the dropped digits' share (< 10^-18) and the scaling (one rounding), each under 2^-53; 2^-48
 * leaves a wide margin.
 */
const ERROR_BOUND = 2 ** -48;
/** Below this a float32 is subnormal, where its spacing is no longer relative: Number() decides. */
const MIN_NORMAL_FLOAT32 = 2 ** -126;

// Byte values as plain constants: tsx compiles a const enum to an object looked up at run time.
const TAB = 9;
const NEWLINE = 10;
const RETURN = 13;
const SPACE = 32;
const PLUS = 43;
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const UPPER_E = 69;
const CLOSE_BRACKET = 93;
const LOWER_E = 101;

/** The float32 value of a number just read, and the index after it. */
interface NumberRead {
  value: number;
  end: number;
}

const read: NumberRead = { value: 0, end: 0 };

function skipWhitespace(bytes: Uint8Array, at: number): number {
  let i = at;
  for (;;) {
    const byte = bytes[i];
    if (byte !== SPACE && byte !== NEWLINE && byte !== RETURN && byte !== TAB) return i;
    i++;
  }
}

/**
 * Reads one JSON number at `start` into `read` as float32. False when the bytes are not a JSON
 * number (the caller then leaves the array to JSON.parse, whose error message is the one users see).
 * One loop with locals: this runs for every value of every vector.
 */
function readNumber(bytes: Uint8Array, start: number): boolean {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  // The first HIGH_DIGITS significant digits, then up to MAX_DIGITS in `low`; `exponent` scales them.
  let high = 0, low = 0, lowCount = 0, count = 0, exponent = 0;
  let digit = (bytes[i] as number) - ZERO;
  if (digit === 0) digit = (bytes[++i] as number) - ZERO;
  else if (digit > 0 && digit <= 9) {
    do {
      if (count < HIGH_DIGITS) { high = high * 10 + digit; count++; }
      else if (count < MAX_DIGITS) { low = low * 10 + digit; lowCount++; count++; }
      else exponent++;
      digit = (bytes[++i] as number) - ZERO;
    } while (digit >= 0 && digit <= 9);
  } else return false;
  if (bytes[i] === DOT) {
    digit = (bytes[++i] as number) - ZERO;
    if (!(digit >= 0 && digit <= 9)) return false;
    do {
      // Each kept fraction digit moves the exponent down; leading zeros are not significant.
      if (count === 0 && digit === 0) exponent--;
      else if (count < HIGH_DIGITS) { high = high * 10 + digit; count++; exponent--; }
      else if (count < MAX_DIGITS) { low = low * 10 + digit; lowCount++; count++; exponent--; }
      digit = (bytes[++i] as number) - ZERO;
    } while (digit >= 0 && digit <= 9);
  }
  if (bytes[i] === LOWER_E || bytes[i] === UPPER_E) {
    i = readExponent(bytes, i + 1);
    if (i < 0) return false;
    exponent += exponentRead;
  }
  read.end = i;
  const mantissa = lowCount === 0 ? high : high * (EXACT_POWERS[lowCount] as number) + low;
  const magnitude = quickFloat32(mantissa, exponent) ?? Math.fround(Number(latin1(bytes, negative ? start + 1 : start, i)));
  read.value = negative ? -magnitude : magnitude;
  return true;
}

let exponentRead = 0;

/** Reads an exponent's sign and digits (after the `e`) into `exponentRead`; the index after it, or -1. */
function readExponent(bytes: Uint8Array, at: number): number {
  let i = at;
  const sign = bytes[i] === MINUS ? -1 : 1;
  if (bytes[i] === MINUS || bytes[i] === PLUS) i++;
  const first = i;
  let written = 0;
  for (let digit = (bytes[i] as number) - ZERO; digit >= 0 && digit <= 9; digit = (bytes[++i] as number) - ZERO) {
    if (written < 100_000) written = written * 10 + digit; // far past any float; Number() decides there
  }
  exponentRead = sign * written;
  return i === first ? -1 : i;
}

/** fround(m × 10^e) when the quick arithmetic is sure of it; undefined when Number() must decide. */
function quickFloat32(mantissa: number, exponent: number): number | undefined {
  if (mantissa === 0) return 0;
  if (exponent > 22 || exponent < -22) return undefined;
  const value = exponent >= 0 ? mantissa * (EXACT_POWERS[exponent] as number) : mantissa / (EXACT_POWERS[-exponent] as number);
  if (value < MIN_NORMAL_FLOAT32) return undefined;
  const rounded = Math.fround(value);
  // Every value within the error bound rounds the same way, so the exact decimal does too.
  if (Math.fround(value * (1 - ERROR_BOUND)) !== rounded || Math.fround(value * (1 + ERROR_BOUND)) !== rounded) return undefined;
  return rounded;
}

function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}

let scratch: Float32Array<ArrayBuffer> = new Float32Array(1024);

/** An array of numbers lifted from the body, and the index just after its closing bracket. */
export interface LiftedArray {
  values: Float32Array;
  end: number;
}

/**
 * Reads the JSON array opening at `open` (a `[`) as float32 values. Undefined unless it is a
 * non-empty array of numbers whose float32 values are all finite: anything else is left for
 * JSON.parse and the validators, so that errors read the same either way.
 */
export function liftFloat32Array(bytes: Uint8Array, open: number): LiftedArray | undefined {
  let count = 0;
  let i = skipWhitespace(bytes, open + 1);
  if (bytes[i] === CLOSE_BRACKET) return undefined;
  for (;;) {
    if (!readNumber(bytes, i) || !Number.isFinite(read.value)) return undefined;
    if (count === scratch.length) scratch = growFrom(scratch);
    scratch[count++] = read.value;
    i = skipWhitespace(bytes, read.end);
    const byte = bytes[i];
    if (byte === CLOSE_BRACKET) return { values: scratch.slice(0, count), end: i + 1 };
    if (byte !== COMMA) return undefined;
    i = skipWhitespace(bytes, i + 1);
  }
}

function growFrom(old: Float32Array): Float32Array<ArrayBuffer> {
  const grown = new Float32Array(old.length * 2);
  grown.set(old);
  return grown;
}
