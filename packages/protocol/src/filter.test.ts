import { test } from "node:test";
import assert from "node:assert/strict";
import { compileFilter, evaluateFilter, parseFilter, type FilterNode } from "./filter.ts";
import { ApiError } from "./errors.ts";
import { withLimits } from "./limits.ts";

const MOVIE = {
  genre: "drama",
  year: 2005,
  rating: 8.5,
  tags: ["classic", "award", 3],
  reviewed: true,
  yearText: "2020",
  empty: [],
};

// [what it shows, filter, expected result against MOVIE]
const MATCH_CASES: ReadonlyArray<readonly [string, unknown, boolean]> = [
  ["$eq string matches", { genre: { $eq: "drama" } }, true],
  ["$eq string differs", { genre: { $eq: "comedy" } }, false],
  ["$eq number matches", { year: { $eq: 2005 } }, true],
  ["$eq number never equals a numeric string", { yearText: { $eq: 2020 } }, false],
  ["$eq string never equals a number", { year: { $eq: "2005" } }, false],
  ["$eq boolean matches", { reviewed: { $eq: true } }, true],
  ["$eq string \"true\" never equals boolean true", { reviewed: { $eq: "true" } }, false],
  ["$eq matches any element of an array", { tags: { $eq: "award" } }, true],
  ["$eq matches a numeric array element", { tags: { $eq: 3 } }, true],
  ["$eq with no equal array element", { tags: { $eq: "modern" } }, false],
  ["$eq on a missing key", { director: { $eq: "x" } }, false],
  ["$eq on an empty array", { empty: { $eq: "x" } }, false],
  ["$ne with a different value", { genre: { $ne: "comedy" } }, true],
  ["$ne with the same value", { genre: { $ne: "drama" } }, false],
  ["$ne on a missing key is true", { director: { $ne: "x" } }, true],
  ["$ne when an array element equals", { tags: { $ne: "award" } }, false],
  ["$ne when no array element equals", { tags: { $ne: "modern" } }, true],
  ["$ne across types is true", { year: { $ne: "2005" } }, true],
  ["$gt below the value", { year: { $gt: 2000 } }, true],
  ["$gt at the value", { year: { $gt: 2005 } }, false],
  ["$gte at the value", { year: { $gte: 2005 } }, true],
  ["$gte above the value", { year: { $gte: 2006 } }, false],
  ["$lt above the value", { year: { $lt: 2010 } }, true],
  ["$lt at the value", { year: { $lt: 2005 } }, false],
  ["$lte at the value", { year: { $lte: 2005 } }, true],
  ["$lte below the value", { year: { $lte: 2004 } }, false],
  ["$gt on a fractional number", { rating: { $gt: 8.4 } }, true],
  ["$gt never compares with a numeric string", { yearText: { $gt: 2000 } }, false],
  ["$gt never compares with a boolean", { reviewed: { $gt: 0 } }, false],
  ["$gt on a missing key", { director: { $gt: 0 } }, false],
  ["$gt matches a numeric array element", { tags: { $gt: 2 } }, true],
  ["$gt with no numeric array element above", { tags: { $gt: 3 } }, false],
  ["two range operators on one key are ANDed (inside)", { year: { $gte: 2000, $lt: 2010 } }, true],
  ["two range operators on one key are ANDed (outside)", { year: { $gte: 2006, $lt: 2010 } }, false],
  ["$in with the value listed", { genre: { $in: ["comedy", "drama"] } }, true],
  ["$in with the value not listed", { genre: { $in: ["comedy", "horror"] } }, false],
  ["$in matches any array element", { tags: { $in: ["modern", "classic"] } }, true],
  ["$in on a missing key", { director: { $in: ["x"] } }, false],
  ["$in never matches across types", { year: { $in: ["2005"] } }, false],
  ["$in with a mixed-type list", { year: { $in: ["x", 2005, false] } }, true],
  ["$nin with the value not listed", { genre: { $nin: ["comedy"] } }, true],
  ["$nin with the value listed", { genre: { $nin: ["drama"] } }, false],
  ["$nin on a missing key is true", { director: { $nin: ["x"] } }, true],
  ["$nin when one array element is listed", { tags: { $nin: ["award", "x"] } }, false],
  ["$nin when no array element is listed", { tags: { $nin: ["x", "y"] } }, true],
  ["$exists true on a present key", { genre: { $exists: true } }, true],
  ["$exists true on a missing key", { director: { $exists: true } }, false],
  ["$exists false on a missing key", { director: { $exists: false } }, true],
  ["$exists false on a present key", { genre: { $exists: false } }, false],
  ["$exists true on an empty array", { empty: { $exists: true } }, true],
  ["shorthand value is $eq (match)", { genre: "drama" }, true],
  ["shorthand value is $eq (no match)", { genre: "comedy" }, false],
  ["shorthand matches an array element", { tags: "classic" }, true],
  ["shorthand number", { year: 2005 }, true],
  ["several keys are ANDed (all hold)", { genre: "drama", year: 2005 }, true],
  ["several keys are ANDed (one fails)", { genre: "drama", year: 2006 }, false],
  ["$and when all hold", { $and: [{ genre: "drama" }, { year: { $gt: 2000 } }] }, true],
  ["$and when one fails", { $and: [{ genre: "drama" }, { year: { $gt: 2010 } }] }, false],
  ["$and with one child", { $and: [{ genre: "drama" }] }, true],
  ["$or when one holds", { $or: [{ genre: "comedy" }, { year: 2005 }] }, true],
  ["$or when none holds", { $or: [{ genre: "comedy" }, { year: 1999 }] }, false],
  ["$or nested in $and", { $and: [{ reviewed: true }, { $or: [{ genre: "comedy" }, { tags: "award" }] }] }, true],
  ["$and nested in $or", { $or: [{ $and: [{ genre: "drama" }, { year: 1999 }] }, { rating: { $lt: 5 } }] }, false],
  ["a key beside $or is ANDed with it", { genre: "drama", $or: [{ year: 1999 }, { year: 2005 }] }, true],
  ["the empty filter matches everything", {}, true],
  ["an empty object inside $and matches", { $and: [{}] }, true],
  ["a prototype member name is not a metadata key", { constructor: { $exists: true } }, false],
  ["$ne on a prototype member name behaves as missing", { toString: { $ne: "x" } }, true],
  ["8 nested levels are allowed", nest(8, { genre: "drama" }), true],
];

