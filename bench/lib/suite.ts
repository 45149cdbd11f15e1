// Steps every system's suite shares: ingest in batches, the query matrix (filter x concurrency), the
// delete phase, and the recall/QPS tuning sweep. Each system supplies only its own calls.
import { FILTER_KINDS, isDeletedRow, type Dataset, type FilterKind } from "./dataset.ts";
import { K, matchingRows, truthAfterDelete, type Truth } from "./ground-truth.ts";
import { itemsPerSecond, measureQueries, warmUpSystem, type QueryFigures, type QueryPlan, type SearchFn } from "./measure.ts";
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

export function planFor(ctx: BenchContext, kind: FilterKind, concurrency: number, afterDelete: boolean): QueryPlan {
  const { data, truth, profile } = ctx;
  const truthRows = afterDelete ? truthAfterDelete(data, truth, kind, isDeletedRow) : truth[kind].map((rows) => rows.slice(0, K));
  return {
    concurrency, queryCount: data.spec.queries, warmupQueries: profile.warmupQueries, warmupSeconds: profile.warmupSeconds, repeats: profile.repeats,
    maxQueriesPerRepeat: profile.maxQueriesPerRepeat, maxSecondsPerRepeat: profile.maxSecondsPerRepeat,
    truth: truthRows, matching: matchingRows(data, kind, afterDelete ? isDeletedRow : undefined),
    ...(afterDelete ? { forbidden: isDeletedRow } : {}),
  };
}

export interface Tuning<S> {
  /** Cheapest to most expensive. */
  settings: readonly S[];
  label(setting: S): string;
  apply(setting: S): Promise<void> | void;
}

export interface MatrixOptions<S> {
  afterDelete: boolean;
  kinds?: readonly FilterKind[];
  /** Set when the system cannot serve concurrent clients; the high-concurrency cells say why. */
  noConcurrency?: string;
  /** For ANN systems: re-tuned to the recall target for every filter and phase (same target for all). */
  tuning?: Tuning<S>;
  /** For systems without search settings: how their one sweep point is labelled. */
  fixedSetting?: string;
}

export type Sweeps = Record<string, SweepPoint[]>;

function describe(name: string, figures: QueryFigures): string {
  return `    ${name}: ${figures.qps.toFixed(1)} q/s, p50 ${figures.p50_ms.toFixed(2)} ms, p99 ${figures.p99_ms.toFixed(2)} ms, `
    + `recall ${figures.recall_at_10.toFixed(3)}, short ${figures.short_results}`
    + (figures.deleted_returned !== undefined ? `, deleted returned ${figures.deleted_returned}` : "")
    + (figures.setting ? ` [${figures.setting}]` : "");
}

/**
 * Fills `query_<filter>_c<clients>` (or `after_delete_query_...`) for each filter and client count,
 * and one recall/QPS sweep per filter (several points for tuned systems, one for fixed ones).
 */
export async function measureQueryMatrix<S>(ctx: BenchContext, search: FilteredSearch, options: MatrixOptions<S>, into: Record<string, Measurement>, sweeps: Sweeps): Promise<void> {
  const prefix = options.afterDelete ? "after_delete_query" : "query";
  // After the delete the system has been answering queries in this same process for minutes.
  if (!options.afterDelete) await warmUpSystem(search("none"), planFor(ctx, "none", 1, false), ctx.profile.systemWarmupSeconds);
  for (const kind of options.kinds ?? FILTER_KINDS) {
    let setting = options.fixedSetting;
    let reached: boolean | undefined;
    if (options.tuning) {
      const tuned = await tuneToRecall(ctx, options.tuning, search(kind), planFor(ctx, kind, 1, options.afterDelete));
      sweeps[`${prefix}_${kind}`] = tuned.sweep;
      setting = options.tuning.label(tuned.chosen);
      reached = tuned.reached;
    }
    for (const clients of [1, ctx.profile.highConcurrency]) {
      const name = `${prefix}_${kind}_c${clients}`;
      if (clients > 1 && options.noConcurrency) {
        into[name] = notAvailable(options.noConcurrency);
        continue;
      }
      const measured = await measureQueries(search(kind), planFor(ctx, kind, clients, options.afterDelete));
      const figures: QueryFigures = { ...measured, ...(setting ? { setting } : {}), ...(reached !== undefined ? { recall_target_reached: reached } : {}) };
      into[name] = figures;
      ctx.log(describe(name, figures));
      if (clients === 1 && !options.tuning) sweeps[`${prefix}_${kind}`] = [{ setting: setting ?? "fixed", recall_at_10: figures.recall_at_10, qps: figures.qps }];
    }
  }
}

/**
 * Tries settings, cheapest to most expensive, on this filter's queries (one client): each is a point on
 * the recall/QPS chart. The first that reaches the recall target is chosen (the sweep goes one step
 * further); if none does, the most accurate one is, and the report says the target was not reached.
 */
async function tuneToRecall<S>(ctx: BenchContext, tuning: Tuning<S>, search: SearchFn, base: QueryPlan): Promise<{ chosen: S; reached: boolean; sweep: SweepPoint[] }> {
  const sweep: SweepPoint[] = [];
  const plan: QueryPlan = { ...base, repeats: 1, warmupQueries: 10, warmupSeconds: 0, maxQueriesPerRepeat: ctx.profile.sweepQueries, maxSecondsPerRepeat: ctx.profile.maxSecondsPerSweepPoint };
  let chosen: S | undefined;
  for (const setting of tuning.settings) {
    await tuning.apply(setting);
    const figures = await measureQueries(search, plan);
    sweep.push({ setting: tuning.label(setting), recall_at_10: figures.recall_at_10, qps: figures.qps });
    if (chosen !== undefined) break; // one point past the choice shows the knee; more only costs time
    if (figures.recall_at_10 >= ctx.profile.recallTarget) chosen = setting;
  }
  ctx.log(`    sweep: ${sweep.map((p) => `${p.setting} ${p.recall_at_10.toFixed(3)}@${p.qps.toFixed(0)}`).join(", ")}`);
  const final = chosen ?? tuning.settings[tuning.settings.length - 1]!;
  await tuning.apply(final);
  return { chosen: final, reached: chosen !== undefined, sweep };
}
