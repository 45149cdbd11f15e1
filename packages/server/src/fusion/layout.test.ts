// The server packs a Fusion document's vector fields into one engine row (layout.ts); the engine reads
// the same layout from the stored schema to build its per-field graphs (fieldSpans). Both must place
// every field at the same offset, for every valid schema.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fieldSpans } from "@ossv/engine";
import { parseFusionSchema } from "@ossv/protocol";
import { layoutOf } from "./layout.ts";
import { validSchemaArb } from "../../../../tests/e2e/fusion/schema-arbitraries.ts";
import { propertyParameters } from "../../../../tests/reliability/scale.ts";

test("the engine's field spans and the server's row layout agree on every valid schema", () => {
  fc.assert(fc.property(validSchemaArb, (raw) => {
    const layout = layoutOf(parseFusionSchema(raw));
    const spans = fieldSpans(raw);
    assert.deepEqual(
      spans.map(({ offset, dimension, metric }) => ({ offset, dimension, metric })),
      layout.slots.map(({ offset, field }) => ({ offset, dimension: field.dimension, metric: field.distanceMetric })),
    );
    assert.deepEqual(layout.slots.map((slot) => slot.position), layout.slots.map((_, i) => i));
  }), propertyParameters("fusion layout", 300, 5000));
});
