// Importing records into an index: batches of up to 500 vectors, several requests in flight, retries of
// what is worth retrying, bad records reported by line, and a checkpoint that lets an interrupted import
// continue where it stopped (see checkpoint.ts for what the checkpoint promises).
import { setTimeout as delay } from "node:timers/promises";
import {
  InvalidParamError, isRetryableError, MAX_PUT_BATCH, ServiceError, type VectorInput, type VectorsClient,
} from "@ossv/sdk";
import { readCheckpoint, writeCheckpoint, type Checkpoint } from "./checkpoint.ts";
import type { RecordError, SourceItem, VectorRecord } from "./records.ts";

export interface ImportProgress {
  /** Every record before this position is acknowledged or reported bad. */
  position: number;
  /** Records acknowledged by the server in this run. */
  written: number;
  /** Bad records seen in this run. */
  errors: number;
  /** Where this run started (the checkpoint's position on resume, else 0). */
  resumedFrom: number;
}

export interface ImportOptions {
  client: Pick<VectorsClient, "putVectors">;
  bucket: string;
  index: string;
  records: AsyncIterable<SourceItem>;
  /** Vectors per PutVectors request, 1–500. Default 500. */
  batchSize?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
  /** "abort" (the default) stops at the first bad record; "skip" reports it and goes on. */
  onError?: "skip" | "abort";
  /** Called for each bad record, in the order they are found. */
  onRecordError?: (error: RecordError) => void;
  onProgress?: (progress: ImportProgress) => void;
  /** Where the checkpoint is kept; without it an import cannot be resumed. */
  checkpointFile?: string;
  /** Continue from the checkpoint file if it exists (otherwise start at the first record). */
  resume?: boolean;
  /** Identifies the source (e.g. its path and size); a resume against another source is refused. */
  source?: string;
  /**
   * Extra tries of a whole batch after the client's own retries gave up on a retryable error (a server
   * restarting, a long overload). Default 4, with backoff from 500 ms doubling.
   */
  batchRetries?: number;
  retryBaseDelayMs?: number;
  /** Minimum time between checkpoint writes. Default 200 ms; the last one is always written. */
  checkpointIntervalMs?: number;
  abortSignal?: AbortSignal;
}

export interface ImportSummary {
  /** Records acknowledged in this run. */
  written: number;
  /** Bad records in this run; `errors` keeps the first 1000 of them. */
  errorCount: number;
  errors: RecordError[];
  resumedFrom: number;
  /** Records settled in total, this run and those before it. */
  position: number;
  seconds: number;
  rowsPerSecond: number;
}

/** The import stopped: at a bad record (`record`) with onError "abort", or on a failure no retry fixed. */
export class ImportAbortedError extends Error {
  override readonly name = "ImportAbortedError";
  constructor(message: string, readonly summary: ImportSummary, readonly record?: RecordError, options?: ErrorOptions) {
    super(message, options);
  }
}

const KEPT_ERRORS = 1000;

interface Batch {
  /** The source range this batch settles: [start, end). Bad records in the range count as settled. */
  start: number;
  end: number;
  /** Last occurrence wins within a batch; a request may not repeat a key. */
  records: Map<string, VectorRecord>;
  errors: number;
  /** "waiting": read and queued, until a request slot is free. */
  state: "open" | "waiting" | "sending" | "done" | "failed";
}

/** The record a refusal names: the server and the SDK both say `vectors[i]...`. */
function attributedIndex(error: unknown): number | undefined {
  const attributable = (error instanceof ServiceError && error.statusCode === 400 && !error.retryable) ||
    error instanceof InvalidParamError;
  if (!attributable) return undefined;
  const match = /vectors\[(\d+)\]/.exec(error.message);
  return match ? Number(match[1]) : undefined;
}

function toInput(record: VectorRecord): VectorInput {
  return record.metadata ? { key: record.key, data: { float32: record.data }, metadata: record.metadata } : { key: record.key, data: { float32: record.data } };
}

