// The S3 Vectors filter dialect: every refusal class with the JSON pointer it names, the constraint
// count, and a property test holding parse + compile to a small model written here from the dialect's
// rules (it shares no code with filter.ts or s3vectors/filter.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { compileFilter, parseFilter, type FilterNode } from "../filter.ts";
import { ApiError } from "../errors.ts";
import {
  parseS3VectorsFilter, S3VectorsFilterError, S3VECTORS_FILTER_LIMITS, type ParseS3VectorsFilterOptions, type S3VectorsIndexMode,
} from "./filter.ts";
import { propertyParameters } from "../../../../tests/reliability/scale.ts";

const ENHANCED: ParseS3VectorsFilterOptions = { mode: "ENHANCED" };
const CLASSIC: ParseS3VectorsFilterOptions = { mode: "CLASSIC" };

// ---- the model ------------------------------------------------------------------------------------

type Scalar = string | number | boolean;
type Value = Scalar | Scalar[];
type Metadata = Record<string, Value>;

/** The values a condition looks at: none for a missing key, the elements of an array, else the value. */
function valuesOf(metadata: Metadata, key: string): Scalar[] {
  if (!Object.hasOwn(metadata, key)) return [];
  const value = metadata[key] as Value;
  return Array.isArray(value) ? value : [value];
}

function modelMatches(filter: Record<string, unknown>, metadata: Metadata): boolean {
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "$and" && !(condition as Record<string, unknown>[]).every((f) => modelMatches(f, metadata))) return false;
    if (key === "$or" && !(condition as Record<string, unknown>[]).some((f) => modelMatches(f, metadata))) return false;
    if (key === "$and" || key === "$or") continue;
    const operators = typeof condition === "object" ? Object.entries(condition as object) : [["$eq", condition]];
    for (const [operator, operand] of operators) if (!modelOperator(operator as string, operand, valuesOf(metadata, key), Object.hasOwn(metadata, key))) return false;
  }
  return true;
}

function modelOperator(operator: string, operand: unknown, values: Scalar[], present: boolean): boolean {
  const numbers = values.filter((v): v is number => typeof v === "number");
  const any = (test: (v: Scalar) => boolean) => values.some(test);
  switch (operator) {
    case "$eq": return any((v) => v === operand);
    case "$ne": return !any((v) => v === operand);
    case "$in": return any((v) => (operand as Scalar[]).includes(v));
    case "$nin": return !any((v) => (operand as Scalar[]).includes(v));
    case "$gt": return numbers.some((n) => n > (operand as number));
    case "$gte": return numbers.some((n) => n >= (operand as number));
    case "$lt": return numbers.some((n) => n < (operand as number));
    case "$lte": return numbers.some((n) => n <= (operand as number));
    case "$exists": return present === operand;
    case "$startsWith": {
      const prefix = operand as string;
      return any((v) => typeof v === "string" && v.length >= prefix.length && v.slice(0, prefix.length) === prefix);
    }
    default: throw new Error(`model: ${operator}`);
  }
}

/** The constraints the documentation counts: one per value compared; $and/$or count nothing. */
function modelConstraints(filter: Record<string, unknown>): number {
  let total = 0;
  for (const [key, condition] of Object.entries(filter)) {
    if (key === "$and" || key === "$or") total += (condition as Record<string, unknown>[]).reduce((sum, f) => sum + modelConstraints(f), 0);
    else if (typeof condition !== "object") total += 1;
    else for (const [op, operand] of Object.entries(condition as object)) total += op === "$in" || op === "$nin" ? (operand as unknown[]).length : 1;
  }
  return total;
}

// ---- generators -----------------------------------------------------------------------------------

