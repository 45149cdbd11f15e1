// Deterministic pseudo-random numbers in [0, 1) (mulberry32). Plain JavaScript so that the graph-build
// worker (which Node 20 does not run through the tsx loader) and the TypeScript tests share it.

/** @param {number} seed */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
