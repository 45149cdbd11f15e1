// nearest() keeps only the best hits while it scans; it must rank exactly as sorting every document
// would: score descending, equal scores in key order, documents without the field or refused by the
// filter left out. Vectors are drawn from a handful of values so that ties are common.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { LiveRowVisitor, Metadata, VectorRecord } from "@ossv/engine";
import type { FusionMetric } from "@ossv/protocol";
import { layoutOf, packRow } from "./layout.ts";
import { nearest, similarityScore } from "./knn.ts";

const DIMENSION = 3;
const METRICS: FusionMetric[] = ["cosine", "euclidean", "ip"];
const component = fc.constantFrom(-1, -0.5, 0, 0.5, 1);
const values = fc.array(component, { minLength: DIMENSION, maxLength: DIMENSION });

function documentsFrom(metric: FusionMetric, drawn: { key: string; values: number[] | null; odd: boolean }[]) {
  const schema = { vectorFields: [{ name: "v", dimension: DIMENSION, distanceMetric: metric }] };
  const layout = layoutOf(schema as unknown as Parameters<typeof layoutOf>[0]);
  const documents: VectorRecord[] = drawn.map(({ key, values, odd }) => ({
    key, data: packRow(layout, new Map(values ? [["v", values]] : [])), metadata: { odd },
  }));
  return { slot: layout.slots[0]!, documents };
}

test("nearest() ranks as a full sort by score then key would, ties and filters included", () => {
  const drawnDocuments = fc.uniqueArray(
    fc.record({ key: fc.string({ minLength: 1, maxLength: 3 }), values: fc.option(values, { nil: null }), odd: fc.boolean() }),
    { selector: (d) => d.key, maxLength: 40 },
  );
  fc.assert(fc.property(fc.constantFrom(...METRICS), drawnDocuments, values, fc.integer({ min: 1, max: 45 }), fc.boolean(), (metric, drawn, query, topK, filtered) => {
    const { slot, documents } = documentsFrom(metric, drawn);
    const queryVector = Float32Array.from(query);
    const accept = filtered ? (_key: string, metadata: () => Readonly<Metadata>) => metadata()["odd"] === true : undefined;
    const scan = (visit: LiveRowVisitor) => documents.forEach((d) => visit(d.key, d.data, () => d.metadata));
    const got = nearest(scan, slot, queryVector, topK, accept).map((hit) => [hit.key, hit.score]);
    const expected = drawn
      .filter((d) => d.values !== null && (!filtered || d.odd))
      .map((d) => [d.key, similarityScore(metric, Float32Array.from(d.values!), queryVector)] as [string, number])
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
      .slice(0, topK);
    assert.deepEqual(got, expected);
  }), { numRuns: 500 });
});