const KEYS = ["genre", "year", "tags", "path", "constructor", "__proto__", "名前", ""];
// Two keys carry most conditions and values, so filters and metadata meet often.
const keyArb = fc.oneof({ arbitrary: fc.constantFrom("genre", "tags"), weight: 3 }, { arbitrary: fc.constantFrom(...KEYS), weight: 2 });
// Few distinct values, so generated filters and metadata meet; any UTF-8 string besides.
const STRINGS = ["", "a", "ab", "abc", "drama", "/marketing/", "/marketing/q1", "2020", "true", "ü", "😀", "😀x", "\ud83d"];
const NUMBERS = [0, -0, 1, -1, 2.5, 2020, 1e308, -1e308, 5e-324];
const stringArb = fc.oneof({ arbitrary: fc.constantFrom(...STRINGS), weight: 4 }, { arbitrary: fc.string({ unit: "binary", maxLength: 6 }), weight: 1 });
const scalarArb: fc.Arbitrary<Scalar> = fc.oneof(stringArb, fc.constantFrom(...NUMBERS), fc.boolean());
const valueArb: fc.Arbitrary<Value> = fc.oneof({ arbitrary: scalarArb, weight: 2 }, { arbitrary: fc.array(scalarArb, { maxLength: 4 }), weight: 1 });
const metadataArb: fc.Arbitrary<Metadata> = fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: ([k]) => k, maxLength: 5 })
  .map((entries) => Object.fromEntries(entries));

function operatorArb(startsWith: boolean): fc.Arbitrary<[string, unknown]> {
  const options: fc.Arbitrary<[string, unknown]>[] = [
    fc.tuple(fc.constantFrom("$eq", "$ne"), scalarArb),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte"), fc.constantFrom(...NUMBERS)),
    fc.tuple(fc.constantFrom("$in", "$nin"), fc.array(scalarArb, { minLength: 1, maxLength: 4 })),
    fc.tuple(fc.constant("$exists"), fc.boolean()),
  ];
  if (startsWith) options.push(fc.tuple(fc.constant("$startsWith"), stringArb));
  return fc.oneof(...options);
}

function filterArb(startsWith: boolean): fc.Arbitrary<Record<string, unknown>> {
  const condition = fc.oneof(
    scalarArb,
    fc.uniqueArray(operatorArb(startsWith), { minLength: 1, maxLength: 3, selector: ([op]) => op }).map((ops) => Object.fromEntries(ops)),
  );
  const conditions = fc.uniqueArray(fc.tuple(keyArb, condition), { minLength: 1, maxLength: 3, selector: ([k]) => k })
    .map((entries) => Object.fromEntries(entries) as Record<string, unknown>);
  const { tree } = fc.letrec<{ tree: Record<string, unknown> }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", maxDepth: 4 },
      conditions,
      fc.tuple(fc.constantFrom("$and", "$or"), fc.array(tie("tree"), { minLength: 1, maxLength: 3 }), conditions)
        .map(([op, children, beside]) => ({ ...beside, [op]: children })),
    ),
  }));
  return tree;
}

// ---- properties -----------------------------------------------------------------------------------

test("s3 filter: parse + compile agrees with the model on random metadata and filters", () => {
  fc.assert(fc.property(filterArb(true), fc.array(metadataArb, { minLength: 1, maxLength: 8 }), (filter, rows) => {
    const predicate = compileFilter(parseS3VectorsFilter(filter, { mode: "ENHANCED", limits: { maxEnhancedConstraints: 10_000 } }));
    for (const metadata of rows) {
      assert.equal(predicate(metadata), modelMatches(filter, metadata), `${JSON.stringify(filter)} on ${JSON.stringify(metadata)}`);
    }
  }), propertyParameters("s3 filter model", 2000, 100_000));
});

test("s3 filter: ENHANCED accepts a filter iff it has at most 100 constraints; CLASSIC refuses only $startsWith", () => {
  fc.assert(fc.property(filterArb(true), (filter) => {
    const constraints = modelConstraints(filter);
    const limits = { maxEnhancedConstraints: 12 };
    const enhanced = attempt(() => parseS3VectorsFilter(filter, { mode: "ENHANCED", limits }));
    assert.equal(enhanced === undefined, constraints <= 12, `${constraints} constraints: ${enhanced?.message}`);
    const classic = attempt(() => parseS3VectorsFilter(filter, CLASSIC));
    assert.equal(classic === undefined, !JSON.stringify(filter).includes('"$startsWith"'), classic?.message);
  }), propertyParameters("s3 filter constraints", 300, 20_000));
});

