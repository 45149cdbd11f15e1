// Writing float32 values as JSON numbers with at most 9 significant digits.
//
// A Float32Array's values read back as doubles, and JSON.stringify writes a double with up to 17
// digits (0.1f is 0.10000000149011612). Nine significant digits always identify a float32 (the
// 9-digit grid is finer than half a float32 step), so the server recovers the same float32 from a
// body about 40 % smaller, and writing it takes half the time of JSON.stringify. Trailing zeros are
// dropped, so a value that is short as a double (0.5) stays short.

/** 10^k for k in [POWER_OFFSET_MIN, 56], as JavaScript parses `1ek` (correctly rounded). */
const POWER_OFFSET_MIN = -32;
const POWERS = Array.from({ length: 56 - POWER_OFFSET_MIN + 1 }, (_, i) => Number(`1e${i + POWER_OFFSET_MIN}`));
const power10 = (k: number): number => POWERS[k - POWER_OFFSET_MIN] as number;
const LOG10_2 = Math.log10(2);
const SIGNIFICANT = 9;
/** Scaled magnitudes at or above this round to 10^9 and need one more decimal exponent. */
const TOO_MANY_DIGITS = 999_999_999.5;
const TOO_FEW_DIGITS = 99_999_999.5;

const ZERO = 48, DOT = 46, MINUS = 45, PLUS = 43, LOWER_E = 101;

// The binary exponent of a float32 gives its decimal exponent to within one.
const bitsAsFloat = new Float32Array(1);
const bitsAsInt = new Uint32Array(bitsAsFloat.buffer);
const digitBytes = new Uint8Array(SIGNIFICANT);
/** "00" to "99" as byte pairs: two digits per division when writing a number's digits. */
const DIGIT_PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? Math.floor(i / 20) : (i >> 1) % 10));

/** A growable byte buffer that JSON text is written into. */
export class ByteWriter {
  private bytes = new Uint8Array(4096);
  private length = 0;
  private readonly encoder = new TextEncoder();

  /** Room for `count` more bytes. */
  reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.length + count) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  text(value: string): void {
    this.reserve(value.length * 3); // the most UTF-8 bytes per UTF-16 unit
    this.length += this.encoder.encodeInto(value, this.bytes.subarray(this.length)).written;
  }

  /** `[v0,v1,...]` with each value written by writeFloat32. */
  float32List(values: Float32Array): void {
    this.reserve(2 + values.length * (1 + MAX_FLOAT32_BYTES)); // brackets, and a comma and a value each
    this.bytes[this.length++] = 0x5b; // [
    for (let i = 0; i < values.length; i++) {
      if (i > 0) this.bytes[this.length++] = 0x2c; // ,
      this.length = writeFloat32(this.bytes, this.length, values[i] as number);
    }
    this.bytes[this.length++] = 0x5d; // ]
  }

  /** The bytes written, in a buffer of their own. */
  result(): Uint8Array {
    return this.bytes.slice(0, this.length);
  }
}

/**
 * The longest value writeFloat32 writes: a sign and the 21 digits of a value just under 1e21, which
 * is written without an exponent as JavaScript does (-123456790000000000000).
 */
export const MAX_FLOAT32_BYTES = 22;

/**
 * Writes a float32 value at `at` (at most MAX_FLOAT32_BYTES) and returns the index after it. Non-finite
 * values are written as `null`, as JSON.stringify does; the caller's validation refuses them first.
 */
export function writeFloat32(out: Uint8Array, at: number, value: number): number {
  let i = at;
  if (value === 0 || !Number.isFinite(value)) {
    if (value === 0) out[i++] = ZERO;
    else for (const byte of [110, 117, 108, 108]) out[i++] = byte; // null
    return i;
  }
  let magnitude = value;
  if (value < 0) {
    out[i++] = MINUS;
    magnitude = -value;
  }
  bitsAsFloat[0] = magnitude;
  let exponent = Math.floor((((bitsAsInt[0] as number) >>> 23) - 127) * LOG10_2);
  let scaled = magnitude * power10(SIGNIFICANT - 1 - exponent);
  // The estimate is at most one low for normal values; subnormals (biased exponent 0) may be high.
  while (scaled >= TOO_MANY_DIGITS) scaled = magnitude * power10(SIGNIFICANT - 1 - ++exponent);
  while (scaled < TOO_FEW_DIGITS) scaled = magnitude * power10(SIGNIFICANT - 1 - --exponent);
  // At most 999,999,999: small-integer arithmetic from here on, which V8 keeps out of float division.
  let digits = Math.round(scaled) | 0;
  let count = SIGNIFICANT;
  for (let tenth = (digits / 10) | 0; digits === tenth * 10; tenth = (digits / 10) | 0) {
    digits = tenth;
    count--;
  }
  return writeDecimal(out, i, digits, count, exponent);
}

/** Spreads the `count` digits of `digits` into digitBytes, for the layouts that split them. */
function spreadDigits(digits: number, count: number): void {
  let rest = digits;
  for (let d = count - 1; d >= 0; d--) {
    const tenth = (rest / 10) | 0;
    digitBytes[d] = ZERO + rest - tenth * 10;
    rest = tenth;
  }
}

/** Writes the `count` digits of `digits` (which has exactly that many) at `at`, two at a time from the end. */
function writeDigits(out: Uint8Array, at: number, digits: number, count: number): number {
  let rest = digits;
  let p = at + count;
  while (rest >= 100) {
    const hundredth = (rest / 100) | 0;
    const pair = (rest - hundredth * 100) << 1;
    out[--p] = DIGIT_PAIRS[pair + 1] as number;
    out[--p] = DIGIT_PAIRS[pair] as number;
    rest = hundredth;
  }
  if (rest >= 10) {
    out[--p] = DIGIT_PAIRS[(rest << 1) + 1] as number;
    out[--p] = DIGIT_PAIRS[rest << 1] as number;
  } else {
    out[--p] = ZERO + rest;
  }
  return at + count;
}

/**
 * Places the decimal point (or an exponent) as JavaScript would for a number this size, given its
 * `count` significant digits as the integer `digits` and its decimal exponent.
 */
function writeDecimal(out: Uint8Array, at: number, digits: number, count: number, exponent: number): number {
  let i = at;
  // The common case for embeddings, |value| in [1e-6, 1): "0.", the zeros after the point, the digits
  // written straight from the integer.
  if (exponent < 0 && exponent >= -6) {
    out[i++] = ZERO;
    out[i++] = DOT;
    for (let z = -1; z > exponent; z--) out[i++] = ZERO;
    return writeDigits(out, i, digits, count);
  }
  spreadDigits(digits, count);
  if (exponent >= 0 && exponent < 21) {
    const whole = exponent + 1;
    for (let d = 0; d < whole; d++) out[i++] = d < count ? (digitBytes[d] as number) : ZERO;
    if (count > whole) {
      out[i++] = DOT;
      for (let d = whole; d < count; d++) out[i++] = digitBytes[d] as number;
    }
  } else {
    out[i++] = digitBytes[0] as number;
    if (count > 1) {
      out[i++] = DOT;
      for (let d = 1; d < count; d++) out[i++] = digitBytes[d] as number;
    }
    out[i++] = LOWER_E;
    out[i++] = exponent > 0 ? PLUS : MINUS;
    const size = Math.abs(exponent);
    if (size >= 10) out[i++] = ZERO + Math.floor(size / 10);
    out[i++] = ZERO + (size % 10);
  }
  return i;
}
