// A Fusion index (fusion-values.ts): documents with two vector fields and a full-text body. Queries
// are QueryVectorsFusion: k-NN on either vector field, sometimes filtered by group, and full-text
// matches of one write's own word. After a recovery every key's current word must find that key and
// only it, the words of overwritten and deleted documents nothing, and sampled documents must be their
// own nearest neighbours on each vector field.
import { isDeepStrictEqual } from "node:util";
import { fq, type FusionHit, type QueryVectorsFusionRequest, type Vector, type VectorsClient } from "@ossv/sdk";
import type { IndexKind, LoadContext } from "./index-kind.ts";
import { BUCKET, INDEX } from "./serve-fixture.ts";
import { writeIdOf, writeProblems } from "./vector-checks.ts";
import { cosine, DIR, dirVector, FUSION_SCHEMA, fusionData, fusionMetadata, hasDir, NEAR, wordOf } from "./fusion-values.ts";
import { euclidean, GROUPS, sameFloat32Bits, writeVector } from "./write-values.ts";

const index = { bucket: BUCKET, indexName: INDEX };
const upTo = (max: number, random: () => number) => 1 + Math.floor(random() * max);
/** Words per text query in the recovery check: each query is one request for this many keys. */
const WORDS_PER_QUERY = 250;
/**
 * After each recovery the words of the most recent this many write ids no key holds are searched (all
 * of them at CI size; under OSSV_TORTURE the run writes tens of thousands).
 */
const STALE_WORDS_CHECKED = 4000;

interface Route {
  field: string;
  target: Float32Array;
  /** The score a document of write `id` must get, or undefined when it must not be a hit at all. */
  expected: (id: number) => number | undefined;
}

function route(field: string, writeId: number): Route {
  if (field === NEAR) {
    const target = writeVector(writeId);
    return { field, target, expected: (id) => 1 / (1 + euclidean(target, writeVector(id)) ** 2) };
  }
  const target = dirVector(writeId);
  return { field, target, expected: (id) => (hasDir(id) ? (1 + cosine(target, dirVector(id))) / 2 : undefined) };
}

export const fusionKind: IndexKind = {
  name: "Fusion",

  async createIndex(client: VectorsClient): Promise<void> {
    await client.putVectorIndexFusion({ ...index, schemaConfiguration: FUSION_SCHEMA });
  },

  vectorOf: (key, writeId) => ({ key, data: fusionData(writeId), metadata: { ...fusionMetadata(writeId) } }),

  vectorProblems: (vector, via, expectData) => writeProblems(vector, via, expectData, fusionMetadata, (data, id) => sameData(data, fusionData(id))),

  /** k-NN on one of the vector fields, or a full-text match of some put's own word. */
  async query(ctx, maxTopK) {
    const writeId = upTo(Math.max(1, ctx.history.lastId), ctx.random);
    const draw = ctx.random();
    if (draw < 0.3) return await textQuery(ctx, writeId);
    return await knnQuery(ctx, route(draw < 0.65 ? NEAR : DIR, writeId), upTo(maxTopK, ctx.random));
  },

  async recoveryQueries(ctx, present, samples) {
    const current = ledgerDocuments(ctx);
    const problems = [...await currentWordsFind(ctx, current), ...await staleWordsFindNothing(ctx, current)];
    const keys = [...present.keys()];
    for (let i = 0; i < Math.min(samples, keys.length); i++) {
      const vector = present.get(keys[Math.floor(ctx.random() * keys.length)] as string) as Vector;
      const id = writeIdOf(vector);
      if (id === undefined) continue;
      problems.push(...await ownNearest(ctx, vector.key, route(NEAR, id)));
      if (hasDir(id)) problems.push(...await ownNearest(ctx, vector.key, route(DIR, id)));
    }
    return problems;
  },
};

/** Exactly the fields of `expected`, each bit for bit. */
function sameData(data: Record<string, number[]> | undefined, expected: Record<string, Float32Array>): boolean {
  if (!data || Object.keys(data).sort().join() !== Object.keys(expected).sort().join()) return false;
  return Object.entries(expected).every(([field, values]) => sameFloat32Bits(data[field] ?? [], values));
}

type Search = Pick<QueryVectorsFusionRequest, "knn" | "query" | "limit">;

/** QueryVectorsFusion with metadata; every hit is recorded as a read of its key. */
async function search(ctx: LoadContext, via: string, request: Search): Promise<{ hits: FusionHit[]; nextToken?: string }> {
  const invokedAt = ctx.history.now();
  const { vectors: hits, nextToken } = await ctx.client.queryVectorsFusion({ ...index, ...request, returnMetadata: true });
  const respondedAt = ctx.history.now();
  for (const hit of hits) ctx.history.recordRead({ key: hit.key, value: writeIdOf(hit) ?? -1, invokedAt, respondedAt, via });
  return nextToken === undefined ? { hits } : { hits, nextToken };
}

