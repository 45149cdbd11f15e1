// Vectors are stored as float32, so 0.1 comes back as 0.100000001490116. Writing each value with the
// fewest digits that still round-trip to the same float32 gives back what the user sent (0.1), as a
// float32-native service would.

function shortestFloat32(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  for (let digits = 6; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return digits === 6 ? shortestBelowSix(value, candidate) : candidate;
  }
  return value;
}

/** Most user data round-trips in under 6 digits; find the shortest such form. */
function shortestBelowSix(value: number, sixDigits: number): number {
  for (let digits = 1; digits < 6; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return sixDigits;
}

function float32ArrayToJson(values: Float32Array): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = shortestFloat32(values[i]!);
  return out;
}

/** Values written per part by float32JsonParts: well under a millisecond of work each. */
const VALUES_PER_PART = 512;

/** The elements of the JSON array float32ArrayToJson gives, comma-separated, in parts (no brackets). */
export function* float32JsonParts(values: Float32Array): Generator<string> {
  for (let start = 0; start < values.length; start += VALUES_PER_PART) {
    const end = Math.min(values.length, start + VALUES_PER_PART);
    // Numbers join as JSON writes them (finite floats: the same digits, and -0 as "0").
    const part = float32ArrayToJson(values.subarray(start, end)).join(",");
    yield start === 0 ? part : `,${part}`;
  }
}
