// The data library of the ossv CLI: readers, import, export, copy and progress, over an @ossv/sdk client.
export * from "./records.ts";
export { readJsonl, parseJsonlRecord } from "./jsonl.ts";
export { readCsv, parseVectorCell, type CsvOptions } from "./csv.ts";
export { readNpy, parseNpyHeader, encodeNpy, type NpyHeader, type NpyOptions } from "./npy.ts";
export { openSource, type SourceFormat, type SourceSpec } from "./source-spec.ts";
export { readInWorker } from "./read-in-worker.ts";
export { readParquet, ParquetVectorWriter, EXPORT_PARQUET_SCHEMA, type ParquetRow } from "./parquet.ts";
export { readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint.ts";
export { importVectors, ImportAbortedError, type ImportOptions, type ImportProgress, type ImportSummary } from "./import.ts";
export { exportVectors, copyVectors, listAll, toJsonLine, type CopyOptions, type ExportOptions, type ExportSummary, type IndexRef } from "./export.ts";
export { createProgressReporter, type ProgressReporter, type ProgressReporterOptions } from "./progress.ts";
