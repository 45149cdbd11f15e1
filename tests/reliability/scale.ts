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
