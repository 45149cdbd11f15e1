// The probes' other client: one small call after another while a load runs, each timed, and a line
// with its latencies by the bench's own percentile.
import { percentile } from "../lib/measure.ts";

export interface TimedCalls {
  /** Milliseconds per call, ascending. */
  latencies: number[];
  errors: number;
}

/** Runs `call` back to back while `keepGoing()` holds; failures are counted, not thrown. */
export async function timeCallsWhile(call: () => Promise<unknown>, keepGoing: () => boolean): Promise<TimedCalls> {
  const latencies: number[] = [];
  let errors = 0;
  while (keepGoing()) {
    const started = performance.now();
    try {
      await call();
    } catch {
      errors++;
    }
    latencies.push(performance.now() - started);
  }
  return { latencies: latencies.sort((a, b) => a - b), errors };
}

export function describeCalls(label: string, run: TimedCalls): string {
  const { latencies } = run;
  const ms = (value: number | undefined) => `${(value ?? Number.NaN).toFixed(1)} ms`;
  return `${label}: ${latencies.length} requests, ${run.errors} errors, p50 ${ms(percentile(latencies, 0.5))}, `
    + `p99 ${ms(percentile(latencies, 0.99))}, max ${ms(latencies.at(-1))}`;
}