/** `depth` levels of $and around `leaf`. */
function nest(depth: number, leaf: object): object {
  let filter = leaf;
  for (let i = 0; i < depth; i++) filter = { $and: [filter] };
  return filter;
}

for (const [what, filter, expected] of MATCH_CASES) {
  test(`filter: ${what}`, () => {
    const node = parseFilter(filter);
    assert.equal(compileFilter(node)(MOVIE), expected, JSON.stringify(filter));
    assert.equal(evaluateFilter(node, MOVIE), expected, "evaluateFilter agrees with compileFilter");
  });
}

// [what it shows, filter, expected message fragment]
const ERROR_CASES: ReadonlyArray<readonly [string, unknown, string]> = [
  ["a string filter", "genre=drama", "must be a JSON object, got a string"],
  ["an array filter", [{ genre: "drama" }], "must be a JSON object, got an array"],
  ["a number filter", 5, "must be a JSON object, got the number 5"],
  ["an unknown top-level operator", { $not: { genre: "drama" } }, "unknown operator $not"],
  ["$nor is not supported", { $nor: [{ genre: "drama" }] }, "unknown operator $nor"],
  ["an unknown leaf operator", { genre: { $regex: "dr.*" } }, 'unknown operator $regex in the condition on "genre"'],
  ["a leaf operator at the top level", { $eq: "drama" }, '$eq must be applied to a metadata key'],
  ["$and with an object", { $and: { genre: "drama" } }, "$and takes an array of filters, got an object"],
  ["$and with an empty array", { $and: [] }, "$and takes a non-empty array"],
  ["$or with an empty array", { $or: [] }, "$or takes a non-empty array"],
  ["$or with a non-object item", { $or: [{ genre: "drama" }, "x"] }, "$or[1] must be a filter object, got a string"],
  ["$and inside a key's condition", { year: { $and: [{ $gt: 1 }] } }, '$and cannot be used inside the condition on "year"'],
  ["$eq with an array", { tags: { $eq: ["a", "b"] } }, '$eq on "tags" needs a string, number or boolean, got an array'],
  ["$eq with null", { genre: { $eq: null } }, '$eq on "genre" needs a string, number or boolean, got null'],
  ["$ne with an object", { genre: { $ne: { a: 1 } } }, '$ne on "genre" needs a string, number or boolean, got an object'],
  ["$gt with a numeric string", { year: { $gt: "2000" } }, '$gt on "year" needs a number, got a string'],
  ["$lte with a boolean", { year: { $lte: true } }, '$lte on "year" needs a number, got a boolean'],
  ["$in with a string", { genre: { $in: "drama" } }, '$in on "genre" needs an array of values, got a string'],
  ["$in with an empty array", { genre: { $in: [] } }, '$in on "genre" needs a non-empty array'],
  ["$nin with an empty array", { genre: { $nin: [] } }, '$nin on "genre" needs a non-empty array'],
  ["$in with a nested array", { genre: { $in: [["a"]] } }, '$in on "genre": item 0 must be a string, number or boolean, got an array'],
  ["$nin with a null item", { genre: { $nin: ["a", null] } }, "item 1 must be a string, number or boolean, got null"],
  ["$exists with a string", { genre: { $exists: "true" } }, '$exists on "genre" needs true or false, got a string'],
  ["an empty condition", { genre: {} }, 'the condition on "genre" is empty'],
  ["a nested field instead of an operator", { year: { from: 2000 } }, '"from", which is not an operator'],
  ["a shorthand array", { tags: ["a"] }, 'the condition on "tags" must be a string, number, boolean or an object of operators, got an array'],
  ["a shorthand null", { genre: null }, 'the condition on "genre" must be a string, number, boolean or an object of operators, got null'],
  ["9 nested levels", nest(9, { genre: "drama" }), "$and/$or are nested more than 8 levels deep"],
  ["1025 instructions", { genre: { $in: Array.from({ length: 1024 }, (_, i) => `g${i}`) } }, "more than 1024 instructions"],
  ["more than 64 KB", { genre: { $eq: "x".repeat(65517) } }, "is 65537 bytes as compact JSON; at most 65536"],
];

