// What `ossv vectors import`, `export` and `copy` do: the data library (./data/) wired to the command
// line. Progress goes to standard error (a bar on a terminal, plain lines otherwise), bad records are
// printed there with their line numbers, and SIGINT stops an import cleanly, leaving its checkpoint.
import { stat, rm } from "node:fs/promises";
import { extname, resolve } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { resolveConnection, UsageError, type ConnectionFlags } from "./connection.ts";
import {
  copyVectors, createProgressReporter, exportVectors, importVectors, ImportAbortedError, readInWorker,
  type ImportSummary, type RecordError, type RecordSource, type SourceFormat,
} from "./data/index.ts";
import { EXIT } from "./exit-codes.ts";
import { describeFailure } from "./output.ts";

export type DataCommandName = "vectors import" | "vectors export" | "vectors copy";
export type ImportFormat = SourceFormat;

export interface DataFlags extends ConnectionFlags {
  bucket: string;
  index: string;
  format?: string;
  keysFile?: string;
  keyPrefix?: string;
  batchSize?: number;
  concurrency?: number;
  resume?: boolean;
  checkpoint?: string;
  onError?: "skip" | "abort";
  out?: string;
  segments?: number;
  toBucket?: string;
  toIndex?: string;
  toEndpoint?: string;
  toRegion?: string;
  toAccountId?: string;
  toPathStyle?: boolean;
  toProfile?: string;
}

const EXTENSIONS: Record<string, ImportFormat> = {
  ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".npy": "npy", ".parquet": "parquet",
};

/** The format named by --format, else the one the file's extension says. */
export function importFormat(file: string, format: string | undefined): ImportFormat {
  if (format !== undefined) return format as ImportFormat;
  const byExtension = EXTENSIONS[extname(file).toLowerCase()];
  if (!byExtension) throw new UsageError(`cannot tell the format of ${file} from its extension: pass --format jsonl|csv|npy|parquet`);
  return byExtension;
}

/** The file's records, read and parsed in a worker thread beside the requests (data/read-in-worker.ts). */
async function openSource(file: string, format: ImportFormat, flags: DataFlags): Promise<RecordSource> {
  if ((flags.keysFile !== undefined || flags.keyPrefix !== undefined) && format !== "npy") {
    throw new UsageError("--keys-file and --key-prefix are for .npy files only (the other formats carry their keys)");
  }
  return readInWorker({
    format, path: file,
    ...(flags.keysFile !== undefined ? { keysFile: flags.keysFile } : {}),
    ...(flags.keyPrefix !== undefined ? { keyPrefix: flags.keyPrefix } : {}),
  });
}

/** SIGINT aborts the signal once; a second SIGINT is left to Node's default (exit at once). */
function interruptSignal(): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write("\ninterrupted: stopping after the requests in flight (Ctrl-C again to quit at once)\n");
    process.removeListener("SIGINT", onSigint);
    controller.abort(new Error("interrupted"));
  };
  process.on("SIGINT", onSigint);
  return { signal: controller.signal, dispose: () => process.removeListener("SIGINT", onSigint) };
}

function printRecordError(error: RecordError): void {
  process.stderr.write(`line ${error.line}: ${error.message}\n`);
}

function skippedNote(summary: ImportSummary): string {
  return summary.errorCount > 0 ? `${summary.errorCount} bad record(s) skipped (listed above by line)\n` : "";
}