async function knnQuery(ctx: LoadContext, { field, target, expected }: Route, topK: number): Promise<string[]> {
  const group = ctx.random() < 0.3 ? Math.floor(ctx.random() * GROUPS) : undefined;
  const via = `QueryVectorsFusion knn ${field}`;
  const { hits } = await search(ctx, via, { knn: [{ field, queryVector: target, topK, ...(group !== undefined && { filter: fq.eq("group", group) }) }] });
  const problems: string[] = [];
  if (hits.length > topK) problems.push(`${via}: ${hits.length} hits for topK ${topK}`);
  let previous = Infinity;
  for (const hit of hits) {
    problems.push(...fusionKind.vectorProblems(hit, via, false));
    const id = writeIdOf(hit);
    const score = id === undefined ? undefined : expected(id);
    if (id !== undefined && score === undefined) problems.push(`${via}: ${hit.key} (write ${id}) has no ${field} field, yet was a hit`);
    if (score !== undefined && !(Math.abs(hit.score - score) <= 1e-6 * score)) problems.push(`${via}: ${hit.key} (write ${id}) scored ${hit.score}, expected ${score}`);
    if (group !== undefined && hit.metadata?.["group"] !== group) problems.push(`${via}: ${hit.key} is not in group ${group}`);
    if (hit.score > previous) problems.push(`${via}: hits are not best first`);
    previous = hit.score;
  }
  if (new Set(hits.map((hit) => hit.key)).size !== hits.length) problems.push(`${via}: a key came back twice`);
  return problems;
}

/**
 * A full-text match of write `writeId`'s own word: no document but that write's can hold it, so any
 * hit is that write's document, at any timing (the text index and the documents change in one step).
 */
async function textQuery(ctx: LoadContext, writeId: number): Promise<string[]> {
  const via = "QueryVectorsFusion text";
  const { hits } = await search(ctx, via, { query: fq.text("body", wordOf(writeId)) });
  const problems = hits.flatMap((hit) => fusionKind.vectorProblems(hit, via, false));
  const strangers = hits.filter((hit) => writeIdOf(hit) !== writeId);
  if (hits.length > 1 || strangers.length > 0) {
    problems.push(`${via}: ${wordOf(writeId)} (write ${writeId}) found ${hits.map((hit) => `${hit.key} (write ${writeIdOf(hit)})`).join(", ")}`);
  }
  return problems;
}

/**
 * What the ledger says each key holds now (recovery has settled every write in doubt): key -> the write
 * id of its last put, for the keys not deleted. The text is judged against this, not against what
 * GetVectors found, so a document lost or brought back shows in the text too.
 */
function ledgerDocuments(ctx: LoadContext): Map<string, number> {
  const current = new Map<string, number>();
  for (const key of ctx.keys.names) {
    const { value } = ctx.history.lastAcknowledged(key);
    if (value !== null) current.set(key, value);
  }
  return current;
}

/** Each key's current word finds that key, with its current document, and nothing else does. */
async function currentWordsFind(ctx: LoadContext, current: ReadonlyMap<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const documents = [...current];
  for (let i = 0; i < documents.length; i += WORDS_PER_QUERY) {
    const chunk = documents.slice(i, i + WORDS_PER_QUERY);
    const expected = chunk.map(([key, id]) => `${key} (write ${id})`).sort();
    const found = await textHits(ctx, "recovery text of present keys", chunk.map(([, id]) => id));
    if (!isDeepStrictEqual(found, expected)) {
      const missing = expected.filter((item) => !found.includes(item));
      const extra = found.filter((item) => !expected.includes(item));
      problems.push(`recovery: the words of ${chunk.length} present keys: missing ${missing.join(", ") || "none"}; found besides ${extra.join(", ") || "none"}`);
    }
  }
  return problems;
}

/**
 * The words of writes no key holds find nothing: puts overwritten or deleted since (a stale text hit),
 * puts a kill cut off before they took effect. (A delete's id has a word too, that no document holds.)
 */
async function staleWordsFindNothing(ctx: LoadContext, current: ReadonlyMap<string, number>): Promise<string[]> {
  const problems: string[] = [];
  const currentIds = new Set(current.values());
  const stale: number[] = [];
  for (let id = ctx.history.lastId; id >= 1 && stale.length < STALE_WORDS_CHECKED; id--) if (!currentIds.has(id)) stale.push(id);
  for (let i = 0; i < stale.length; i += WORDS_PER_QUERY) {
    const found = await textHits(ctx, "recovery text of writes no key holds", stale.slice(i, i + WORDS_PER_QUERY));
    if (found.length > 0) problems.push(`recovery: words of writes no key holds (overwritten, deleted, never applied) found ${found.join(", ")}`);
  }
  return problems;
}

/** Every hit of a text query for any of the writes' words, as "key (write id)", sorted. */
async function textHits(ctx: LoadContext, via: string, writeIds: number[]): Promise<string[]> {
  const { hits, nextToken } = await search(ctx, via, { query: fq.text("body", writeIds.map(wordOf).join(" ")), limit: 1000 });
  if (nextToken !== undefined) ctx.problems.push(`${via}: more than 1000 hits for ${writeIds.length} words`);
  for (const hit of hits) ctx.problems.push(...fusionKind.vectorProblems(hit, via, false));
  return hits.map((hit) => `${hit.key} (write ${writeIdOf(hit)})`).sort();
}

/** The document of `key` is the best hit of k-NN on the field for its own vector. */
async function ownNearest(ctx: LoadContext, key: string, { field, target }: Route): Promise<string[]> {
  const { hits: [hit] } = await search(ctx, `recovery QueryVectorsFusion knn ${field}`, { knn: [{ field, queryVector: target, topK: 1 }] });
  const exact = field === NEAR ? hit?.score === 1 : (hit?.score ?? 0) > 1 - 1e-9;
  return hit?.key === key && exact ? [] : [`recovery: k-NN on ${field} for ${key}'s own vector found ${hit?.key} scoring ${hit?.score}`];
}
