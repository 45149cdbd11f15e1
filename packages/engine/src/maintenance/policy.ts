// Every knob of a collection's background work in one object, as the engine's `checkpoint` option
// (and the server's OSSV_CHECKPOINT_POLICY) sets it. Each part is documented beside the policy it
// drives: flush.ts, merge.ts, compaction.ts, checkpoint.ts, and retries in base/background-failures.ts.
import type { RetryPolicy } from "../base/background-failures.ts";
import type { WalLimitPolicy } from "./checkpoint.ts";
import type { CompactionPolicy } from "./compaction.ts";
import type { FlushPolicy } from "./flush.ts";
import type { MergePolicy } from "./merge.ts";
import type { WriteStallPolicy } from "./write-stall.ts";

export interface CheckpointPolicy extends WalLimitPolicy, FlushPolicy, MergePolicy, CompactionPolicy, RetryPolicy, WriteStallPolicy {}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  maxWalObjects: 256,
  maxWalBytes: 64 * 1024 * 1024,
  segmentRows: 32_768,
  segmentBytes: 8 * 1024 * 1024,
  idleFlushMs: 1000,
  idleFlushRows: 1024,
  freezeMergeRatio: 4,
  idleMergeMs: 10_000,
  idleMergeMaxRows: 2_000_000,
  idleMergeMinShare: 0.05,
  maxSegments: 8,
  maxDeletedFraction: 0.2,
  // Below the 2 GiB a local file can be read in one piece, with room for the estimate (segment-size.ts).
  maxSegmentBytes: 1.5 * 1024 ** 3,
  retryBaseMs: 1000,
  retryMaxMs: 60_000,
  // 87,000 rows at 768 dimensions, 524,000 at 128: the bench's standard data sets never reach it.
  stallBytes: 256 * 1024 ** 2,
  // Well inside a client's usual minute of timeout, so the 503 that follows reaches it.
  stallMs: 20_000,
};