async function runImport(file: string, flags: DataFlags): Promise<number> {
  const format = importFormat(file, flags.format);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
  const client = new VectorsClient(resolveConnection(flags));
  const records = await openSource(file, format, flags);
  const checkpointFile = flags.checkpoint ?? `${file}.ossv-checkpoint`;
  const progress = createProgressReporter({ label: "import", ...(records.total !== undefined ? { total: records.total } : {}) });
  const { signal, dispose } = interruptSignal();
  let done = 0;
  let errors = 0;
  try {
    const summary = await importVectors({
      client, bucket: flags.bucket, index: flags.index, records,
      ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      onError: flags.onError ?? "abort",
      onRecordError: printRecordError,
      onProgress: (p) => { done = p.position; errors = p.errors; progress.update(p.position, p.errors); },
      checkpointFile, resume: Boolean(flags.resume), source: `${resolve(file)} (${size} bytes)`,
      abortSignal: signal,
    });
    progress.finish(summary.position, summary.errorCount);
    if (summary.resumedFrom > 0) process.stderr.write(`resumed at record ${summary.resumedFrom}; ${summary.written} written in this run\n`);
    process.stderr.write(skippedNote(summary));
    // Finished: the checkpoint has nothing left to say.
    await rm(checkpointFile, { force: true });
    return summary.errorCount > 0 ? EXIT.failed : EXIT.ok;
  } catch (error) {
    if (!(error instanceof ImportAbortedError)) throw error;
    const { summary } = error;
    progress.finish(Math.max(done, summary.position), Math.max(errors, summary.errorCount));
    process.stderr.write(skippedNote(summary));
    const cause = error.cause !== undefined && !error.record && !signal.aborted ? describeFailure(error.cause).line : error.message;
    process.stderr.write(`ossv vectors import: stopped after record ${summary.position}: ${cause}\n`);
    process.stderr.write(`checkpoint: ${checkpointFile}; run again with --resume to continue\n`);
    return EXIT.failed;
  } finally {
    dispose();
  }
}

async function runExport(flags: DataFlags): Promise<number> {
  const client = new VectorsClient(resolveConnection(flags));
  const progress = createProgressReporter({ label: "export" });
  const { signal, dispose } = interruptSignal();
  try {
    const summary = await exportVectors({
      client, bucket: flags.bucket, index: flags.index, format: (flags.format ?? "jsonl") as "jsonl" | "parquet", out: flags.out!,
      ...(flags.segments !== undefined ? { segments: flags.segments } : {}),
      onProgress: (written) => progress.update(written), abortSignal: signal,
    });
    progress.finish(summary.written);
    return EXIT.ok;
  } finally {
    dispose();
  }
}

/** The target's connection: its own --to-* flags and --to-profile; credentials from that profile or the environment. */
export function targetConnection(flags: DataFlags): ConnectionFlags {
  return {
    ...(flags.toEndpoint !== undefined ? { endpoint: flags.toEndpoint } : {}),
    ...(flags.toRegion !== undefined ? { region: flags.toRegion } : {}),
    ...(flags.toAccountId !== undefined ? { accountId: flags.toAccountId } : {}),
    ...(flags.toPathStyle !== undefined ? { pathStyle: flags.toPathStyle } : {}),
    ...(flags.toProfile !== undefined ? { profile: flags.toProfile } : {}),
  };
}

async function runCopy(flags: DataFlags): Promise<number> {
  const from = new VectorsClient(resolveConnection(flags));
  const toFlags = targetConnection(flags);
  // With no --to-* connection flag at all, the target is on the source's server.
  const to = Object.keys(toFlags).length === 0 ? from : new VectorsClient(resolveConnection(toFlags));
  const progress = createProgressReporter({ label: "copy" });
  const { signal, dispose } = interruptSignal();
  try {
    const summary = await copyVectors({
      from: { client: from, bucket: flags.bucket, index: flags.index },
      to: { client: to, bucket: flags.toBucket!, index: flags.toIndex! },
      ...(flags.segments !== undefined ? { segments: flags.segments } : {}),
      ...(flags.batchSize !== undefined ? { batchSize: flags.batchSize } : {}),
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      onError: "abort",
      onProgress: (p) => progress.update(p.written, p.errors),
      abortSignal: signal,
    });
    progress.finish(summary.written, summary.errorCount);
    return EXIT.ok;
  } catch (error) {
    if (error instanceof ImportAbortedError) {
      progress.finish(error.summary.written, error.summary.errorCount);
      throw error.cause ?? error;
    }
    throw error;
  } finally {
    dispose();
  }
}

/** Runs one data command; failures are one line on standard error. Returns the exit code. */
export async function runDataCommand(name: DataCommandName, args: string[], flags: DataFlags): Promise<number> {
  try {
    switch (name) {
      case "vectors import": return await runImport(args[0]!, flags);
      case "vectors export": return await runExport(flags);
      case "vectors copy": return await runCopy(flags);
    }
  } catch (error) {
    const { line, code } = describeFailure(error);
    process.stderr.write(`ossv ${name}: ${line}\n`);
    return code;
  }
}
