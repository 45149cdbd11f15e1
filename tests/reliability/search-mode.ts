// Which search path the model tests hold the engine to. Exact mode scans every segment, so a query
// must return the exact top-k (segments of int8 codes read every row from disk); graph mode sends every query that can use an HNSW graph through it,
// so the approximate path is exercised too (and checked for validity: right rows, right distances,
// never short); segments of int8 codes then pick every scan's candidates by their codes too.
// SEARCH_TUNING is process-wide, and node --test runs each test file in its own process.
import { SEARCH_TUNING } from "../../packages/engine/src/search/segment.ts";

/** Switches the search path; returns a function that restores the previous tuning. */
export function useSearchMode(exact: boolean): () => void {
  const saved = { ...SEARCH_TUNING };
  Object.assign(SEARCH_TUNING, exact
    ? { exactScanFloats: Infinity, unfilteredExactScanFloats: Infinity, diskScanRows: Infinity }
    : { exactScanFloats: 0, unfilteredExactScanFloats: 0, minGraphSelectivity: 0, graphScoresPerResult: 0, diskScanRows: 0 });
  return () => Object.assign(SEARCH_TUNING, saved);
}

/**
 * A checkpoint policy under which flushes, merges, compactions and checkpoints happen within a few
 * writes; no idle timers, so a sequence does the same whatever the machine's speed.
 */
export function smallCheckpointPolicy(segmentRows: number) {
  return {
    segmentRows, maxSegments: 3, maxDeletedFraction: 0.2, maxWalObjects: 4, freezeMergeRatio: 4,
    idleFlushMs: 3_600_000, idleMergeMs: 3_600_000,
  };
}
