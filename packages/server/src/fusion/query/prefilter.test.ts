// A knn route hands the engine a Standard-language prefilter derived from its filter (prefilterOf):
// the engine ranks only rows the prefilter allows, so it must allow every document the filter
// matches. Checked on generated documents of every scalar type (arrays too, fields left out) and
// generated expressions of every operator, against both evaluators.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { evaluateFilter, parseFusionSchema } from "@ossv/protocol";
import type { Metadata } from "@ossv/engine";
import { evaluate, parseExpression, prefilterOf } from "./expression.ts";
import { propertyParameters } from "../../../../../tests/reliability/scale.ts";

const schema = parseFusionSchema({
  fields: [
    { name: "v", type: "vector", dataType: "float32", dimension: 2, distanceMetric: "euclidean" },
    { name: "s", type: "string" }, { name: "tags", type: "string", isArray: true }, { name: "n", type: "long" },
    { name: "d", type: "double" }, { name: "b", type: "bool" }, { name: "ns", type: "long", isArray: true },
  ],
});

const word = fc.constantFrom("a", "b", "c", "", "Ä");
const int = fc.integer({ min: -3, max: 3 });
const metadataArb: fc.Arbitrary<Metadata> = fc.record({
  s: word, tags: fc.array(word, { maxLength: 3 }), n: int, d: fc.constantFrom(-1.5, 0, -0, 2, 3.25), b: fc.boolean(), ns: fc.array(int, { maxLength: 3 }),
}, { requiredKeys: [] });

const valueFor: Record<string, fc.Arbitrary<string | number | boolean>> = {
  s: word, tags: word, n: int, d: fc.constantFrom(-1.5, 0, 2, 3.25), b: fc.boolean(), ns: int,
};
const leafArb: fc.Arbitrary<Record<string, unknown>> = fc.constantFrom(...Object.keys(valueFor)).chain((field) => fc.oneof(
  valueFor[field]!.map((value) => ({ [field]: value })),
  fc.tuple(fc.constantFrom("$eq", "$ne", "$gt", "$gte", "$lt", "$lte"), valueFor[field]!).map(([op, value]) => ({ [field]: { [op]: value } })),
  fc.tuple(fc.constantFrom("$in", "$nin"), fc.array(valueFor[field]!, { minLength: 1, maxLength: 3 })).map(([op, values]) => ({ [field]: { [op]: values } })),
));
const expressionArb: fc.Arbitrary<Record<string, unknown>> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: "small" }, leafArb, tie("and"), tie("or")),
  and: fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((clauses) => ({ $and: clauses })),
  or: fc.array(tie("node"), { minLength: 1, maxLength: 3 }).map((clauses) => ({ $or: clauses })),
})).node as fc.Arbitrary<Record<string, unknown>>;

test("a knn filter's prefilter allows every document the filter matches", () => {
  let prefiltered = 0;
  fc.assert(fc.property(expressionArb, fc.array(metadataArb, { minLength: 1, maxLength: 20 }), (raw, documents) => {
    let parsed;
    try {
      parsed = parseExpression(raw, schema, "filter");
    } catch {
      return; // a refused expression (a boolean compared by order, say) never reaches the engine
    }
    const prefilter = prefilterOf(parsed.root);
    if (prefilter) prefiltered++;
    for (const metadata of documents) {
      const matches = evaluate(parsed.root, "k", () => metadata, []).match;
      if (matches && prefilter) assert.ok(evaluateFilter(prefilter, metadata), `${JSON.stringify(raw)} on ${JSON.stringify(metadata)}: ${JSON.stringify(prefilter)}`);
    }
  }), propertyParameters("knn prefilter", 2000, 50_000));
  assert.ok(prefiltered > 100, `expressions with a prefilter were generated (${prefiltered})`);
});
