// What a returned vector must look like whatever the timing: exactly the data and metadata of the put
// its metadata names. Linearizability (which put it may be) is register-checker.ts's business.
import { isDeepStrictEqual } from "node:util";
import type { Vector } from "@ossv/sdk";
import { sameFloat32Bits, writeMetadata, writeVector } from "./write-values.ts";

/** The write id a returned vector names, or undefined when its metadata has none. */
export function writeIdOf(vector: Vector): number | undefined {
  const w = vector.metadata?.["w"];
  return typeof w === "number" && Number.isInteger(w) ? w : undefined;
}

/** Problems with a vector returned with data and/or metadata; an empty list when it is intact. */
export function vectorProblems(vector: Vector, via: string, expectData: boolean): string[] {
  const id = writeIdOf(vector);
  if (id === undefined) return [`${via}: ${vector.key} came back without a write id: ${JSON.stringify(vector.metadata)}`];
  const problems: string[] = [];
  if (!isDeepStrictEqual(vector.metadata, writeMetadata(id))) {
    problems.push(`${via}: ${vector.key} metadata ${JSON.stringify(vector.metadata)} is not write ${id}'s`);
  }
  if (expectData && !sameFloat32Bits(vector.data?.float32 ?? [], writeVector(id))) {
    problems.push(`${via}: ${vector.key} data ${JSON.stringify(vector.data?.float32)} is not write ${id}'s bit for bit`);
  }
  return problems;
}
