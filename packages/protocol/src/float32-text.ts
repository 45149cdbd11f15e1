// Reading a JSON array of decimal numbers straight from bytes into float32 values: the server reads
// the vectors of a request body with it, and the CLI the vectors of a JSON Lines file.
//
// Written by hand because vectors are the bulk of both: a 500 x 128 PutVectors body holds 64,000
// numbers and a JSON Lines record of a 128-d embedding about 2.5 KB of 17-digit decimals. JSON.parse
// makes each a double in a JS array, to be copied to a Float32Array after; this reads a 128-d array
// in about 4.5 us with 9-digit numbers (as the SDK writes them) and 6 us with 17-digit ones, where
// JSON.parse of a JSON Lines line took 12 us. No npm package reads decimal text into float32.
//
// The result must be exactly what the general path gives, Math.fround(Number(text)), so that a value
// never depends on the path it took: see readFloat32 for how. Text that is not a plain JSON number,
// and values outside the float32 range, are refused and left to the general path (JSON.parse and
// the validators), which also words the errors.

/**
 * 10^0 .. 10^22: every one an exact double, so one multiply or divide by it rounds once. Parsed from
 * text, which is correctly rounded, rather than computed with `**`, which need not be.
 */
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_EXACT_POWER = EXACT_POWERS.length - 1;
/** Significant digits kept in the mantissa: any 15-digit integer (and one more) is an exact double. */
const KEPT_DIGITS = 15;

const SPACE = 0x20, TAB = 0x09, NEWLINE = 0x0a, RETURN = 0x0d, COMMA = 0x2c, MINUS = 0x2d, DOT = 0x2e, PLUS = 0x2b, ZERO = 0x30, NINE = 0x39;
const CLOSE = 0x5d, LOWER_E = 0x65, UPPER_E = 0x45;

/** What readFloat32Array read: how many values, and the index just after the closing bracket. */
export interface Float32ArrayText {
  count: number;
  end: number;
}

/**
 * Reads the JSON array that starts just after its "[" at `bytes[start]` into `out[at, limit)`, with
 * JSON's whitespace allowed around values. Undefined when the text is anything else or a value cannot
 * be read here (see readFloat32); null when the array holds more values than fit (a caller with room
 * to grow may try again). Either way the caller may take the general path.
 */
export function readFloat32Array(bytes: Uint8Array, start: number, out: Float32Array, at = 0, limit = out.length): Float32ArrayText | null | undefined {
  let i = skipWhitespace(bytes, start);
  if (bytes[i] === CLOSE) return { count: 0, end: i + 1 };
  let next = at;
  for (;;) {
    if (next === limit) return null;
    const value = readFloat32(bytes, i);
    if (value === undefined) return undefined;
    out[next++] = value;
    i = skipWhitespace(bytes, numberEnd);
    const c = bytes[i];
    if (c === CLOSE) return { count: next - at, end: i + 1 };
    if (c !== COMMA) return undefined;
    i = skipWhitespace(bytes, i + 1);
  }
}

function skipWhitespace(bytes: Uint8Array, from: number): number {
  let i = from;
  for (let c = bytes[i]; c === SPACE || c === NEWLINE || c === RETURN || c === TAB; c = bytes[++i]);
  return i;
}

/** Where the last number readFloat32 read ends: a module variable, so a read allocates nothing. */
let numberEnd = 0;

/**
 * The float32 nearest the double nearest the JSON number at `bytes[start]` (what Math.fround(Number(
 * text)) gives), or undefined when the text is not a JSON number or its float32 is not finite. Sets
 * numberEnd.
 *
 * The first 15 significant digits make an exact integer `mantissa` (below 2^53); the number is then
 * at least mantissa × 10^exponent and, when a later digit is not zero, less than (mantissa + 1) ×
 * 10^exponent. With |exponent| <= 22 each bound is one exact multiply or divide, so each is the
 * correctly rounded double of that bound; rounding to a double and then to a float32 never reverses
 * an order, so when both bounds become the same float32, the number does too. Otherwise (about one
 * number in 10^5 is that close to a float32 rounding boundary, and far exponents) Number() decides.
 */
