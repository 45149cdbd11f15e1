// The JSON Lines fast path (@ossv/protocol's float32-text.ts, jsonl-vector-member.ts) against the general path it
// stands in for: the same record, bit for bit, or the same error, for any line.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { readFloat32Array } from "@ossv/protocol";
import { parseJsonlLine, parseJsonlRecord, vectorMemberReader } from "./jsonl.ts";
import type { FieldNames, SourceItem } from "./records.ts";

const seed = Number(process.env["OSSV_SEED"] ?? Date.now() % 2 ** 31);
const bytesOf = (text: string) => Buffer.from(text, "utf8");

/** The one value of `[number]` read by the fast path, undefined when it refuses. */
function fastValue(number: string): number | undefined {
  const out = new Float32Array(1);
  const read = readFloat32Array(bytesOf(`[${number}]`), 1, out);
  return read ? out[0] : undefined;
}

/** What the general path makes of `[number]`: its float32, or undefined when it is not one JSON number. */
function generalValue(number: string): number | undefined {
  try {
    const parsed: unknown = JSON.parse(`[${number}]`);
    return Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === "number" ? Math.fround(parsed[0]) : undefined;
  } catch {
    return undefined;
  }
}

/** A comparable form of an item: the vector as its float32 bit patterns, so -0 and 0 differ. */
function comparable(item: SourceItem | undefined): unknown {
  if (item === undefined || !item.ok) return item;
  const { data, ...rest } = item.record;
  return { ...rest, bits: Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length)) };
}

function generalPath(text: string, fields: FieldNames): SourceItem | undefined {
  return text.trim() === "" ? undefined : parseJsonlRecord(text, 7, 9, fields);
}

// Decimal texts of every kind a file may hold, valid JSON numbers or not.
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const numberText = fc.oneof(
  fc.float({ noNaN: true, noDefaultInfinity: true }).map(String), // a float32 widened, as an export writes it
  finite.map(String),
  fc.tuple(finite, fc.integer({ min: 1, max: 21 })).map(([value, digits]) => value.toPrecision(digits)),
  fc.tuple(finite, fc.integer({ min: 0, max: 25 }), fc.constantFrom("e+", "e", "E+", "E")).map(([value, digits, mark]) => value.toExponential(digits).replace("e+", mark)),
  fc.tuple(fc.integer({ min: 0, max: 2 ** 24 }), fc.integer({ min: 0, max: 2 ** 24 })).map(([a, b]) => ((a + 0.5) * 2 ** -24 * (b % 2 ? 1 : -1) * 2 ** (b % 60 - 30)).toPrecision(19)), // near float32 midpoints
  fc.constantFrom("0", "-0", "0.0", "-0.0", "0e5", "1e39", "-1e39", "1e-46", "1.4e-45", "3.4028235e38", "3.4028236e38", "1.1754943e-38", "1.17549435e-38",
    "01", "-", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10", "1_0", "Infinity", "NaN", "null", "true", '"1"', "[1]", "{}", "1.5e-400", "1e400",
    "123456789012345678901234567890", "0.000000000000000000000000012345", "9007199254740993", "4.999999999999999999e-1"),
);
const space = fc.constantFrom("", "", "", " ", "  ", "\t");
const arrayText = fc.tuple(fc.array(fc.tuple(space, numberText, space), { maxLength: 12 }), space)
  .map(([items, tail]) => `[${items.map(([a, n, b]) => a + n + b).join(",")}${tail}]`);
