// Generated QueryVectorsFusion requests against a model: random documents (some vector fields
// missing), random filters of the query language, knn with a filter and pure queries, after random
// upserts and deletes. The model is a brute-force evaluation written independently of the server: a
// filtered knn must return exactly min(topK, matching documents with the field), the nearest first, and
// a pure scalar query exactly the matching keys.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { fq, fusionField, fusionSchema, fusionText, type FusionExpression } from "@ossv/sdk";
import { startSdkServer, type SdkServer } from "../sdk-server.ts";
import { propertyParameters } from "../../reliability/scale.ts";

let s: SdkServer;
const bucket = "fusion-prop";
before(async () => {
  s = await startSdkServer();
  await s.client.putVectorBucket({ bucket });
});
after(async () => { await s.stop(); });

const schema = fusionSchema(
  fusionField.vector("a", 2, "euclidean"), fusionField.vector("b", 3, "cosine"),
  fusionField.string("brand"), fusionField.long("stock"), fusionField.string("tags", { isArray: true }),
  fusionField.string("title", { text: fusionText.standard() }),
);

type Doc = { key: string; a?: number[]; b?: number[]; brand?: string; stock?: number; tags?: string[]; title?: string };
type Filter = { json: FusionExpression; holds: (doc: Doc) => boolean };

const small = fc.integer({ min: -4, max: 4 });
const brands: fc.Arbitrary<string> = fc.constantFrom("x", "y", "z");
const words = fc.constantFrom("red", "green", "blue");
const docArb: fc.Arbitrary<Doc> = fc.record({
  key: fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8"),
  a: fc.array(small, { minLength: 2, maxLength: 2 }),
  b: fc.array(small, { minLength: 3, maxLength: 3 }).filter((v) => v.some((x) => x !== 0)),
  brand: brands, stock: small, tags: fc.array(brands, { maxLength: 2 }), title: fc.array(words, { maxLength: 3 }).map((w) => w.join(" ")),
}, { requiredKeys: ["key"] });

const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  brands.map((v) => ({ json: fq.eq("brand", v), holds: (d: Doc) => d.brand === v })),
  small.map((v) => ({ json: fq.gt("stock", v), holds: (d: Doc) => d.stock !== undefined && d.stock > v })),
  fc.tuple(small, small).map(([lo, hi]) => ({ json: fq.range("stock", { gte: lo, lt: hi }), holds: (d: Doc) => d.stock !== undefined && d.stock >= lo && d.stock < hi })),
  fc.array(brands, { minLength: 1, maxLength: 2 }).map((vs) => ({ json: fq.in("tags", vs), holds: (d: Doc) => (d.tags ?? []).some((t) => vs.includes(t)) })),
  words.map((w) => ({ json: fq.text("title", w), holds: (d: Doc) => (d.title ?? "").split(" ").includes(w) })),
);
const compoundOf = (clause: fc.Arbitrary<Filter>): fc.Arbitrary<Filter> => fc.oneof(
  fc.array(clause, { minLength: 1, maxLength: 3 }).map((ls) => ({ json: fq.and(...ls.map((l) => l.json)), holds: (d: Doc) => ls.every((l) => l.holds(d)) })),
  fc.array(clause, { minLength: 1, maxLength: 3 }).map((ls) => ({ json: fq.or(...ls.map((l) => l.json)), holds: (d: Doc) => ls.some((l) => l.holds(d)) })),
);
// Two levels: a query whose full-text leaves sit under $and and $or, beside scalar ones, is answered
// from the text hits alone when they decide it (routes.ts candidatesOf), else by a scan of every document.
const filterArb: fc.Arbitrary<Filter> = fc.oneof(leafArb, compoundOf(leafArb), compoundOf(fc.oneof(leafArb, compoundOf(leafArb))));

const toWire = (d: Doc) => {
  const { key, a, b, ...metadata } = d;
  return { key, data: { ...(a && { a }), ...(b && { b }) }, metadata };
};

test("filtered knn never comes up short and pure queries match exactly, after random writes", { timeout: 300_000 }, async () => {
  let run = 0;
  await fc.assert(fc.asyncProperty(
    fc.array(fc.uniqueArray(docArb, { minLength: 1, maxLength: 8, selector: (d) => d.key }), { minLength: 1, maxLength: 3 }),
    fc.uniqueArray(fc.constantFrom("k1", "k2", "k3"), { maxLength: 2 }),
    filterArb, fc.array(small, { minLength: 2, maxLength: 2 }), fc.integer({ min: 1, max: 8 }),
    async (batches, deleted, filter, queryVector, topK) => {
      const at = { bucket, indexName: `p${++run}` };
      await s.client.putVectorIndexFusion({ ...at, schemaConfiguration: schema });
      const model = new Map<string, Doc>();
      for (const batch of batches) {
        await s.client.putVectors({ ...at, vectors: batch.map(toWire) });
        for (const doc of batch) model.set(doc.key, doc);
      }
      if (deleted.length > 0) await s.client.deleteVectors({ ...at, keys: deleted });
      for (const key of deleted) model.delete(key);
      const where = `filter ${JSON.stringify(filter.json)}`;

      const knn = await s.client.queryVectorsFusion({ ...at, knn: [{ field: "a", queryVector, topK, filter: filter.json }], limit: 100 });
      const candidates = [...model.values()].filter((d) => d.a !== undefined && filter.holds(d));
      assert.equal(knn.vectors.length, Math.min(topK, candidates.length), where);
      const distance = (d: Doc) => (d.a![0]! - queryVector[0]!) ** 2 + (d.a![1]! - queryVector[1]!) ** 2;
      const kth = candidates.map(distance).sort((x, y) => x - y)[knn.vectors.length - 1];
      for (const hit of knn.vectors) {
        const doc = model.get(hit.key);
        assert.ok(doc && candidates.includes(doc), `${hit.key} must match — ${where}`);
        assert.ok(distance(doc) <= kth!, `${hit.key} is among the nearest — ${where}`);
        assert.ok(Math.abs(hit.score - 1 / (1 + distance(doc))) < 1e-6, `score of ${hit.key}`);
      }
      const scores = knn.vectors.map((hit) => hit.score);
      assert.deepEqual(scores, [...scores].sort((x, y) => y - x));

      const pure = await s.client.queryVectorsFusion({ ...at, query: filter.json, limit: 100 });
      assert.deepEqual(pure.vectors.map((hit) => hit.key).sort(), [...model.values()].filter(filter.holds).map((d) => d.key).sort(), where);
      await s.client.deleteVectorIndex(at);
    },
  ), propertyParameters("fusion query model", 40, 1000));
});