function attempt(run: () => unknown): S3VectorsFilterError | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (error instanceof S3VectorsFilterError) return error;
    throw error;
  }
}

// ---- examples -------------------------------------------------------------------------------------

test("s3 filter: the documentation's examples", () => {
  const cases: ReadonlyArray<readonly [unknown, Metadata, boolean]> = [
    [{ genre: "documentary" }, { genre: "documentary" }, true],
    [{ year: { $gt: 2019 } }, { year: 2020 }, true],
    [{ year: { $gt: 2019 } }, { year: "2020" }, false],
    [{ s3_path: { $startsWith: "/marketing/" } }, { s3_path: "/marketing/2026/plan.pdf" }, true],
    [{ s3_path: { $startsWith: "/marketing/" } }, { s3_path: "/sales/marketing/" }, false],
    [{ $or: [{ genre: { $eq: "drama" } }, { year: { $gte: 2020 } }] }, { genre: "comedy", year: 2021 }, true],
    [{ price: { $gte: 10, $lte: 50 } }, { price: 51 }, false],
    [{ genre: "drama" }, { genre: ["drama", "comedy"] }, true],
    [{ genre: { $ne: "drama" } }, { genre: ["drama", "comedy"] }, false],
    [{ genre: { $ne: "drama" } }, {}, true],
    [{ genre: { $nin: ["drama"] } }, {}, true],
    [{ tags: { $startsWith: "cl" } }, { tags: [1, "classic"] }, true],
    [{ year: { $startsWith: "20" } }, { year: 2020 }, false],
  ];
  for (const [filter, metadata, expected] of cases) {
    assert.equal(compileFilter(parseS3VectorsFilter(filter, ENHANCED))(metadata), expected, JSON.stringify([filter, metadata]));
  }
});

test("s3 filter: the AST is the engine's FilterNode", () => {
  const cases: ReadonlyArray<readonly [unknown, FilterNode]> = [
    [undefined, { op: "all" }],
    [null, { op: "all" }],
    [{}, { op: "all" }],
    [{ $or: [{}, { a: 1 }] }, { op: "or", children: [{ op: "all" }, { op: "eq", key: "a", value: 1 }] }],
    [{ path: { $startsWith: "/a/" } }, { op: "startsWith", key: "path", prefix: "/a/" }],
    [{ year: { $gte: 1, $lt: 2 }, genre: "x" }, {
      op: "and", children: [{ op: "and", children: [{ op: "gte", key: "year", value: 1 }, { op: "lt", key: "year", value: 2 }] }, { op: "eq", key: "genre", value: "x" }],
    }],
    [{ $or: [{ a: { $in: [1, "1"] } }, { b: { $exists: false } }] }, {
      op: "or", children: [{ op: "in", key: "a", values: [1, "1"] }, { op: "exists", key: "b", exists: false }],
    }],
  ];
  for (const [json, expected] of cases) assert.deepEqual(parseS3VectorsFilter(json, ENHANCED), expected, JSON.stringify(json));
});