/** Member names, with escapes and look-alikes of the names the fast path looks for. */
const memberName = fc.constantFrom("key", "data", "vector", "metadata", "emb", "id", "meta", "da\\u0074a", "data ", "Data", '\\"data', "dat\\\"a", "é", "x");
const anyValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
  arrayText,
  fc.constantFrom('"a\\"data\\":[1,2]"', '"]}{["', '"\\\\"', '{"data":[1,2]}', "[[1,2],[3]]", "null"),
);
const member = fc.oneof(
  fc.tuple(memberName, space, space, anyValue).map(([name, a, b, value]) => `"${name}"${a}:${b}${value}`),
  fc.tuple(fc.constantFrom("data", "vector", "emb"), space, arrayText).map(([name, a, value]) => `"${name}":${a}${value}`),
  fc.string({ maxLength: 10 }).map((key) => `"key":${JSON.stringify(key)}`),
  fc.constantFrom('"key":"k1"', '"id":"k2"', '"metadata":{"g":"x","n":[1,2]}', '"meta":{"s":"é\\u0000"}', '"metadata":null', '"metadata":{"deep":{"x":1}}'),
);
/** Lines as tools write them: key, vector and metadata in any order, plain numbers, maybe spaces. */
const validNumber = fc.oneof(
  fc.float({ noNaN: true, min: -10, max: 10 }).filter((value) => value === 0 || Math.abs(value) >= 2 ** -126).map(String),
  fc.double({ noNaN: true, min: -1e6, max: 1e6 }).filter((value) => value === 0 || Math.abs(value) >= 2 ** -126).map(String),
  fc.integer().map(String),
);
const wellFormedLine = fc.tuple(
  fc.string({ minLength: 1, maxLength: 8 }), fc.constantFrom("data", "vector", "emb"), fc.array(validNumber, { minLength: 1, maxLength: 16 }),
  fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean()), { maxKeys: 3 })), fc.boolean(), space,
).map(([key, name, values, metadata, reversed, gap]) => {
  const members = [`"key":${JSON.stringify(key)}`, `"id":${JSON.stringify(key)}`, `"${name}":${gap}[${values.join(`,${gap}`)}]`];
  if (metadata !== null) members.push(`"metadata":${JSON.stringify(metadata)}`, `"meta":${JSON.stringify(metadata)}`);
  return `{${(reversed ? members.reverse() : members).join(",")}}`;
});
const objectLine = fc.tuple(space, fc.array(member, { maxLength: 6 }), space).map(([a, members, b]) => `${a}{${members.join(",")}}${b}`);
/** Most lines as written, some cut short or with a byte changed, to reach the error paths. */
const line = fc.oneof(
  { weight: 3, arbitrary: wellFormedLine },
  { weight: 3, arbitrary: objectLine },
  { weight: 1, arbitrary: fc.tuple(objectLine, fc.nat(), fc.constantFrom("", "x", "\\", '"', "[", "]", "{", "}", ",", ":", " ", "\u00e9")).map(([text, at, put]) => {
    const cut = at % (text.length + 1);
    return text.slice(0, cut) + put + text.slice(cut + (put === "" ? 0 : 1));
  }) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "\t", "[]", "1", "null", '"s"', "{}", "{", '{"data":[1,2]} x', '{"key":"a","data":[1,2]}}',
    // Strings and nesting that look like members to a scan that missed an escape or a bracket.
    '{"key":"a\\"b","data":[1,2]}', '{"key":"k","m":"\\\\","data":[1,2]}', '{"key":"k","m":"x\\",\\"data\\":[3]","data":[1,2]}',
    '{"key":"k","m":["]","[",{"data":[9]}],"data":[1,2]}', '{"key":"k","data":[1,2],"data":[3]}', '{"key":"k","data":null,"vector":[1]}',
    '{"key":"k","vector":[1],"data":[2]}', '{"key":"k","da\\u0074a":[1],"data":[2]}', '{"key":"k","data":[1,2],"metadata":{"data":[3]}}') },
);
const fieldNames = fc.constantFrom<FieldNames>({}, { key: "id", data: "emb", metadata: "meta" }, { data: "vector" }, { data: "é" });

test("a JSON Lines line gives the same record or error by the fast path as by the general path", () => {
  let fastTaken = 0;
  fc.assert(fc.property(line, fieldNames, (text, fields) => {
    const vectors = vectorMemberReader(fields);
    if (vectors.read(bytesOf(text)) !== undefined) fastTaken++;
    assert.deepEqual(comparable(parseJsonlLine(bytesOf(text), 7, 9, fields, vectors)), comparable(generalPath(text, fields)), text);
  }), { seed, numRuns: 20_000 });
  // The generators must reach the fast path often, or the comparison proves little.
  assert.ok(fastTaken > 2_000, `the fast path took only ${fastTaken} of 20000 lines (seed ${seed})`);
});

test("a decimal becomes the float32 that JSON.parse and Math.fround give, or is left to the general path", () => {
  const text = fc.oneof(numberText, fc.tuple(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: -45, max: 38 })).map(([digits, exponent]) => `${digits}e${exponent}`));
  let refused = 0;
  fc.assert(fc.property(text, (number) => {
    const value = fastValue(number);
    if (value === undefined) {
      refused++;
      return;
    }
    assert.ok(Object.is(value, generalValue(number)), `${number}: ${value} against ${generalValue(number)}`);
  }), { seed, numRuns: 50_000 });
  assert.ok(refused < 25_000, `refused ${refused} of 50000 (seed ${seed})`);
});

test("decimals that are exactly halfway between two float32 values, and next to halfway, round as Number and fround do", () => {
  const bits = new Uint32Array(2);
  const floats = new Float32Array(bits.buffer);
  fc.assert(fc.property(fc.integer({ min: 0x00800000, max: 0x7f7ffffe }), fc.integer({ min: -3, max: 3 }), (pattern, nudge) => {
    bits[0] = pattern;
    bits[1] = pattern + 1;
    const middle = (floats[0]! + floats[1]!) / 2; // exact in a double: 25 significant bits
    for (const digits of [17, 18]) {
      // The shortest decimals around the midpoint, a few units of the last digit either side.
      const [mantissa, exponent] = middle.toExponential(digits - 1).split("e") as [string, string];
      const last = BigInt(mantissa.replace(".", "")) + BigInt(nudge);
      const number = `${last}e${Number(exponent) - (digits - 1)}`;
      const value = fastValue(number);
      if (value !== undefined) assert.ok(Object.is(value, generalValue(number)), number);
    }
  }), { seed, numRuns: 20_000 });
});

test("the common case, a float32 written as the shortest double, is always read by the fast path", () => {
  const out = new Float32Array(64);
  fc.assert(fc.property(fc.array(fc.float({ noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 64 }), (values) => {
    const normal = values.map((value) => (Math.abs(value) < 2 ** -126 ? 0 : value)); // subnormals are left to the general path
    const text = `${JSON.stringify(normal)}`;
    const read = readFloat32Array(bytesOf(text), 1, out);
    assert.ok(read, text);
    assert.deepEqual(Array.from(out.subarray(0, read.count)), normal.map((value) => Math.fround(value)));
  }), { seed, numRuns: 2_000 });
});
