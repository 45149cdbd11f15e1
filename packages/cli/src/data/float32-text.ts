// Reading a JSON array of decimal numbers straight from bytes into float32 values.
//
// Written by hand because reading is the largest part of an import's own CPU: a JSON Lines record of
// a 128-d embedding is about 2.5 KB of 17-digit decimals. On the bench's data set, in isolation,
// JSON.parse of a line (the decimals become doubles in a JS array, copied to a Float32Array after)
// took 12 us, this scan of its array 5.5 us, and the whole fast path of jsonl-vector-member.ts 7.5 us.
// No npm package reads decimal text into float32.
//
// The result must be exactly what the general path gives, Math.fround(Number(text)), so an import
// stays bit-exact. Up to 18 significant digits are gathered as two exact integers and scaled by one
// exact power of ten or a few; that double is within a few units in the last place of the correctly
// rounded one, so wherever both ends of that error band round to the same float32, so does the true value.
// Everything else (more digits, far exponents, values at a float32 rounding boundary, subnormal or
// overflowing values, any text that is not a plain JSON number) is refused and left to the general
// path, which also words the errors.

/**
 * 10^0 .. 10^22: every one an exact double, so one multiply or divide by it rounds once. Parsed from
 * text, which is correctly rounded, rather than computed with `**`, which need not be.
 */
const EXACT_POWERS = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));
const MAX_EXACT_POWER = EXACT_POWERS.length - 1;
/** Integers up to here are exact doubles, so mantissas below it make a correctly rounded quotient. */
const EXACT_INTEGERS = 2 ** 53;
/**
 * The mantissa-and-scale double is within 6 units in the last place of the true value (two roundings
 * making the mantissa, at most four scaling steps); 2^-48 is 16 to 32 of them.
 */
const BAND_UP = 1 + 2 ** -48;
const BAND_DOWN = 1 - 2 ** -48;
/** Decimal exponents past these make a value far outside float32 whatever its 18 digits. */
const MAX_EXPONENT = 80;
const SMALLEST_NORMAL_FLOAT32 = 2 ** -126;
const LARGEST_FLOAT32 = 3.4028234663852886e38;
/** Digits gathered in each of the two integers (9 keeps each below 2^31 for int32 arithmetic). */
const DIGITS_PER_PART = 9;

const SPACE = 0x20, COMMA = 0x2c, MINUS = 0x2d, DOT = 0x2e, PLUS = 0x2b, ZERO = 0x30, NINE = 0x39;
const CLOSE = 0x5d, LOWER_E = 0x65, UPPER_E = 0x45;

/** What readFloat32Array read: how many values, and the index just after the closing bracket. */
export interface Float32ArrayText {
  count: number;
  end: number;
}

/**
 * Reads the JSON array that starts just after its "[" at `bytes[start]` into `out` (from index 0),
 * with spaces allowed around values. Undefined when the text is anything else, when a value cannot be
 * converted here for certain, or when `out` is too short; the caller then takes the general path.
 */
export function readFloat32Array(bytes: Uint8Array, start: number, out: Float32Array): Float32ArrayText | undefined {
  let i = start;
  let c = bytes[i];
  while (c === SPACE) c = bytes[++i];
  if (c === CLOSE) return { count: 0, end: i + 1 };
  let count = 0;
  for (;;) {
    if (count === out.length) return undefined;
    const value = readFloat32(bytes, i);
    if (value === undefined) return undefined;
    out[count++] = value;
    i = numberEnd;
    c = bytes[i];
    while (c === SPACE) c = bytes[++i];
    if (c === CLOSE) return { count, end: i + 1 };
    if (c !== COMMA) return undefined;
    c = bytes[++i];
    while (c === SPACE) c = bytes[++i];
  }
}

/** Where the last number readFloat32 read ends: a module variable, so a read allocates nothing. */
let numberEnd = 0;

/**
 * The float32 nearest the double nearest the JSON number at `bytes[start]` (what Math.fround(Number(
 * text)) gives), or undefined (see the file's comment). Sets numberEnd.
 */
