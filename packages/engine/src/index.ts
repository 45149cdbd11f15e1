// @ossv/engine: the storage engine (docs/architecture.md#the-engine). The contract is types.ts; the rest
// is implementation that callers may use for tests, tools and other stores.
export * from "./base/types.ts";
export { totalMemory, type MemoryUse } from "./base/memory-use.ts";
export { openEngine, OssvEngine, type OpenEngineOptions } from "./engine.ts";
export { BACKUP_FILE, restoreBackup, restoreBackupToStore, type RestoreSummary, type StoreRestoreSummary } from "./storage/backup.ts";
export { BlobNotCreatedError, countsRequests, type BlobStore, type CountsRequests } from "./storage/blob-store.ts";
export { LocalBlobStore } from "./storage/local-blob-store.ts";
export { CachedBlobStore, type DiskCacheOptions, type DiskCacheStats } from "./storage/disk-cache/cached-blob-store.ts";
// The object store itself is the "@ossv/engine/s3" entry (it loads the AWS SDK); its URLs parse here.
export { formatS3Location, parseS3Location, type S3Location } from "./storage/s3/s3-location.ts";
export { CONDITIONAL_WRITES, type ConditionalWrite } from "./storage/s3/conditional-write.ts";
export { mappedFileBytes, ownMemoryBytes } from "./base/process-memory.ts";
export { GRAPHS_ON_DISK, QUANTIZATIONS, type GraphsOnDisk, type Quantization } from "./search/vector-placement.ts";
export { DurableCatalog } from "./catalog/catalog.ts";
export { DurableCollection, type SegmentSummary } from "./collection/collection.ts";
export { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "./maintenance/policy.ts";
export { CorruptionError, NewerFormatError } from "./base/errors.ts";
export { FORMAT_GENERATION } from "./storage/format-generation.ts";
export { compareKeys } from "./base/byte-order.ts";
export { maxListTokenLength, segmentOf } from "./collection/list-pages.ts";
export {
  logBackgroundFailure, type BackgroundFailure, type BackgroundFailureEvent, type BackgroundFailureReporter, type BackgroundTask,
} from "./base/background-failures.ts";
export { fsck, fsckSharedStore, type FsckOptions, type FsckResult, type SharedFsckOptions } from "./fsck/fsck.ts";
export { fsckExitCode, type FsckProblem, type FsckReport, type LostData } from "./fsck/fsck-report.ts";
export { analyze } from "./text/analyzer.ts";
export { fieldSpans, type FieldSpan } from "./search/field-graphs.ts";
export { BM25, type TextMatch } from "./text/bm25.ts";
export { NotWriterError, type SharedCollection } from "./cluster/shared-collection.ts";
export { CLUSTER_DEFAULTS, type ClusterOptions } from "./cluster/cluster.ts";
export type { OpenCollection } from "./engine.ts";
