// Small helpers around AbortSignal that every runtime (Node 20, Bun, Deno, browsers) supports.
import type { RequestOperation } from "./admin/operations.ts";
import { AbortError } from "./errors.ts";

export function throwIfAborted(signal: AbortSignal | undefined, operation?: RequestOperation): void {
  if (signal?.aborted) throw new AbortError({ operation, cause: signal.reason });
}

/** Waits `ms`, or rejects with AbortError as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal, operation?: RequestOperation): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new AbortError({ operation, cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortError({ operation, cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
