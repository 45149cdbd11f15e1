// Which write a returned vector came from, and whether it is exactly what that write sent. What a
// write sends is its index kind's business (standard-kind.ts, fusion-kind.ts); which write a read may
// return, register-checker.ts's.
import { isDeepStrictEqual } from "node:util";
import type { FusionHit, Vector } from "@ossv/sdk";

/** The write id a returned vector (or Fusion hit) names, or undefined when its metadata has none. */
export function writeIdOf(vector: Vector | FusionHit): number | undefined {
  const w = vector.metadata?.["w"];
  return typeof w === "number" && Number.isInteger(w) ? w : undefined;
}

/**
 * Problems with a vector Get/ListVectors returned: none when its metadata is exactly `metadataOf` the
 * write it names and, when `expectData`, its data is that write's bit for bit (`dataIsWrites`).
 */
export function writeProblems(
  vector: Vector, via: string, expectData: boolean,
  metadataOf: (writeId: number) => unknown, dataIsWrites: (data: Vector["data"], writeId: number) => boolean,
): string[] {
  const id = writeIdOf(vector);
  if (id === undefined) return [`${via}: ${vector.key} came back without a write id: ${JSON.stringify(vector.metadata)}`];
  const problems: string[] = [];
  if (!isDeepStrictEqual(vector.metadata, metadataOf(id))) {
    problems.push(`${via}: ${vector.key} metadata ${JSON.stringify(vector.metadata)} is not write ${id}'s`);
  }
  if (expectData && !dataIsWrites(vector.data, id)) {
    problems.push(`${via}: ${vector.key} data ${JSON.stringify(vector.data)} is not write ${id}'s bit for bit`);
  }
  return problems;
}