test("s3 filter: the documentation's constraint counts; exactly 100 pass in ENHANCED, 101 do not", () => {
  const many = (n: number) => ({ id: { $in: Array.from({ length: n }, (_, i) => i) } });
  parseS3VectorsFilter(many(100), ENHANCED);
  parseS3VectorsFilter({ $and: [many(99), { category: "x" }] }, ENHANCED);
  assertRefused(() => parseS3VectorsFilter({ $and: [many(99), { category: "x" }, { b: { $exists: true } }] }, ENHANCED),
    "/filter/$and/2/b/$exists", "past 100 constraints, the most ENHANCED mode allows");
  assertRefused(() => parseS3VectorsFilter(many(101), ENHANCED), "/filter/id/$in", "past 100 constraints");
  parseS3VectorsFilter(many(1024), CLASSIC);
  assertRefused(() => parseS3VectorsFilter(many(1025), CLASSIC), "/filter/id/$in", "past 1024 constraints, the most CLASSIC mode allows");
  assert.equal(S3VECTORS_FILTER_LIMITS.maxEnhancedConstraints, 100);
  const three = { $and: [{ category: "x" }, { n: { $in: [1, 2, 3] } }] }; // 1 + 3
  parseS3VectorsFilter(three, { mode: "ENHANCED", limits: { maxEnhancedConstraints: 4 } });
  assertRefused(() => parseS3VectorsFilter(three, { mode: "ENHANCED", limits: { maxEnhancedConstraints: 3 } }), "/filter/$and/1/n/$in", "past 3");
});

test("s3 filter: nesting up to maxDepth levels of $and/$or", () => {
  const nest = (depth: number) => {
    let filter: object = { genre: "x" };
    for (let i = 0; i < depth; i++) filter = { [i % 2 ? "$or" : "$and"]: [filter] };
    return filter;
  };
  parseS3VectorsFilter(nest(32), CLASSIC);
  const error = attempt(() => parseS3VectorsFilter(nest(33), CLASSIC));
  assert.ok(error !== undefined && error.reason.includes("more than 32 levels"), error?.message);
  assert.ok(error.path.startsWith("/filter/$and/0/$or/0/"), error.path);
  // Deep beyond any stack: still a validation error, not a crash.
  assert.ok(attempt(() => parseS3VectorsFilter(nest(100_000), CLASSIC)) instanceof S3VectorsFilterError);
});

