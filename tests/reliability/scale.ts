// How hard the reliability tests push. `npm test` (and so CI) runs each at a bounded size that still
// finds bugs of the kind they exist for; `npm run torture` sets OSSV_TORTURE=1 and runs many more.
// OSSV_SEED replays one failing run of a randomized test: each test prints the seed it used.
import fc from "fast-check";

export const TORTURE = process.env.OSSV_TORTURE === "1";

/** The CI size, or the torture size under `npm run torture`. */
export function scaled(ci: number, torture: number): number {
  return TORTURE ? torture : ci;
}

/** The seed a randomized test should use: OSSV_SEED when given, else a fresh one (printed). */
export function testSeed(label: string): number {
  const given = process.env.OSSV_SEED;
  const seed = given !== undefined ? Number(given) : Math.floor(Math.random() * 0x7fffffff);
  console.log(`# ${label}: seed ${seed} (replay with OSSV_SEED=${seed})`);
  return seed;
}

/** fast-check parameters for a property: the seed printed, `numRuns` scaled, failures shrunk and shown whole. */
export function propertyParameters(label: string, ciRuns: number, tortureRuns: number): fc.Parameters<unknown> {
  return { seed: testSeed(label), numRuns: scaled(ciRuns, tortureRuns), verbose: 1, endOnFailure: false };
}

/**
 * Parameters for `lanes` copies of one property run side by side (a few sockets at once): one seed
 * is printed, lane i uses seed + i, and the runs are split between the lanes.
 */
export function laneParameters(label: string, lanes: number, ciRuns: number, tortureRuns: number): fc.Parameters<unknown>[] {
  const seed = testSeed(label);
  const runs = Math.ceil(scaled(ciRuns, tortureRuns) / lanes);
  return Array.from({ length: lanes }, (_, lane) => ({ seed: seed + lane, numRuns: runs, verbose: 1, endOnFailure: false, includeErrorInReport: true }));
}

/**
 * Runs an async property with propertyParameters(), OSSV_RUNS overriding the number of runs, and
 * stops after `timeLimitMs` (scaled like the runs) so a slow machine runs fewer cases instead of
 * timing out mid-shrink. On failure it prints the failing check itself first: a model test's
 * counterexample can be megabytes of keys and metadata, and the runner cuts long messages.
 */
export async function assertAsyncProperty<T>(
  label: string, property: fc.IAsyncProperty<T>, runs: { ci: number; torture: number }, timeLimitMs: { ci: number; torture: number },
): Promise<void> {
  const given = process.env.OSSV_RUNS;
  const parameters: fc.Parameters<T> = {
    ...(propertyParameters(label, runs.ci, runs.torture) as fc.Parameters<T>),
    ...(given !== undefined && { numRuns: Number(given) }),
    interruptAfterTimeLimit: scaled(timeLimitMs.ci, timeLimitMs.torture),
    // Only the shrunk counterexample: the list of every failure met while shrinking runs to megabytes here.
    verbose: 0,
  };
  try {
    await fc.assert(property, parameters);
  } catch (error) {
    const cause = (error as Error).cause;
    console.log(`# ${label}: first failure: ${String(cause instanceof Error ? cause.stack : error).slice(0, 3000)}`);
    throw error;
  }
}
