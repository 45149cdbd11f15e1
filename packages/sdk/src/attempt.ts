// One attempt's lifetime for any send step (fetch or node:http): an AbortSignal that fires on the
// attempt's timeout or the caller's own signal, and the classification of whatever the transport
// threw into AbortError, TimeoutError or NetworkError.
import { AbortError, NetworkError, TimeoutError } from "./errors.ts";
import type { HandlerContext } from "./http.ts";

/**
 * Runs one exchange as an attempt: `exchange` gets the attempt's signal, and whatever it throws comes
 * out classified. Every send step is this plus its transport.
 */
export async function runAttempt<T>(context: HandlerContext, exchange: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const attempt = startAttempt(context);
  try {
    return await exchange(attempt.signal);
  } catch (error) {
    throw attempt.classify(error);
  } finally {
    attempt.release();
  }
}

interface Attempt {
  signal: AbortSignal;
  classify(error: unknown): Error;
  release(): void;
}

/** One AbortController per attempt, fired by the timer or by the caller's signal, whichever is first. */
function startAttempt(context: HandlerContext): Attempt {
  const controller = new AbortController();
  const { abortSignal: callerSignal, timeoutMs = 0, operation } = context;
  let timedOut = false;
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) throw new AbortError({ operation, cause: callerSignal.reason });
  callerSignal?.addEventListener("abort", onCallerAbort, { once: true });
  const timer = timeoutMs > 0
    ? setTimeout(() => {
      timedOut = true;
      controller.abort(new TimeoutError(timeoutMs, { operation }));
    }, timeoutMs)
    : undefined;
  return {
    signal: controller.signal,
    classify(error) {
      if (timedOut) return new TimeoutError(timeoutMs, { operation, cause: error });
      if (callerSignal?.aborted) return new AbortError({ operation, cause: callerSignal.reason });
      const detail = error instanceof Error ? errorDetail(error) : String(error);
      return new NetworkError(`network failure: ${detail}`, { operation, cause: error });
    },
    release() {
      if (timer !== undefined) clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onCallerAbort);
    },
  };
}

/**
 * Node's fetch says only "fetch failed" and keeps the useful part (ECONNRESET, "other side closed") in
 * its cause; node:http puts the code on the error itself.
 */
function errorDetail(error: Error): string {
  const cause = error.cause as { code?: string; message?: string } | undefined;
  const extra = cause?.code ?? cause?.message;
  if (extra) return `${error.message} (${extra})`;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && !error.message.includes(code) ? `${error.message} (${code})` : error.message;
}
