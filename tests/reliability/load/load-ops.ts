// The operations of a load, each one SDK request (ListVectors: one request per page) recorded in the
// history: writes when issued and when acknowledged, every key a read request saw with the interval of
// that request. A call that throws leaves its writes unanswered; the runner decides what that means.
import type { Vector, VectorsClient } from "@ossv/sdk";
import type { History } from "./history.ts";
import type { KeyChooser } from "./key-chooser.ts";
import { BUCKET, INDEX } from "./serve-fixture.ts";
import { vectorProblems, writeIdOf } from "./vector-checks.ts";
import { euclidean, GROUPS, writeMetadata, writeVector } from "./write-values.ts";

export interface LoadContext {
  client: VectorsClient;
  history: History;
  keys: KeyChooser;
  random: () => number;
  /** Wrong answers that are wrong at any timing: corrupt vectors, bad query results. */
  problems: string[];
}

const MAX_PROBLEMS = 50;
const index = { bucket: BUCKET, indexName: INDEX };

function report(ctx: LoadContext, problems: string[]): void {
  ctx.problems.push(...problems.slice(0, Math.max(0, MAX_PROBLEMS - ctx.problems.length)));
}

const upTo = (max: number, random: () => number) => 1 + Math.floor(random() * max);

export async function putSome(ctx: LoadContext, maxKeys: number): Promise<void> {
  const keys = ctx.keys.claimForWrite(upTo(maxKeys, ctx.random), ctx.random);
  if (keys.length === 0) return;
  try {
    const writes = keys.map((key) => ctx.history.issue(key, "put"));
    const vectors = writes.map((write) => ({ key: write.key, data: { float32: writeVector(write.id) }, metadata: { ...writeMetadata(write.id) } }));
    await ctx.client.putVectors({ ...index, vectors });
    for (const write of writes) ctx.history.acknowledge(write);
  } finally {
    ctx.keys.release(keys);
  }
}

export async function deleteSome(ctx: LoadContext, maxKeys: number): Promise<void> {
  const keys = ctx.keys.claimForWrite(upTo(maxKeys, ctx.random), ctx.random);
  if (keys.length === 0) return;
  try {
    const writes = keys.map((key) => ctx.history.issue(key, "delete"));
    await ctx.client.deleteVectors({ ...index, keys });
    for (const write of writes) ctx.history.acknowledge(write);
  } finally {
    ctx.keys.release(keys);
  }
}

export async function getSome(ctx: LoadContext, maxKeys: number, via = "GetVectors"): Promise<Map<string, Vector>> {
  const keys = ctx.keys.anyKeys(upTo(maxKeys, ctx.random), ctx.random);
  return await getKeys(ctx, keys, via);
}

/** GetVectors of exactly `keys` (at most 100); every key is recorded as read, found or absent. */
export async function getKeys(ctx: LoadContext, keys: string[], via = "GetVectors"): Promise<Map<string, Vector>> {
  const invokedAt = ctx.history.now();
  const { vectors } = await ctx.client.getVectors({ ...index, keys, returnData: true, returnMetadata: true });
  const respondedAt = ctx.history.now();
  const found = new Map(vectors.map((vector) => [vector.key, vector]));
  for (const vector of vectors) report(ctx, vectorProblems(vector, via, true));
  if (found.size !== vectors.length || vectors.some((vector) => !keys.includes(vector.key))) {
    report(ctx, [`${via}: asked for ${keys.join(",")}, got ${vectors.map((vector) => vector.key).join(",")}`]);
  }
  for (const key of keys) {
    const vector = found.get(key);
    ctx.history.recordRead({ key, value: vector ? writeIdOf(vector) ?? -1 : null, invokedAt, respondedAt, via });
  }
  return found;
}

/**
 * Lists the whole index page by page. Pages are in key order and each names the keys after the last
 * one of the page before, so a page is a read of every key in its range: present or absent.
 */
export async function listAll(ctx: LoadContext, pageSize: number, via = "ListVectors"): Promise<Map<string, Vector>> {
  const all = new Map<string, Vector>();
  let nextToken: string | undefined;
  let after = "";
  const maxPages = Math.ceil(ctx.keys.names.length / pageSize) + 2;
  for (let page = 0; page < maxPages; page++) {
    const invokedAt = ctx.history.now();
    const result = await ctx.client.listVectors({ ...index, maxResults: pageSize, returnData: true, returnMetadata: true, ...(nextToken ? { nextToken } : {}) });
    const respondedAt = ctx.history.now();
    const last = result.vectors.at(-1)?.key;
    const covered = ctx.keys.names.filter((key) => key > after && (result.nextToken === undefined || key <= (last as string)));
    const found = new Map(result.vectors.map((vector) => [vector.key, vector]));
    for (const vector of result.vectors) {
      report(ctx, vectorProblems(vector, via, true));
      if (!covered.includes(vector.key) || all.has(vector.key)) report(ctx, [`${via}: ${vector.key} out of order or unknown`]);
      all.set(vector.key, vector);
    }
    for (const key of covered) {
      const vector = found.get(key);
      ctx.history.recordRead({ key, value: vector ? writeIdOf(vector) ?? -1 : null, invokedAt, respondedAt, via });
    }
    if (result.nextToken === undefined) return all;
    if (last === undefined) throw new Error(`${via}: an empty page with a nextToken`);
    nextToken = result.nextToken;
    after = last;
  }
  throw new Error(`${via}: more than ${maxPages} pages for ${ctx.keys.names.length} keys`);
}

/**
 * A similarity query near some put's vector, sometimes filtered by group. Each hit is a read of its
 * key; besides, hits must be distinct, match the filter, come closest first, and report the distance
 * of the vector their write id names.
 */
export async function querySome(ctx: LoadContext, maxTopK: number): Promise<void> {
  const target = writeVector(upTo(Math.max(1, ctx.history.lastId), ctx.random));
  const group = ctx.random() < 0.3 ? Math.floor(ctx.random() * GROUPS) : undefined;
  const invokedAt = ctx.history.now();
  const { vectors } = await ctx.client.queryVectors({
    ...index, queryVector: { float32: target }, topK: upTo(maxTopK, ctx.random), returnMetadata: true, returnDistance: true,
    ...(group === undefined ? {} : { filter: { group: { $eq: group } } }),
  });
  const respondedAt = ctx.history.now();
  report(ctx, queryProblems(vectors, target, group));
  for (const vector of vectors) {
    ctx.history.recordRead({ key: vector.key, value: writeIdOf(vector) ?? -1, invokedAt, respondedAt, via: "QueryVectors" });
  }
}

function queryProblems(vectors: Vector[], target: Float32Array, group: number | undefined): string[] {
  const problems: string[] = [];
  let previous = -Infinity;
  for (const vector of vectors) {
    problems.push(...vectorProblems(vector, "QueryVectors", false));
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
