// The operations of a load, each one SDK request (ListVectors: one request per page) recorded in the
// history: writes when issued and when acknowledged, every key a read request saw with the interval of
// that request; what a put stores and how a query asks come from the index's kind (index-kind.ts). A
// call that throws leaves its writes unanswered; the runner decides what that means.
import type { Vector } from "@ossv/sdk";
import type { LoadContext } from "./index-kind.ts";
import { BUCKET, INDEX } from "./serve-fixture.ts";
import { writeIdOf } from "./vector-checks.ts";

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
    const vectors = writes.map((write) => ctx.kind.vectorOf(write.key, write.id));
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
  for (const vector of vectors) report(ctx, ctx.kind.vectorProblems(vector, via, true));
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
      report(ctx, ctx.kind.vectorProblems(vector, via, true));
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

/** One query of the index's kind (IndexKind.query): its hits are reads, its wrong answers reported. */
export async function querySome(ctx: LoadContext, maxTopK: number): Promise<void> {
  report(ctx, await ctx.kind.query(ctx, maxTopK));
}