for (const [what, filter, fragment] of ERROR_CASES) {
  test(`parseFilter() refuses ${what}`, () => {
    assertFilterError(() => parseFilter(filter), fragment);
  });
}

function assertFilterError(run: () => unknown, fragment: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ApiError, `expected ApiError, got ${String(error)}`);
    assert.equal(error.code, "VectorIndexParameterInvalid");
    assert.equal(error.status, 400);
    assert.ok(error.message.startsWith("filter: "), error.message);
    assert.ok(error.message.includes(fragment), `"${error.message}" lacks "${fragment}"`);
    return true;
  });
}

test("parseFilter() accepts exactly 1024 instructions and exactly 64 KB", () => {
  parseFilter({ genre: { $in: Array.from({ length: 1023 }, (_, i) => `g${i}`) } });
  // {"genre":{"$eq":"..."}} has 20 bytes around the string.
  parseFilter({ genre: { $eq: "x".repeat(65536 - 20) } });
  assertFilterError(() => parseFilter({ genre: { $eq: "é".repeat(32759) } }), "is 65538 bytes");
});

test("parseFilter() refuses a condition on a non-filterable key, even nested", () => {
  const options = { nonFilterableKeys: new Set(["body", "embeddingSource"]) };
  const reason = '"body" is listed in the index\'s nonFilterableMetadataKeys and cannot be filtered on';
  assertFilterError(() => parseFilter({ body: { $exists: true } }, options), reason);
  assertFilterError(() => parseFilter({ $or: [{ genre: "drama" }, { $and: [{ body: "x" }] }] }, options), reason);
  assert.deepEqual(parseFilter({ genre: "drama" }, { nonFilterableKeys: ["body"] }), { op: "eq", key: "genre", value: "drama" });
});

