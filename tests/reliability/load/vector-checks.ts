// Which write a returned vector came from. What it must look like besides is its index kind's business
// (standard-kind.ts, fusion-kind.ts); which write it may be, register-checker.ts's.
import type { FusionHit, Vector } from "@ossv/sdk";

/** The write id a returned vector (or Fusion hit) names, or undefined when its metadata has none. */
export function writeIdOf(vector: Vector | FusionHit): number | undefined {
  const w = vector.metadata?.["w"];
  return typeof w === "number" && Number.isInteger(w) ? w : undefined;
}
