// bestOf ranks only as far as an answer needs; it must give exactly the head of the full ranking,
// ties (equal scores, ordered by key) included. Checked on generated lists against a full sort.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { bestOf, byScore, type Ranked } from "./routes.ts";
import { propertyParameters } from "../../../../../tests/reliability/scale.ts";

const rankedArb: fc.Arbitrary<Ranked[]> = fc.uniqueArray(
  fc.record({ key: fc.string({ maxLength: 3 }), score: fc.oneof(fc.constantFrom(0, 1, 2.5), fc.double({ min: -5, max: 5, noNaN: true })) }),
  { selector: (item) => item.key, maxLength: 400 },
);

test("bestOf is the head of the full ranking, ties included", () => {
  fc.assert(fc.property(rankedArb, fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }), (list, count) => {
    const expected = [...list].sort(byScore).slice(0, count);
    assert.deepEqual(bestOf([...list], count), expected);
  }), propertyParameters("bestOf", 2000, 50_000));
});
