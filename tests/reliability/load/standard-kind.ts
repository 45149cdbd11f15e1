// A Standard index of DIMENSION float32 components, euclidean: each write's vector and metadata come
// from write-values.ts; queries are QueryVectors near some put's vector, sometimes filtered by group.
import type { Vector, VectorsClient } from "@ossv/sdk";
import type { IndexKind, LoadContext } from "./index-kind.ts";
import { BUCKET, INDEX } from "./serve-fixture.ts";
import { writeIdOf, writeProblems } from "./vector-checks.ts";
import { DIMENSION, euclidean, GROUPS, sameFloat32Bits, writeMetadata, writeVector } from "./write-values.ts";

const index = { bucket: BUCKET, indexName: INDEX };
const upTo = (max: number, random: () => number) => 1 + Math.floor(random() * max);

export const standardKind: IndexKind = {
  name: "Standard",

  async createIndex(client: VectorsClient): Promise<void> {
    await client.putVectorIndex({ ...index, dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
  },

  vectorOf: (key, writeId) => ({ key, data: { float32: writeVector(writeId) }, metadata: { ...writeMetadata(writeId) } }),

  vectorProblems: (vector, via, expectData) => writeProblems(vector, via, expectData, writeMetadata,
    (data, id) => sameFloat32Bits((data as { float32?: number[] } | undefined)?.float32 ?? [], writeVector(id))),

  /**
   * A similarity query near some put's vector, sometimes filtered by group. Hits must be distinct,
   * match the filter, come closest first, and report the distance of the vector their write id names.
   */
  async query(ctx, maxTopK) {
    const target = writeVector(upTo(Math.max(1, ctx.history.lastId), ctx.random));
    const group = ctx.random() < 0.3 ? Math.floor(ctx.random() * GROUPS) : undefined;
    const invokedAt = ctx.history.now();
    const { vectors } = await ctx.client.queryVectors({
      ...index, queryVector: { float32: target }, topK: upTo(maxTopK, ctx.random), returnMetadata: true, returnDistance: true,
      ...(group === undefined ? {} : { filter: { group: { $eq: group } } }),
    });
    const respondedAt = ctx.history.now();
    for (const vector of vectors) {
      ctx.history.recordRead({ key: vector.key, value: writeIdOf(vector) ?? -1, invokedAt, respondedAt, via: "QueryVectors" });
    }
    return queryProblems(vectors, target, group);
  },

  /** The first `samples` present vectors are each the nearest neighbour of their own data (at distance 0). */
  async recoveryQueries(ctx, present, samples) {
    const problems: string[] = [];
    for (const vector of [...present.values()].slice(0, samples)) {
      const id = writeIdOf(vector);
      if (id === undefined) continue;
      const hit = await nearest(ctx, writeVector(id));
      if (hit?.key !== vector.key || hit.distance !== 0) {
        problems.push(`recovery: a query for ${vector.key}'s own vector found ${hit?.key} at ${hit?.distance}`);
      }
    }
    return problems;
  },
};

async function nearest(ctx: LoadContext, target: Float32Array): Promise<Vector | undefined> {
  const invokedAt = ctx.history.now();
  const { vectors: [hit] } = await ctx.client.queryVectors({ ...index, queryVector: { float32: target }, topK: 1, returnMetadata: true, returnDistance: true });
  const respondedAt = ctx.history.now();
  if (hit) ctx.history.recordRead({ key: hit.key, value: writeIdOf(hit) ?? -1, invokedAt, respondedAt, via: "recovery QueryVectors" });
  return hit;
}

function queryProblems(vectors: Vector[], target: Float32Array, group: number | undefined): string[] {
  const problems: string[] = [];
  let previous = -Infinity;
  for (const vector of vectors) {
    problems.push(...standardKind.vectorProblems(vector, "QueryVectors", false));
    const id = writeIdOf(vector);
    const distance = vector.distance ?? NaN;
    if (id !== undefined) {
      const expected = euclidean(target, writeVector(id));
      if (!(Math.abs(distance - expected) <= 1e-3 * Math.max(1, expected))) {
        problems.push(`QueryVectors: ${vector.key} (write ${id}) at distance ${distance}, expected ${expected}`);
      }
    }
    if (group !== undefined && vector.metadata?.["group"] !== group) problems.push(`QueryVectors: ${vector.key} is not in group ${group}`);
    if (distance < previous) problems.push("QueryVectors: hits are not closest first");
    previous = distance;
  }
  if (new Set(vectors.map((vector) => vector.key)).size !== vectors.length) problems.push("QueryVectors: a key came back twice");
  return problems;
}
