// Put, get and delete any number of vectors: split into the largest batches one request allows
// (500 / 100 / 500), a few requests at a time, and report per batch what failed instead of throwing
// away what succeeded.
import type { VectorsClient } from "./client.ts";
import { chunk, runBounded } from "./concurrency.ts";
import { AbortError, InvalidParamError } from "./errors.ts";
import type { RequestOptions, Vector, VectorInput } from "./types.ts";

export const MAX_PUT_BATCH = 500;
export const MAX_GET_BATCH = 100;
export const MAX_DELETE_BATCH = 500;
export const DEFAULT_BATCH_CONCURRENCY = 4;

export interface BatchOptions extends RequestOptions {
  /** Items per request; defaults to the service maximum for the operation. */
  batchSize?: number;
  /** Requests in flight at once. Default 4. */
  concurrency?: number;
}

export interface BatchFailure {
  /** Position of the batch, in input order. */
  batchIndex: number;
  /** The keys of that batch; none of them can be assumed written/read/deleted. */
  keys: string[];
  /** What the last attempt threw (a ServiceError, NetworkError, AbortError...). */
  error: unknown;
}

interface IndexTarget {
  bucket: string;
  indexName: string;
}

export interface PutVectorsInBatchesRequest extends IndexTarget {
  vectors: Iterable<VectorInput>;
}

export interface PutVectorsInBatchesResult {
  /** Keys whose batch succeeded. */
  putKeys: string[];
  failures: BatchFailure[];
}

export interface GetVectorsInBatchesRequest extends IndexTarget {
  keys: Iterable<string>;
  returnData?: boolean;
  returnMetadata?: boolean;
}

export interface GetVectorsInBatchesResult {
  /** Found vectors, in the order of their batches. */
  vectors: Vector[];
  /** Keys of successful batches that the index does not hold. */
  missingKeys: string[];
  failures: BatchFailure[];
}

export interface DeleteVectorsInBatchesRequest extends IndexTarget {
  keys: Iterable<string>;
}

export interface DeleteVectorsInBatchesResult {
  /** Keys whose batch succeeded (including keys that did not exist). */
  deletedKeys: string[];
  failures: BatchFailure[];
}

function batchSize(options: BatchOptions, max: number): number {
  const size = options.batchSize ?? max;
  if (!Number.isInteger(size) || size < 1) throw new InvalidParamError("batchSize", "a positive integer");
  return size;
}

/**
 * Runs `send` for every batch with bounded concurrency. Once the caller aborts, no new batch starts
 * and the unstarted ones are reported as failed with an AbortError.
 */
async function runBatches<T>(
  batches: T[][], keysOf: (batch: T[]) => string[], send: (batch: T[], index: number) => Promise<void>,
  options: BatchOptions,
): Promise<BatchFailure[]> {
  const failures: BatchFailure[] = [];
  const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidParamError("concurrency", "a positive integer");
  const unstarted = await runBounded(batches.length, concurrency, async (index) => {
    try {
      await send(batches[index]!, index);
    } catch (error) {
      failures.push({ batchIndex: index, keys: keysOf(batches[index]!), error });
    }
  }, () => options.abortSignal?.aborted === true);
  for (const index of unstarted) {
    const error = new AbortError({ cause: options.abortSignal?.reason });
    failures.push({ batchIndex: index, keys: keysOf(batches[index]!), error });
  }
  return failures.sort((a, b) => a.batchIndex - b.batchIndex);
}

/** Last write wins within the input, as it would across separate calls (one request may not repeat a key). */
function lastOccurrenceByKey(vectors: Iterable<VectorInput>): VectorInput[] {
  const byKey = new Map<string, VectorInput>();
  for (const vector of vectors) byKey.set(vector.key, vector);
  return [...byKey.values()];
}

export async function putVectorsInBatches(
  client: Pick<VectorsClient, "putVectors">, input: PutVectorsInBatchesRequest, options: BatchOptions = {},
): Promise<PutVectorsInBatchesResult> {
  const batches = chunk(lastOccurrenceByKey(input.vectors), batchSize(options, MAX_PUT_BATCH));
  const succeeded: boolean[] = [];
  const keysOf = (batch: VectorInput[]) => batch.map((vector) => vector.key);
  const failures = await runBatches(batches, keysOf, async (vectors, index) => {
    await client.putVectors({ bucket: input.bucket, indexName: input.indexName, vectors }, options);
    succeeded[index] = true;
  }, options);
  return { putKeys: batches.filter((_, index) => succeeded[index]).flatMap(keysOf), failures };
}

export async function getVectorsInBatches(
  client: Pick<VectorsClient, "getVectors">, input: GetVectorsInBatchesRequest, options: BatchOptions = {},
): Promise<GetVectorsInBatchesResult> {
  const batches = chunk([...new Set(input.keys)], batchSize(options, MAX_GET_BATCH));
  const found: Vector[][] = [];
  const { bucket, indexName, returnData, returnMetadata } = input;
  const failures = await runBatches(batches, (keys) => keys, async (keys, index) => {
    const page = await client.getVectors({ bucket, indexName, keys, returnData, returnMetadata }, options);
    found[index] = page.vectors;
  }, options);
  const missingKeys = batches.flatMap((keys, index) => {
    const returned = new Set((found[index] ?? []).map((vector) => vector.key));
    return found[index] ? keys.filter((key) => !returned.has(key)) : [];
  });
  return { vectors: found.flatMap((vectors) => vectors ?? []), missingKeys, failures };
}

export async function deleteVectorsInBatches(
  client: Pick<VectorsClient, "deleteVectors">, input: DeleteVectorsInBatchesRequest, options: BatchOptions = {},
): Promise<DeleteVectorsInBatchesResult> {
  // DeleteVectors wants unique keys within a request (docs/protocol.md#deletevectors).
  const batches = chunk([...new Set(input.keys)], batchSize(options, MAX_DELETE_BATCH));
  const succeeded: boolean[] = [];
  const failures = await runBatches(batches, (keys) => keys, async (keys, index) => {
    await client.deleteVectors({ bucket: input.bucket, indexName: input.indexName, keys }, options);
    succeeded[index] = true;
  }, options);
  return { deletedKeys: batches.filter((_, index) => succeeded[index]).flatMap((keys) => keys), failures };
}