// [what, filter, mode, path, reason fragment]
const REFUSALS: ReadonlyArray<readonly [string, unknown, S3VectorsIndexMode, string, string]> = [
  ["a string filter", "genre", "ENHANCED", "/filter", "must be a JSON object, got a string"],
  ["an array filter", [{ a: 1 }], "ENHANCED", "/filter", "got an array"],
  ["a number filter", 3, "CLASSIC", "/filter", "got the number 3"],
  ["a boolean filter", true, "CLASSIC", "/filter", "got a boolean"],
  ["an unknown top-level operator", { $not: { a: 1 } }, "ENHANCED", "/filter/$not", "unknown operator $not"],
  ["an unknown operator on a key", { a: { $regex: "x" } }, "ENHANCED", "/filter/a/$regex", "unknown operator $regex"],
  ["an operator where a key belongs", { $eq: 1 }, "ENHANCED", "/filter/$eq", "operator where a metadata key belongs"],
  ["$startsWith where a key belongs", { $startsWith: "x" }, "ENHANCED", "/filter/$startsWith", "operator where a metadata key belongs"],
  ["$and with an object", { $and: { a: 1 } }, "ENHANCED", "/filter/$and", "must be an array of filters for $and, got an object"],
  ["an empty $and", { $and: [] }, "ENHANCED", "/filter/$and", "non-empty array"],
  ["an empty $or", { $or: [] }, "CLASSIC", "/filter/$or", "non-empty array"],
  ["a string in $or", { $or: [{ a: 1 }, "b"] }, "ENHANCED", "/filter/$or/1", "must be a filter object, got a string"],
  ["$or inside a key's condition", { a: { $or: [{ $eq: 1 }] } }, "ENHANCED", "/filter/a/$or", "$or inside the condition on \"a\""],
  ["a nested field", { a: { b: 1 } }, "ENHANCED", "/filter/a/b", "is not an operator"],
  ["an empty condition", { a: {} }, "ENHANCED", "/filter/a", "empty condition"],
  ["an array as a bare value", { a: [1, 2] }, "ENHANCED", "/filter/a", "use {\"$in\": [...]}"],
  ["null as a bare value", { a: null }, "ENHANCED", "/filter/a", "got null"],
  ["$eq with an array", { a: { $eq: ["x"] } }, "ENHANCED", "/filter/a/$eq", "must be a string, number or boolean for $eq, got an array"],
  ["$ne with null", { a: { $ne: null } }, "ENHANCED", "/filter/a/$ne", "got null"],
  ["$eq with an object", { a: { $eq: {} } }, "CLASSIC", "/filter/a/$eq", "got an object"],
  ["$gt with a string", { a: { $gt: "1" } }, "ENHANCED", "/filter/a/$gt", "must be a number for $gt, got a string"],
  ["$lte with a boolean", { a: { $lte: false } }, "ENHANCED", "/filter/a/$lte", "got a boolean"],
  ["$in with a string", { a: { $in: "x" } }, "ENHANCED", "/filter/a/$in", "must be an array of values for $in"],
  ["an empty $in", { a: { $in: [] } }, "ENHANCED", "/filter/a/$in", "non-empty array for $in"],
  ["an empty $nin", { a: { $nin: [] } }, "CLASSIC", "/filter/a/$nin", "non-empty array for $nin"],
  ["a nested array in $in", { a: { $in: [1, [2]] } }, "ENHANCED", "/filter/a/$in/1", "got an array"],
  ["null in $nin", { a: { $nin: [null] } }, "ENHANCED", "/filter/a/$nin/0", "got null"],
  ["an object in $in", { a: { $in: ["x", { y: 1 }] } }, "ENHANCED", "/filter/a/$in/1", "got an object"],
  ["$exists with a string", { a: { $exists: "true" } }, "ENHANCED", "/filter/a/$exists", "must be true or false"],
  ["$startsWith in CLASSIC", { a: { $startsWith: "x" } }, "CLASSIC", "/filter/a/$startsWith", "needs ENHANCED mode"],
  ["$startsWith deep in CLASSIC", { $or: [{ b: 1 }, { a: { $startsWith: "x" } }] }, "CLASSIC", "/filter/$or/1/a/$startsWith", "needs ENHANCED mode"],
  ["$startsWith with a number", { a: { $startsWith: 1 } }, "ENHANCED", "/filter/a/$startsWith", "must be a string for $startsWith"],
  ["a non-filterable key", { body: "x" }, "ENHANCED", "/filter/body", "non-filterable metadata key"],
  ["a non-filterable key deep inside $or", { $or: [{ a: 1 }, { $and: [{ body: { $exists: false } }] }] }, "CLASSIC", "/filter/$or/1/$and/0/body", "non-filterable"],
  ["a key with / and ~ in its pointer", { "a/b~c": { $gt: "x" } }, "ENHANCED", "/filter/a~1b~0c/$gt", "must be a number"],
];

for (const [what, filter, mode, path, fragment] of REFUSALS) {
  test(`s3 filter refuses ${what} (${mode})`, () => {
    assertRefused(() => parseS3VectorsFilter(filter, { mode, nonFilterableKeys: ["body"] }), path, fragment);
  });
}

function assertRefused(run: () => unknown, path: string, fragment: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof S3VectorsFilterError, `expected S3VectorsFilterError, got ${String(error)}`);
    assert.ok(error instanceof ApiError, "an ApiError too");
    assert.equal(error.status, 400);
    assert.equal(error.path, path);
    assert.ok(error.reason.includes(fragment), `"${error.reason}" lacks "${fragment}"`);
    assert.equal(error.message, `Invalid filter: value at '${path}' ${error.reason}`);
    return true;
  });
}

test("s3 filter: error paths start at the given root", () => {
  assertRefused(() => parseS3VectorsFilter({ a: { $in: [] } }, { mode: "CLASSIC", path: "" }), "/a/$in", "non-empty");
});

test("the OSS dialect still refuses $startsWith as an unknown operator", () => {
  assert.throws(() => parseFilter({ path: { $startsWith: "/a" } }), {
    name: "ApiError", code: "VectorIndexParameterInvalid", message: 'filter: unknown operator $startsWith in the condition on "path"',
  });
  assert.throws(() => parseFilter({ $startsWith: "/a" }), { message: "filter: unknown operator $startsWith" });
});
