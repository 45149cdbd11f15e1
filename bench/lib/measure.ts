// The query-measurement loop shared by every system: a warm-up that is not counted, then repeats of a
// time- and count-bounded run at a given concurrency. QPS and latency percentiles are the medians over
// the repeats; recall@10 and short answers are counted over every answered query of every repeat.
import { K } from "./ground-truth.ts";

/** Returns the row numbers of the answer, best first. */
export type SearchFn = (query: number) => Promise<number[]>;

export interface QueryPlan {
  concurrency: number;
  /** How many queries exist; each repeat starts where the last one stopped, wrapping around. */
  queryCount: number;
  /** The warm-up runs at least this many queries, and for at least `warmupSeconds`. */
  warmupQueries: number;
  warmupSeconds: number;
  repeats: number;
  maxQueriesPerRepeat: number;
  maxSecondsPerRepeat: number;
  /** The true top-K rows per query (already restricted to the filter and to live rows). */
  truth: number[][];
  /** Rows matching the filter; an answer shorter than K while this is >= K is counted as short. */
  matching: number;
  /** Rows that must never be returned (deleted); counted, and any hit is reported. */
  forbidden?: (row: number) => boolean;
}

export interface QueryFigures {
  qps: number;
  p50_ms: number;
  p99_ms: number;
  recall_at_10: number;
  short_results: number;
  queries: number;
  repeats: number;
  concurrency: number;
  deleted_returned?: number;
  /** The search setting used (ANN systems), and whether it reached the recall target. */
  setting?: string;
  recall_target_reached?: boolean;
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[index] as number;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

interface Tally {
  recallSum: number;
  answered: number;
  short: number;
  forbiddenHits: number;
}

function score(plan: QueryPlan, query: number, rows: number[], tally: Tally): void {
  const truth = new Set(plan.truth[query]!.slice(0, K));
  let hits = 0;
  for (const row of rows.slice(0, K)) if (truth.has(row)) hits++;
  tally.recallSum += truth.size === 0 ? 1 : hits / truth.size;
  tally.answered++;
  if (rows.length < K && plan.matching >= K) tally.short++;
  if (plan.forbidden) for (const row of rows) if (plan.forbidden(row)) tally.forbiddenHits++;
}

interface RepeatResult {
  seconds: number;
  latencies: number[];
  nextQuery: number;
}

/** Runs queries from `firstQuery` on `concurrency` workers until the count or time bound is reached. */
async function runBounded(
  search: SearchFn, plan: QueryPlan, firstQuery: number, maxQueries: number, maxSeconds: number, onAnswer?: (q: number, rows: number[]) => void,
): Promise<RepeatResult> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const worker = async () => {
    while (issued < maxQueries && performance.now() < deadline) {
      const query = (firstQuery + issued++) % plan.queryCount;
      const sent = performance.now();
      const rows = await search(query);
      latencies.push(performance.now() - sent);
      onAnswer?.(query, rows);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
  return { seconds: (performance.now() - started) / 1000, latencies, nextQuery: (firstQuery + issued) % plan.queryCount };
}

/**
 * Runs until `warmupSeconds` have passed and at least `warmupQueries` were answered. Time, not a count:
 * a process that serves over HTTP (ossv's server, and the bench process as its client) takes a few
 * thousand requests before the JIT has compiled its request path. A fresh server and client reach
 * their steady rate only after 6-8 s of queries, so the first cell of a system is preceded by a longer
 * warm-up of its own (`warmUpSystem`); 20 warm-up queries measured ossv's first cell at about 0.5x its
 * steady rate (bench/README.md, "Warm-up").
 */
async function warmUp(search: SearchFn, plan: QueryPlan): Promise<number> {
  const timed = await runBounded(search, plan, 0, Number.MAX_SAFE_INTEGER, plan.warmupSeconds);
  const missing = plan.warmupQueries - timed.latencies.length;
  if (missing <= 0) return timed.nextQuery;
  return (await runBounded(search, plan, timed.nextQuery, missing, Number.POSITIVE_INFINITY)).nextQuery;
}

/** Queries for `seconds` and throws the answers away: the warm-up before a system's first cell. */
export async function warmUpSystem(search: SearchFn, plan: QueryPlan, seconds: number): Promise<void> {
  await runBounded(search, plan, 0, Number.MAX_SAFE_INTEGER, seconds);
}

export async function measureQueries(search: SearchFn, plan: QueryPlan): Promise<QueryFigures> {
  let next = await warmUp(search, plan);
  const tally: Tally = { recallSum: 0, answered: 0, short: 0, forbiddenHits: 0 };
  const qps: number[] = [];
  const p50: number[] = [];
  const p99: number[] = [];
  for (let r = 0; r < plan.repeats; r++) {
    const run = await runBounded(search, plan, next, plan.maxQueriesPerRepeat, plan.maxSecondsPerRepeat, (q, rows) => score(plan, q, rows, tally));
    next = run.nextQuery;
    const sorted = run.latencies.sort((a, b) => a - b);
    qps.push(run.latencies.length / run.seconds);
    p50.push(percentile(sorted, 0.5));
    p99.push(percentile(sorted, 0.99));
  }
  return {
    qps: median(qps), p50_ms: median(p50), p99_ms: median(p99),
    recall_at_10: tally.recallSum / Math.max(1, tally.answered), short_results: tally.short,
    queries: tally.answered, repeats: plan.repeats, concurrency: plan.concurrency,
    ...(plan.forbidden ? { deleted_returned: tally.forbiddenHits } : {}),
  };
}

/** Times a sequence of batches; returns items per second. */
export async function itemsPerSecond(batches: number, items: number, runBatch: (batch: number) => Promise<void>, concurrency = 1): Promise<number> {
  let nextBatch = 0;
  const started = performance.now();
  const worker = async () => {
    while (nextBatch < batches) await runBatch(nextBatch++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return items / ((performance.now() - started) / 1000);
}
