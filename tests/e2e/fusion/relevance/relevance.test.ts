// Relevance measured, not assumed: on the labelled collection (collection.ts), hybrid RRF of a text
// route and a knn route must beat each route alone on mean nDCG@10. The figures are printed (and
// quoted in docs/fusion.md#relevance); the collection is deterministic, so they are the same on every run.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { fq, fr, fusionField, fusionSchema, fusionText, type FusionRetriever } from "@ossv/sdk";
import { startSdkServer, type SdkServer } from "../../sdk-server.ts";
import { buildCollection, DIMENSION, ndcgAt } from "./collection.ts";

let s: SdkServer;
const at = { bucket: "relevance", indexName: "labelled" };
const collection = buildCollection();

before(async () => {
  s = await startSdkServer();
  await s.client.putVectorBucket({ bucket: at.bucket });
  await s.client.putVectorIndexFusion({
    ...at, schemaConfiguration: fusionSchema(fusionField.vector("embedding", DIMENSION, "cosine"), fusionField.string("title", { text: fusionText.standard() })),
  });
  for (let i = 0; i < collection.docs.length; i += 100) {
    const batch = collection.docs.slice(i, i + 100).map((doc) => ({ key: doc.key, data: { embedding: doc.vector }, metadata: { title: doc.title } }));
    await s.client.putVectors({ ...at, vectors: batch });
  }
});
after(async () => { await s.stop(); });

async function meanNdcg(retrieverOf: (q: (typeof collection.queries)[number]) => FusionRetriever): Promise<number> {
  let total = 0;
  for (const q of collection.queries) {
    const { vectors } = await s.client.queryVectorsFusion({ ...at, retriever: retrieverOf(q), limit: 10 });
    total += ndcgAt(10, vectors.map((hit) => hit.key), q.grades);
  }
  return total / collection.queries.length;
}

test("hybrid RRF beats text-only and vector-only on nDCG@10", async () => {
  const text = (q: { text: string }) => fr.simple(fq.text("title", q.text));
  const knn = (q: { vector: number[] }) => fr.knn({ field: "embedding", queryVector: q.vector, topK: 100, numCandidates: 100 });
  const textOnly = await meanNdcg(text);
  const vectorOnly = await meanNdcg(knn);
  const hybrid = await meanNdcg((q) => fr.rrf([text(q), knn(q)], { k: 60, windowSize: 100 }));
  console.log(`# relevance (${collection.docs.length} documents, ${collection.queries.length} queries): mean nDCG@10 text-only ${textOnly.toFixed(3)}, vector-only ${vectorOnly.toFixed(3)}, hybrid RRF ${hybrid.toFixed(3)}`);
  assert.ok(hybrid > textOnly, `hybrid ${hybrid} vs text ${textOnly}`);
  assert.ok(hybrid > vectorOnly, `hybrid ${hybrid} vs vector ${vectorOnly}`);
});
