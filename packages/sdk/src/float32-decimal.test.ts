import { test } from "node:test";
import assert from "node:assert/strict";
import { MAX_FLOAT32_BYTES, writeFloat32 } from "./float32-decimal.ts";
import { encodeJson } from "./json.ts";

function textOf(value: number): string {
  const out = new Uint8Array(32);
  return new TextDecoder().decode(out.subarray(0, writeFloat32(out, 0, value)));
}

test("every float32 written comes back as itself, never longer than JSON.stringify writes it", () => {
  const bits = new Uint32Array(1);
  const asFloat = new Float32Array(bits.buffer);
  // A fixed stride through all 2^32 bit patterns: every exponent, subnormals and both signs.
  for (let pattern = 0; pattern < 2 ** 32; pattern += 9_973) {
    bits[0] = pattern;
    const value = asFloat[0] as number;
    if (!Number.isFinite(value)) continue;
    const text = textOf(value);
    assert.equal(Math.fround(JSON.parse(text) as number), value === 0 ? 0 : value, text);
    assert.ok(text.length <= JSON.stringify(value).length, `${text} is longer than ${JSON.stringify(value)}`);
  }
});

test("float32 values are written as JavaScript would place the point, with at most 9 digits", () => {
  const cases: [number, string][] = [
    [0.5, "0.5"], [-2, "-2"], [0.1, "0.100000001"], [1e-7, "1.00000001e-7"], [123456, "123456"],
    [16777216, "16777216"], [3e10, "30000001000"], [1e25, "9.99999956e+24"], [3.4028234663852886e38, "3.40282347e+38"], [1e-6, "9.99999997e-7"],
    [0.000125, "0.000125000006"], [0.375, "0.375"], [1.401298464324817e-45, "1.40129846e-45"], [0, "0"], [-0, "0"],
  ];
  for (const [value, text] of cases) assert.equal(textOf(Math.fround(value)), text, String(value));
  assert.equal(textOf(Number.NaN), "null");
});

test("values in [1e-6, 1), the common case for embeddings, are written as 0.<zeros><digits> and read back exactly", () => {
  let seed = 12345;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let n = 0; n < 200_000; n++) {
    const value = Math.fround((random() < 0.5 ? -1 : 1) * 10 ** (-6 * random()));
    if (Math.abs(value) < 1e-6 || Math.abs(value) >= 1) continue;
    const text = textOf(value);
    const match = /^-?0\.(0*)([1-9][0-9]*)$/.exec(text);
    assert.ok(match, text);
    assert.ok((match[2] as string).length <= 9 && !text.endsWith("0"), text);
    assert.equal(Math.fround(Number(text)), value, text);
  }
});

test("a JSON body has sorted keys, drops undefined members and writes Float32Arrays at float32 precision", () => {
  const value = {
    b: [1, undefined, "x"], a: { z: null, y: true, skip: undefined }, data: { float32: Float32Array.of(0.1, -3) },
    ints: Int16Array.of(1, -2), text: "ünï\"code\n",
  };
  const text = new TextDecoder().decode(encodeJson(value));
  assert.equal(text, '{"a":{"y":true,"z":null},"b":[1,null,"x"],"data":{"float32":[0.100000001,-3]},"ints":[1,-2],"text":"ünï\\"code\\n"}');
  const big = { vectors: Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, data: { float32: new Float32Array(64).fill(i / 7) } })) };
  const parsed = JSON.parse(new TextDecoder().decode(encodeJson(big))) as typeof big;
  assert.equal(parsed.vectors.length, 300);
  assert.equal(Math.fround((parsed.vectors[299]!.data.float32 as unknown as number[])[63]!), Math.fround(299 / 7));
});

test("a body of many vectors of large values stays valid JSON (room is reserved for the longest value)", () => {
  // Values from 1e15 to 1e21 are written out in full (up to 22 bytes with the sign), but room was
  // reserved for 15 per value: once a vector landed near the end of the buffer its last values were
  // written past it and lost, and the server answered 400 "not valid JSON" to a valid PutVectors.
  const data = new Float32Array(9).fill(-1.2345679e20);
  const vectors = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, data: { float32: data } }));
  const body = JSON.parse(new TextDecoder().decode(encodeJson({ vectors }))) as { vectors: { data: { float32: number[] } }[] };
  assert.equal(body.vectors.length, 500);
  for (const vector of body.vectors) assert.deepEqual(Float32Array.from(vector.data.float32), data);
  let longest = 0;
  for (const value of [-1.2345679e20, -9.99999e20, -3.4028235e38, -1.4e-45, -1.2345679e-7]) longest = Math.max(longest, textOf(Math.fround(value)).length);
  assert.equal(longest, MAX_FLOAT32_BYTES);
});