export async function importVectors(options: ImportOptions): Promise<ImportSummary> {
  const { client, bucket, index, checkpointFile } = options;
  const batchSize = options.batchSize ?? MAX_PUT_BATCH;
  const concurrency = options.concurrency ?? 4;
  const onError = options.onError ?? "abort";
  const batchRetries = options.batchRetries ?? 4;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
  const checkpointIntervalMs = options.checkpointIntervalMs ?? 200;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_PUT_BATCH) throw new RangeError(`batchSize must be 1–${MAX_PUT_BATCH}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError("concurrency must be a positive integer");

  let previous: Checkpoint | undefined;
  if (checkpointFile !== undefined && options.resume) {
    previous = await readCheckpoint(checkpointFile);
    if (previous && (previous.bucket !== bucket || previous.index !== index)) {
      throw new Error(`${checkpointFile} is the checkpoint of an import into ${previous.bucket}/${previous.index}, not ${bucket}/${index}`);
    }
    if (previous?.source !== undefined && options.source !== undefined && previous.source !== options.source) {
      throw new Error(`${checkpointFile} is the checkpoint of an import from ${previous.source}, not ${options.source}`);
    }
  }
  const resumedFrom = previous?.position ?? 0;
  const started = performance.now();
  const errors: RecordError[] = [];
  let errorCount = 0;
  let written = 0;
  let position = resumedFrom;
  let settledWritten = previous?.written ?? 0;
  let settledErrors = previous?.errors ?? 0;
  let abortRecord: RecordError | undefined;
  let fatal: unknown;

  const summary = (): ImportSummary => {
    const seconds = (performance.now() - started) / 1000;
    return { written, errorCount, errors, resumedFrom, position, seconds, rowsPerSecond: seconds > 0 ? written / seconds : 0 };
  };
  const reportError = (error: RecordError) => {
    errorCount++;
    if (errors.length < KEPT_ERRORS) errors.push(error);
    options.onRecordError?.(error);
  };

  // Checkpoint writes go one after another; a write is skipped when the previous one is recent, except
  // the last, so a slow disk never holds up the import for more than one write.
  let checkpointChain: Promise<void> = Promise.resolve();
  let lastCheckpointAt = 0;
  const saveCheckpoint = (complete: boolean, force: boolean) => {
    if (checkpointFile === undefined) return;
    const now = performance.now();
    if (!force && now - lastCheckpointAt < checkpointIntervalMs) return;
    lastCheckpointAt = now;
    const checkpoint: Checkpoint = {
      version: 1, bucket, index, ...(options.source !== undefined ? { source: options.source } : {}),
      position, written: settledWritten, errors: settledErrors, complete,
    };
    checkpointChain = checkpointChain.then(() => writeCheckpoint(checkpointFile, checkpoint));
  };

  // Batches in source order; the checkpoint advances over the done ones at the front only.
  const queue: Batch[] = [];
  const advance = () => {
    while (queue.length > 0 && queue[0]!.state === "done") {
      const batch = queue.shift()!;
      position = batch.end;
      settledWritten += batch.records.size;
      settledErrors += batch.errors;
    }
    saveCheckpoint(false, false);
    options.onProgress?.({ position, written, errors: errorCount, resumedFrom });
  };

  const send = async (batch: Batch): Promise<void> => {
    const vectors = [...batch.records.values()];
    for (let retry = 0; vectors.length > 0;) {
      try {
        await client.putVectors({ bucket, indexName: index, vectors: vectors.map(toInput) }, { abortSignal: options.abortSignal });
        written += vectors.length;
        return;
      } catch (error) {
        const at = attributedIndex(error);
        const record = at === undefined ? undefined : vectors[at];
        if (record) {
          const recordError = { position: record.position, line: record.line, message: (error as Error).message };
          if (onError === "abort") {
            abortRecord ??= recordError;
            throw error;
          }
          reportError(recordError);
          batch.errors++;
          batch.records.delete(record.key);
          vectors.splice(at!, 1);
          continue;
        }
        if (!isRetryableError(error) || retry >= batchRetries || options.abortSignal?.aborted) throw error;
        await delay(retryBaseDelayMs * 2 ** retry++, undefined, { signal: options.abortSignal }).catch(() => undefined);
      }
    }
  };

  // Reading runs ahead of sending: while every request slot is taken, the next batches are read and
  // wait here, so that a slot that frees up is filled at once instead of after the reading and
  // parsing of 500 records. Up to `concurrency` batches wait, which bounds the memory held.
  const inFlight = new Set<Promise<void>>();
  const keysInFlight = new Map<string, Promise<void>>();
  const waiting: Batch[] = [];
  const start = (batch: Batch) => {
    // A key still being written by an earlier batch waits for it, so the later value lands last.
    const earlier = new Set<Promise<void>>();
    for (const key of batch.records.keys()) {
      const pending = keysInFlight.get(key);
      if (pending) earlier.add(pending);
    }
    batch.state = "sending";
    const task: Promise<void> = Promise.all(earlier).then(() => send(batch)).then(
      () => { batch.state = "done"; },
      (error: unknown) => { batch.state = "failed"; fatal ??= error; },
    ).finally(() => {
      inFlight.delete(task);
      for (const key of batch.records.keys()) if (keysInFlight.get(key) === task) keysInFlight.delete(key);
      advance();
      startWaiting();
    });
    inFlight.add(task);
    for (const key of batch.records.keys()) keysInFlight.set(key, task);
  };
  const startWaiting = () => {
    while (inFlight.size < concurrency && waiting.length > 0 && fatal === undefined && !options.abortSignal?.aborted) start(waiting.shift()!);
  };
  const dispatch = async (batch: Batch) => {
    batch.state = "waiting";
    queue.push(batch);
    waiting.push(batch);
    startWaiting();
    // With nothing in flight, sending has stopped (a failure or an abort), which the caller sees.
    while (waiting.length >= concurrency && inFlight.size > 0) await Promise.race(inFlight);
  };

  let current: Batch = { start: resumedFrom, end: resumedFrom, records: new Map(), errors: 0, state: "open" };
  try {
    for await (const item of options.records) {
      if (fatal !== undefined || options.abortSignal?.aborted) break;
      const itemPosition = item.ok ? item.record.position : item.error.position;
      if (itemPosition < resumedFrom) continue;
      if (!item.ok) {
        if (onError === "abort") {
          abortRecord = item.error;
          reportError(item.error);
          break;
        }
        reportError(item.error);
        current.errors++;
        current.end = itemPosition + 1;
        continue;
      }
      const { record } = item;
      if (current.records.size >= batchSize && !current.records.has(record.key)) {
        await dispatch(current);
        current = { start: current.end, end: current.end, records: new Map(), errors: 0, state: "open" };
      }
      current.records.set(record.key, record);
      current.end = itemPosition + 1;
    }
    if (current.end > current.start && fatal === undefined) await dispatch(current);
  } catch (error) {
    fatal ??= error;
  }
  // Each request that ends starts a waiting batch, until none waits or the import stops.
  while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  const stopped = fatal !== undefined || abortRecord !== undefined || options.abortSignal?.aborted === true;
  saveCheckpoint(!stopped, true);
  await checkpointChain;
  if (abortRecord) {
    throw new ImportAbortedError(`line ${abortRecord.line}: ${abortRecord.message}`, summary(), abortRecord, { cause: fatal });
  }
  if (fatal !== undefined) {
    throw new ImportAbortedError(`import stopped: ${fatal instanceof Error ? fatal.message : JSON.stringify(fatal)}`, summary(), undefined, { cause: fatal });
  }
  if (options.abortSignal?.aborted) throw new ImportAbortedError("import aborted", summary(), undefined, { cause: options.abortSignal.reason });
  return summary();
}
