import { test } from "node:test";
import assert from "node:assert/strict";
import { liftFloat32Array } from "./float32-lift.ts";
import { parseVectorBody } from "./vector-body.ts";
import { seededRandom } from "../../engine/src/testing/test-support.ts";

/** What the server did before the lift: JSON.parse, then float32 rounding. */
const expected = (text: string): number => Math.fround(Number(text));

function liftOne(text: string): number | undefined {
  return liftFloat32Array(Buffer.from(`[${text}]`), 0)?.values[0];
}

test("lifted numbers equal Math.fround(Number(text)) for float32 values written as doubles", () => {
  const random = seededRandom(1);
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  for (let i = 0; i < 200_000; i++) {
    bits[0] = Math.floor(random() * 2 ** 32);
    const value = asFloat[0] as number;
    if (!Number.isFinite(value)) continue;
    const text = JSON.stringify(value);
    assert.ok(Object.is(liftOne(text), expected(text)), text);
  }
});

test("lifted numbers equal Math.fround(Number(text)) for arbitrary decimals, float32 midpoints included", () => {
  const random = seededRandom(2);
  const digits = (count: number) => Array.from({ length: count }, () => Math.floor(random() * 10)).join("");
  for (let i = 0; i < 100_000; i++) {
    const whole = random() < 0.5 ? "0" : String(1 + Math.floor(random() * 9)) + digits(Math.floor(random() * 8));
    const fraction = random() < 0.8 ? "." + digits(1 + Math.floor(random() * 25)) : "";
    const exponent = random() < 0.3 ? `e${random() < 0.5 ? "-" : "+"}${Math.floor(random() * 50)}` : "";
    const text = (random() < 0.5 ? "-" : "") + whole + fraction + exponent;
    const value = expected(text);
    if (Number.isFinite(value)) assert.ok(Object.is(liftOne(text), value), text);
  }
  // Exactly halfway between two float32 values: the double is exact, and ties go to even.
  for (const text of ["1.00000005960464477539062500", "16777217", "16777219", "0.1000000052154064178466796875"]) {
    assert.ok(Object.is(liftOne(text), expected(text)), text);
  }
});

test("edge cases lift as JSON.parse reads them", () => {
  const cases = [
    "0", "-0", "0.0", "-0.0e5", "1E2", "1e+2", "2.5E-3", "123456789012345678901234567890", "0.000000000000000000000000000001",
    "1e-45", "-1.401298464324817e-45", "1e-46", "3.4028234663852886e38", "1.17549435e-38", "7e22", "7e23", "1e-7",
  ];
  for (const text of cases) assert.ok(Object.is(liftOne(text), expected(text)), text);
});

test("anything but a non-empty array of finite float32 numbers is left for JSON.parse", () => {
  for (const text of ["", "01", "1.", ".5", "+1", "-", "1e", "1e+", "NaN", "Infinity", "\"1\"", "null", "[1]", "1 2", "1,", "3.5e38", "-1e39"]) {
    assert.equal(liftFloat32Array(Buffer.from(`[${text}]`), 0), undefined, text);
  }
  assert.deepEqual([...liftFloat32Array(Buffer.from("[ 1 ,\n\t2\r ]"), 0)!.values], [1, 2]);
});

/**
 * Rounds the number arrays at the vector places to Float32Arrays, as the validators will: applied to
 * both JSON.parse's result and parseVectorBody's, the two must then be equal.
 */
function asValidated(parsed: unknown): unknown {
  const body = parsed as Record<string, unknown>;
  const round = (holder: unknown) => {
    const data = holder as { float32?: unknown } | null;
    if (data && typeof data === "object" && Array.isArray(data.float32) && data.float32.every((v) => typeof v === "number")) {
      data.float32 = Float32Array.from(data.float32);
    }
  };
  round(body["queryVector"]);
  if (Array.isArray(body["vectors"])) for (const item of body["vectors"] as { data?: unknown }[]) if (item && typeof item === "object") round(item.data);
  return body;
}

test("a vector body parses to JSON.parse's result, with float32 arrays in place", () => {
  const bodies = [
    '{"indexName":"i","vectors":[{"key":"a","data":{"float32":[0.1,-2.5e-3,3]},"metadata":{"float32":[1,2],"s":"x\\"y"}},{"key":"b","data":{"float32":[1]}}]}',
    '{"queryVector":{"float32":[0.30000001192092896, 1e-7]},"topK":3,"filter":{"float32":{"$in":[1,2]}}}',
    // Duplicate keys: JSON.parse keeps the last, and so must the lifted arrays.
    '{"vectors":[{"data":{"float32":[1,2],"float32":[3,4]}}],"vectors":[{"data":{"float32":[5]}}]}',
    // An escaped key is the same key to JSON.parse; it is not lifted, and the validators round it.
    '{"vectors":[{"d\\u0061ta":{"float32":[0.1]}}],"queryVector":{"float\\u00332":[0.2]}}',
    // Text that looks like a vector array inside a string, and arrays that cannot be lifted.
    '{"note":"{\\"queryVector\\":{\\"float32\\":[1]}}","vectors":[{"data":{"float32":[]}},{"data":{"float32":["1"]}},{"data":{"float32":[1e39]}}]}',
    '{"vectors":{"data":{"float32":[1]}},"queryVector":[{"float32":[1]}]}',
    '{"vectors":[[{"data":{"float32":[1]}}]],"x":{"queryVector":{"float32":[1]}}}',
    '{"queryVector":{"float32":[1,2]}, "extra": "ünïcode ✓"}',
  ];
  for (const text of bodies) assert.deepEqual(asValidated(parseVectorBody(Buffer.from(text))), asValidated(JSON.parse(text)), text);
  const first = parseVectorBody(Buffer.from(bodies[0]!)) as { vectors: { data: { float32: unknown }; metadata: { float32: unknown } }[] };
  assert.ok(first.vectors[0]!.data.float32 instanceof Float32Array, "vector data is lifted");
  assert.deepEqual(first.vectors[0]!.metadata.float32, [1, 2], "a metadata key named float32 is left alone");
});

test("a malformed body fails with JSON.parse's own message for what was sent", () => {
  const bodies = [
    '{"queryVector":{"float32":[1,2]}',
    '{"queryVector":{"float32":[1,2]},}',
    '{"vectors":[{"data":{"float32":[1,2]}}] "x":1}',
    '{"queryVector":{"float32":[1,2]}} trailing',
  ];
  for (const text of bodies) {
    let message = "";
    try {
      JSON.parse(text);
    } catch (error) {
      message = (error as Error).message;
    }
    assert.throws(() => parseVectorBody(Buffer.from(text)), (error: Error) => error instanceof SyntaxError && error.message === message, text);
  }
});

test("a client cannot smuggle a placeholder in", () => {
  const text = '{"vectors":[{"data":{"float32":"\\u0000ossv-float32-0"}},{"data":{"float32":[7]}}]}';
  const body = parseVectorBody(Buffer.from(text)) as { vectors: { data: { float32: unknown } }[] };
  assert.equal(body.vectors[0]!.data.float32, "\u0000ossv-float32-0");
  assert.deepEqual([...(body.vectors[1]!.data.float32 as Float32Array)], [7]);
});
