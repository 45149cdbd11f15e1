// Steps every system's suite shares: ingest in batches, the query matrix (filter x concurrency), the
// delete phase, and the recall/QPS tuning sweep. Each system supplies only its own calls.
import { FILTER_KINDS, isDeletedRow, type Dataset, type FilterKind } from "./dataset.ts";
import { K, matchingRows, truthAfterDelete, type Truth } from "./ground-truth.ts";
import { itemsPerSecond, measureQueries, type QueryPlan, type SearchFn } from "./measure.ts";
import type { Profile } from "./profile.ts";
import { notAvailable, type Measurement, type SweepPoint } from "./report-types.ts";

export interface BenchContext {
  data: Dataset;
  truth: Truth;
  profile: Profile;
  /** A scratch directory for this system and data set. */
  workDir: string;
  log(line: string): void;
}

export type FilteredSearch = (kind: FilterKind) => SearchFn;

function rowBatches(rows: readonly number[], size: number): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < rows.length; i += size) batches.push(rows.slice(i, i + size));
  return batches;
}

export function rowRange(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Writes `rows` in batches of the profile's size from `writers` concurrent loops; vectors/s. */
export async function timedIngest(ctx: BenchContext, rows: number[], writers: number, putBatch: (rows: number[]) => Promise<void>): Promise<Measurement> {
  const batches = rowBatches(rows, ctx.profile.batchSize);
  const rate = await itemsPerSecond(batches.length, rows.length, (b) => putBatch(batches[b]!), writers);
  ctx.log(`    ingest ${rows.length} with ${writers} writer(s): ${Math.round(rate)} vectors/s`);
  return { vectors_per_s: rate, vectors: rows.length, writers, batch_size: ctx.profile.batchSize };
}

/** The rows the delete phase removes (50 %, chosen by hash). */
export function rowsToDelete(data: Dataset): number[] {
  return rowRange(0, data.spec.count).filter(isDeletedRow);
}

export async function timedDelete(ctx: BenchContext, deleteBatch: (rows: number[]) => Promise<void>): Promise<Measurement> {
  const rows = rowsToDelete(ctx.data);
  const batches = rowBatches(rows, ctx.profile.batchSize);
  const rate = await itemsPerSecond(batches.length, rows.length, (b) => deleteBatch(batches[b]!));
  ctx.log(`    delete ${rows.length} keys: ${Math.round(rate)} keys/s`);
  return { keys_per_s: rate, keys: rows.length, batch_size: ctx.profile.batchSize };
}

function planFor(ctx: BenchContext, kind: FilterKind, concurrency: number, afterDelete: boolean): QueryPlan {
  const { data, truth, profile } = ctx;
  const truthRows = afterDelete ? truthAfterDelete(data, truth, kind, isDeletedRow) : truth[kind].map((rows) => rows.slice(0, K));
  return {
    concurrency, queryCount: data.spec.queries, warmupQueries: profile.warmupQueries, repeats: profile.repeats,
    maxQueriesPerRepeat: profile.maxQueriesPerRepeat, maxSecondsPerRepeat: profile.maxSecondsPerRepeat,
    truth: truthRows, matching: matchingRows(data, kind, afterDelete ? isDeletedRow : undefined),
    ...(afterDelete ? { forbidden: isDeletedRow } : {}),
  };
}

export interface MatrixOptions {
  afterDelete: boolean;
  kinds?: readonly FilterKind[];
  /** Set when the system cannot serve concurrent clients; the high-concurrency cells say why. */
  noConcurrency?: string;
}

/** Fills `query_<filter>_c<clients>` (or `after_delete_query_...`) for each filter and client count. */
export async function measureQueryMatrix(ctx: BenchContext, search: FilteredSearch, options: MatrixOptions, into: Record<string, Measurement>): Promise<void> {
  const prefix = options.afterDelete ? "after_delete_query" : "query";
  for (const kind of options.kinds ?? FILTER_KINDS) {
    for (const clients of [1, ctx.profile.highConcurrency]) {
      const name = `${prefix}_${kind}_c${clients}`;
      if (clients > 1 && options.noConcurrency) {
        into[name] = notAvailable(options.noConcurrency);
        continue;
      }
      const figures = await measureQueries(search(kind), planFor(ctx, kind, clients, options.afterDelete));
      into[name] = figures;
      ctx.log(`    ${name}: ${figures.qps.toFixed(1)} q/s, p50 ${figures.p50_ms.toFixed(2)} ms, p99 ${figures.p99_ms.toFixed(2)} ms, `
        + `recall ${figures.recall_at_10.toFixed(3)}, short ${figures.short_results}`
        + (figures.deleted_returned !== undefined ? `, deleted returned ${figures.deleted_returned}` : ""));
    }
  }
}

/**
 * Tries every setting, cheapest to most expensive, on the unfiltered queries (one client): each is a
 * point on the recall/QPS chart. The first that reaches the recall target is chosen; if none does, the
 * most accurate one is, and the report says the target was not reached.
 */
export async function tuneToRecall<S>(ctx: BenchContext, settings: readonly S[], label: (s: S) => string, apply: (s: S) => Promise<void> | void, search: SearchFn): Promise<{ chosen: S; reached: boolean; sweep: SweepPoint[] }> {
  const sweep: SweepPoint[] = [];
  const base = planFor(ctx, "none", 1, false);
  const plan: QueryPlan = { ...base, repeats: 1, warmupQueries: 10, maxQueriesPerRepeat: ctx.profile.sweepQueries, maxSecondsPerRepeat: 20 };
  let chosen: S | undefined;
  for (const setting of settings) {
    await apply(setting);
    const figures = await measureQueries(search, plan);
    sweep.push({ setting: label(setting), recall_at_10: figures.recall_at_10, qps: figures.qps });
    ctx.log(`    sweep ${label(setting)}: recall ${figures.recall_at_10.toFixed(3)}, ${figures.qps.toFixed(0)} q/s`);
    if (chosen === undefined && figures.recall_at_10 >= ctx.profile.recallTarget) chosen = setting;
  }
  const reached = chosen !== undefined;
  const final = chosen ?? settings[settings.length - 1]!;
  await apply(final);
  return { chosen: final, reached, sweep };
}