function readFloat32(bytes: Uint8Array, start: number): number | undefined {
  let i = start;
  let c = bytes[i];
  const negative = c === MINUS;
  if (negative) c = bytes[++i];
  // Significant digits: the first 9 in `high`, the next 9 in `low`; past 18, zeros only scale and
  // anything else is refused. (The integer and fraction loops repeat this rather than share a closure,
  // which every number would allocate; not measured apart.)
  let high = 0, low = 0, lowDigits = 0, significant = 0, exponent = 0;
  if (c === ZERO) c = bytes[++i];
  else if (c !== undefined && c > ZERO && c <= NINE) {
    do {
      if (significant < DIGITS_PER_PART) high = (high * 10 + c - ZERO) | 0;
      else if (significant < 2 * DIGITS_PER_PART) {
        low = (low * 10 + c - ZERO) | 0;
        lowDigits++;
      } else if (c === ZERO) exponent++; // a zero past 18 digits only scales
      else return undefined;
      significant++;
      c = bytes[++i];
    } while (c !== undefined && c >= ZERO && c <= NINE);
  } else return undefined;
  if (c === DOT) {
    c = bytes[++i];
    if (c === undefined || c < ZERO || c > NINE) return undefined;
    // Leading zeros of a fraction only move the exponent.
    if (significant === 0) {
      while (c === ZERO) {
        exponent--;
        c = bytes[++i];
      }
    }
    while (c !== undefined && c >= ZERO && c <= NINE) {
      if (significant < DIGITS_PER_PART) high = (high * 10 + c - ZERO) | 0;
      else if (significant < 2 * DIGITS_PER_PART) {
        low = (low * 10 + c - ZERO) | 0;
        lowDigits++;
      } else if (c === ZERO) {
        c = bytes[++i]; // a zero past 18 digits changes nothing
        continue;
      } else return undefined;
      significant++;
      exponent--;
      c = bytes[++i];
    }
  }
  if (c === LOWER_E || c === UPPER_E) {
    c = bytes[++i];
    const negativeExponent = c === MINUS;
    if (c === MINUS || c === PLUS) c = bytes[++i];
    if (c === undefined || c < ZERO || c > NINE) return undefined;
    let written = 0;
    do {
      if (written < 10_000) written = written * 10 + (c - ZERO);
      c = bytes[++i];
    } while (c !== undefined && c >= ZERO && c <= NINE);
    exponent += negativeExponent ? -written : written;
  }
  numberEnd = i;
  const mantissa = lowDigits === 0 ? high : high * (EXACT_POWERS[lowDigits] as number) + low;
  if (mantissa === 0) return negative ? -0 : 0;
  if (exponent < -MAX_EXPONENT || exponent > MAX_EXPONENT) return undefined;
  // One exact power of ten at a time: each step rounds once, so the double stays within a few units
  // in the last place of the true value (and a single step from an exact mantissa is exact).
  let scaled = mantissa;
  let rest = exponent;
  for (; rest < -MAX_EXACT_POWER; rest += MAX_EXACT_POWER) scaled /= EXACT_POWERS[MAX_EXACT_POWER] as number;
  for (; rest > MAX_EXACT_POWER; rest -= MAX_EXACT_POWER) scaled *= EXACT_POWERS[MAX_EXACT_POWER] as number;
  const correctlyRounded = rest === exponent && mantissa <= EXACT_INTEGERS;
  scaled = rest < 0 ? scaled / (EXACT_POWERS[-rest] as number) : scaled * (EXACT_POWERS[rest] as number);
  const value = Math.fround(scaled);
  if (!correctlyRounded && Math.fround(scaled * BAND_UP) !== Math.fround(scaled * BAND_DOWN)) return undefined;
  if (!(value >= SMALLEST_NORMAL_FLOAT32 && value <= LARGEST_FLOAT32)) return undefined;
  return negative ? -value : value;
}
