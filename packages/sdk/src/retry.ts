// The retry step (docs/protocol.md#retries): up to `maxAttempts` tries with full-jitter exponential
// backoff on throttling, server errors, skew, timeouts and network failures. Each try goes down the rest
// of the stack again, so it is re-signed with a fresh (and possibly skew-corrected) time.
import { sleep } from "./abort.ts";
import { ClientError, isRetryableError, NetworkError, ServiceError } from "./errors.ts";
import { cloneRequest, type Middleware } from "./http.ts";

export interface RetryOptions {
  /** Total tries including the first; 1 disables retrying. Default 3. */
  maxAttempts?: number;
  /** Backoff unit: the ceiling for retry n is `min(maxDelayMs, baseDelayMs * 2^n)`. Default 200 ms. */
  baseDelayMs?: number;
  /** Default 20 s. */
  maxDelayMs?: number;
  /** Overrides the built-in decision of which errors are worth another try. */
  isRetryable?: (error: unknown) => boolean;
  /** Source of randomness for the jitter, in [0, 1); for tests. */
  random?: () => number;
}

export interface ResolvedRetryOptions {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  isRetryable: (error: unknown) => boolean;
  random: () => number;
}

export function resolveRetryOptions(options: RetryOptions | undefined): ResolvedRetryOptions {
  const maxAttempts = Math.floor(options?.maxAttempts ?? 3);
  return {
    maxAttempts: Number.isFinite(maxAttempts) && maxAttempts >= 1 ? maxAttempts : 1,
    baseDelayMs: options?.baseDelayMs ?? 200,
    maxDelayMs: options?.maxDelayMs ?? 20_000,
    isRetryable: options?.isRetryable ?? isRetryableError,
    random: options?.random ?? Math.random,
  };
}

/** Full jitter: a uniformly random delay in [0, min(max, base * 2^retry)). `retry` starts at 1. */
export function backoffDelayMs(retry: number, options: ResolvedRetryOptions): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** retry);
  return Math.floor(options.random() * ceiling);
}

function recordAttempts(error: unknown, attempts: number): void {
  if (error instanceof ServiceError || error instanceof ClientError) error.attempts = attempts;
}

/** Whether an error of this kind or any in its chain of causes says the connection was refused. */
function connectionRefused(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 5; cause = cause.cause, depth++) {
    if ((cause as { code?: unknown }).code === "ECONNREFUSED") return true;
  }
  return false;
}

/**
 * Whether a failed request certainly did nothing on the server: it refused it with a 4xx (before
 * acting: authentication, throttling, validation) or a 503 (not ready, shutting down), or the
 * connection was never made. A 5xx, a timeout or a dropped connection leave it unknown.
 */
export function surelyNotApplied(error: unknown): boolean {
  if (error instanceof ServiceError) return error.statusCode < 500 || error.statusCode === 503;
  return error instanceof NetworkError && connectionRefused(error);
}

export function retryMiddleware(options: ResolvedRetryOptions): Middleware {
  return (next) => async (request, context) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(cloneRequest(request), { ...context, attempt });
      } catch (error) {
        recordAttempts(error, attempt);
        const unsafe = context.idempotent === false && !surelyNotApplied(error);
        const giveUp = attempt >= options.maxAttempts || !options.isRetryable(error) || unsafe || context.abortSignal?.aborted;
        if (giveUp) throw error;
        await sleep(backoffDelayMs(attempt, options), context.abortSignal, context.operation);
      }
    }
  };
}
