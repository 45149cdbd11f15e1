// What happens when a flush, checkpoint, merge or compaction fails. Nothing is lost (the WAL still
// holds every acknowledged write), but an operator must hear of it: every failed attempt is reported
// with its error, retried after a growing delay, and kept for `describe()` so `ossv admin index
// describe` shows what failed, when, and how often, until a later attempt succeeds and after.

/** "merge" is the idle merge: like an explicit compact(), all segments into one. */
/** "poll": a reader on a shared store looking for new WAL objects (cluster/index-reader.ts). */
/** "verify": reading segments opened from their files through, against their checksums (maintenance/verify.ts). */
/** "field graphs": building a Fusion index's per-field graphs (search/field-graphs.ts). */
export type BackgroundTask = "checkpoint" | "flush" | "compact" | "merge" | "poll" | "prune leases" | "verify" | "field graphs";

/** The most recent background failure of a collection, as describe() shows it. */
export interface BackgroundFailure {
  task: BackgroundTask;
  error: string;
  /** When the latest failed attempt ended (ISO 8601). */
  at: string;
  /** Failed attempts in a row, this one included. */
  attempts: number;
  /** When background work is tried again (ISO 8601); null once a later attempt succeeded. */
  retryAt: string | null;
  /** True once a later attempt of background work succeeded. */
  resolved: boolean;
}

export interface BackgroundFailureEvent {
  indexId: string;
  indexName: string;
  bucket: string;
  task: BackgroundTask;
  error: unknown;
  attempts: number;
  /** null when the collection is closing: the work is not tried again in this process. */
  retryInMs: number | null;
}

export type BackgroundFailureReporter = (event: BackgroundFailureEvent) => void;

/** What a collection's background work reports; the collection adds which index it is. */
export type TaskFailureReporter = (event: Omit<BackgroundFailureEvent, "indexId" | "indexName" | "bucket">) => void;

export interface RetryPolicy {
  /** Delay before the first retry; each further failure in a row doubles it ... */
  retryBaseMs: number;
  /** ... up to this. */
  retryMaxMs: number;
}

export function retryDelay(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.min(attempts - 1, 30));
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/** The default reporter: one line on standard error per failed attempt. */
export const logBackgroundFailure: BackgroundFailureReporter = (event) => {
  const next = event.retryInMs === null ? "not retried" : `retrying in ${event.retryInMs} ms`;
  console.error(
    `ossv: background ${event.task} of index ${event.bucket}/${event.indexName} (${event.indexId}) failed `
    + `(attempt ${event.attempts}), ${next}:`, event.error,
  );
};