function readFloat32(bytes: Uint8Array, start: number): number | undefined {
  let i = start;
  let c = bytes[i] as number; // past the end: undefined, which every comparison below rejects
  const negative = c === MINUS;
  if (negative) c = bytes[++i] as number;
  let mantissa = 0;
  let kept = 0;
  let exponent = 0;
  let droppedDigits = 0; // the OR of the digits after the kept ones: not 0 when one of them is not
  if (c === ZERO) c = bytes[++i] as number;
  else if (c > ZERO && c <= NINE) {
    do {
      if (kept < KEPT_DIGITS) {
        mantissa = mantissa * 10 + (c - ZERO);
        kept++;
      } else {
        droppedDigits |= c - ZERO;
        exponent++;
      }
      c = bytes[++i] as number;
    } while (c >= ZERO && c <= NINE);
  } else return undefined;
  if (c === DOT) {
    c = bytes[++i] as number;
    if (!(c >= ZERO && c <= NINE)) return undefined;
    if (kept === 0) {
      // Leading zeros of a fraction only move the exponent.
      const from = i;
      while (c === ZERO) c = bytes[++i] as number;
      exponent -= i - from;
    }
    // Kept digits, counted by how far `i` moved rather than by a counter per digit. (Reading four
    // digits at a time as one word measured only 5 % faster; not kept.)
    const from = i;
    const stop = i + (KEPT_DIGITS - kept);
    while (i < stop && c >= ZERO && c <= NINE) {
      mantissa = mantissa * 10 + (c - ZERO);
      c = bytes[++i] as number;
    }
    kept += i - from;
    exponent -= i - from;
    while (c >= ZERO && c <= NINE) {
      droppedDigits |= c - ZERO;
      c = bytes[++i] as number;
    }
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = bytes[++i] as number;
    const negativeExponent = c === MINUS;
    if (c === MINUS || c === PLUS) c = bytes[++i] as number;
    if (!(c >= ZERO && c <= NINE)) return undefined;
    let written = 0;
    do {
      if (written < 10_000) written = written * 10 + (c - ZERO);
      c = bytes[++i] as number;
    } while (c >= ZERO && c <= NINE);
    exponent += negativeExponent ? -written : written;
  }
  numberEnd = i;
  if (mantissa === 0) return negative ? -0 : 0;
  const magnitude = boundedFloat32(mantissa, exponent, droppedDigits !== 0) ?? Math.fround(Number(latin1(bytes, negative ? start + 1 : start, i)));
  if (!Number.isFinite(magnitude)) return undefined; // out of the float32 range: the general path words it
  return negative ? -magnitude : magnitude;
}

/**
 * fround(mantissa × 10^exponent), when the digits after the mantissa (`inexact`: some were not zero)
 * cannot move it to another float32; undefined when they might, or when the power is not exact.
 */
function boundedFloat32(mantissa: number, exponent: number, inexact: boolean): number | undefined {
  if (exponent < -MAX_EXACT_POWER || exponent > MAX_EXACT_POWER) return undefined;
  const power = EXACT_POWERS[exponent < 0 ? -exponent : exponent] as number;
  const below = Math.fround(exponent < 0 ? mantissa / power : mantissa * power);
  if (!inexact) return below;
  const above = Math.fround(exponent < 0 ? (mantissa + 1) / power : (mantissa + 1) * power);
  return above === below ? below : undefined;
}

/** The text of bytes[start, end), which are ASCII here: the digits of one number. */
function latin1(bytes: Uint8Array, start: number, end: number): string {
  let text = "";
  for (let i = start; i < end; i++) text += String.fromCharCode(bytes[i] as number);
  return text;
}
