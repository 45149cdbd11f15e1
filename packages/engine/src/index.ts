// @ossv/engine: the storage engine (design §3). The contract is types.ts; the rest is implementation
// that callers may use for tests, tools and other stores.
export * from "./types.ts";
export { openEngine, OssvEngine, type OpenEngineOptions } from "./engine.ts";
export { BlobNotCreatedError, type BlobStore } from "./blob-store.ts";
export { LocalBlobStore } from "./local-blob-store.ts";
export { DurableCatalog } from "./catalog.ts";
export { DurableCollection, type SegmentSummary } from "./collection.ts";
export { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "./checkpointer.ts";
export { CorruptionError } from "./errors.ts";
export { compareKeys } from "./byte-order.ts";
export { maxListTokenLength, segmentOf } from "./list-pages.ts";
export {
  logBackgroundFailure, type BackgroundFailure, type BackgroundFailureEvent, type BackgroundFailureReporter, type BackgroundTask,
} from "./background-failures.ts";
export { fsck, type FsckOptions, type FsckResult } from "./fsck.ts";
export { fsckExitCode, type FsckProblem, type FsckReport, type LostData } from "./fsck-report.ts";