test("parseFilter() applies the limits of the profile it is given", () => {
  const limits = withLimits({ maxFilterDepth: 2, maxFilterInstructions: 3, maxFilterBytes: 40 });
  parseFilter(nest(2, { a: 1 }), { limits });
  assertFilterError(() => parseFilter(nest(3, { a: 1 }), { limits }), "nested more than 2 levels");
  assertFilterError(() => parseFilter({ a: { $in: [1, 2, 3] } }, { limits }), "more than 3 instructions");
  assertFilterError(() => parseFilter({ a: "x".repeat(40) }, { limits }), "at most 40 are allowed");
});

test("parseFilter() builds the AST an engine can walk", () => {
  const cases: ReadonlyArray<readonly [unknown, FilterNode]> = [
    [undefined, { op: "all" }],
    [null, { op: "all" }],
    [{}, { op: "all" }],
    [{ genre: "drama" }, { op: "eq", key: "genre", value: "drama" }],
    [{ year: { $gte: 2000, $lt: 2010 } }, {
      op: "and", children: [{ op: "gte", key: "year", value: 2000 }, { op: "lt", key: "year", value: 2010 }],
    }],
    [{ genre: { $nin: ["a", 1] }, seen: { $exists: false } }, {
      op: "and", children: [{ op: "nin", key: "genre", values: ["a", 1] }, { op: "exists", key: "seen", exists: false }],
    }],
    [{ $or: [{ a: { $ne: true } }, { b: { $lte: 1.5 } }] }, {
      op: "or", children: [{ op: "ne", key: "a", value: true }, { op: "lte", key: "b", value: 1.5 }],
    }],
  ];
  for (const [json, expected] of cases) assert.deepEqual(parseFilter(json), expected, JSON.stringify(json));
});

test("the filters of the documentation's examples parse and match", () => {
  const example = JSON.parse('{"$and":[{"type":{"$in":["comedy","documentary"]}},{"year":{"$eq":"2020"}}]}');
  const predicate = compileFilter(parseFilter(example));
  assert.equal(predicate({ type: "comedy", year: "2020" }), true);
  assert.equal(predicate({ type: "comedy", year: 2020 }), false);
  assert.equal(predicate({ type: "drama", year: "2020" }), false);
  const absentKey = compileFilter(parseFilter({ $and: [{ type: { $nin: ["comedy", "documentary"] } }] }));
  assert.equal(absentKey({ genre: "x" }), true);
});

test("compileFilter() treats absent metadata as {}", () => {
  assert.equal(compileFilter(parseFilter({ genre: { $ne: "x" } }))(undefined), true);
  assert.equal(compileFilter(parseFilter({ genre: { $exists: true } }))(undefined), false);
  assert.equal(compileFilter(parseFilter({}))(undefined), true);
});

test("compileFilter() reads an own __proto__ key as ordinary metadata", () => {
  const predicate = compileFilter(parseFilter(JSON.parse('{"__proto__":{"$eq":"x"}}')));
  assert.equal(predicate(JSON.parse('{"__proto__":"x"}')), true);
  assert.equal(predicate({ genre: "x" }), false);
});

test("an ApiError from parseFilter() carries the 400 status the server sends", () => {
  assert.throws(() => parseFilter({ $bad: 1 }), { name: "ApiError", code: "VectorIndexParameterInvalid", status: 400 });
});
