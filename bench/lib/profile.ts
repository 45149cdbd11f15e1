// Run profiles: which data sets, and how long each measurement runs. The standard profile must fit well
// inside 25 minutes on 2 shared cores, so query repeats are bounded by time as well as by count.
import type { DatasetSpec } from "./dataset.ts";

export interface Profile {
  name: "quick" | "standard" | "custom" | "capacity";
  datasets: DatasetSpec[];
  warmupQueries: number;
  /** Each query cell warms up for at least this long (lib/measure.ts says why). */
  warmupSeconds: number;
  /** Before a system's first query cell: unfiltered queries at 1 client for this long (lib/measure.ts). */
  systemWarmupSeconds: number;
  repeats: number;
  maxQueriesPerRepeat: number;
  maxSecondsPerRepeat: number;
  /** Queries per point of a recall/QPS tuning sweep: all of them, so the sweep sees the measured recall. */
  sweepQueries: number;
  /** Time bound of one sweep point, so slow settings cost seconds, not minutes. */
  maxSecondsPerSweepPoint: number;
  /** Recall@10 the ANN peers are tuned to reach. */
  recallTarget: number;
  concurrentWriters: number;
  highConcurrency: number;
  batchSize: number;
}

/** The bench's data set of this size: the same rows and queries wherever it is drawn (probes included). */
export function datasetSpec(name: string, count: number, dimension: number, queries: number): DatasetSpec {
  // 300 centres ("a few hundred"); spread 0.75 keeps neighbours inside a cluster but not trivially.
  return { name, count, dimension, clusters: 300, spread: 0.75, queries, seed: 20261122 + dimension };
}

const SHARED = { recallTarget: 0.95, concurrentWriters: 4, highConcurrency: 8, batchSize: 500 };

export function quickProfile(): Profile {
  return {
    name: "quick", datasets: [datasetSpec("quick-20k-128", 20_000, 128, 200)],
    warmupQueries: 20, warmupSeconds: 0.5, systemWarmupSeconds: 2, repeats: 3, maxQueriesPerRepeat: 200, maxSecondsPerRepeat: 0.6, sweepQueries: 200, maxSecondsPerSweepPoint: 3, ...SHARED,
  };
}

/**
 * Standard repeats are bounded by time, not by the 300 queries: capped at 300, a repeat at 2,000 q/s
 * lasted 0.15 s, so one collection pause or scheduler hiccup moved a cell by half (float32's 1 %-filter
 * cell at 8 clients measured 1,468 q/s in one run and 1,969 to 2,248 in four others).
 * The queries cycle, so a repeat of 1.5 s answers each of them several times.
 */
const STANDARD_MAX_QUERIES_PER_REPEAT = 20_000;

export function standardProfile(): Profile {
  return {
    name: "standard", datasets: [datasetSpec("std-200k-128", 200_000, 128, 300), datasetSpec("std-50k-768", 50_000, 768, 300)],
    warmupQueries: 20, warmupSeconds: 2, systemWarmupSeconds: 8, repeats: 3, maxQueriesPerRepeat: STANDARD_MAX_QUERIES_PER_REPEAT, maxSecondsPerRepeat: 1.5, sweepQueries: 300, maxSecondsPerSweepPoint: 5, ...SHARED,
  };
}

/**
 * `--capacity N`: one 768-d data set of N vectors for the capacity cell (systems/ossv-capacity.ts),
 * with 100 queries: its exact answers take a scan of every row per query.
 */
export function capacityProfile(count: number): Profile {
  return { ...standardProfile(), name: "capacity", datasets: [datasetSpec(`capacity-${count}-768`, count, 768, 100)] };
}

/** `--size N`: one 128-d data set of N vectors with the standard timings. */
export function sizedProfile(count: number): Profile {
  return { ...standardProfile(), name: "custom", datasets: [datasetSpec(`size-${count}-128`, count, 128, 300)] };
}
