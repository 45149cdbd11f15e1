// What each write stores in the Fusion torture's index: like write-values.ts, a pure function of the
// write id. Two vector fields of different dimensions and metrics (`near`, 8-d euclidean, the Standard
// torture's vector; `dir`, 5-d cosine, left out of every seventh write so documents without a field
// are recovered too), the write id and group as long fields, and a full-text `body` holding a word no
// other write's text has, so a text query for it names exactly one write.
import { fusionField, fusionSchema, fusionText } from "@ossv/sdk";
import { seededRandom } from "../../../packages/engine/src/base/seeded-random.mjs";
import { GROUPS, writeVector } from "./write-values.ts";

export const NEAR = "near";
export const DIR = "dir";
export const DIR_DIMENSION = 5;

export const FUSION_SCHEMA = fusionSchema(
  fusionField.vector(NEAR, 8, "euclidean"),
  fusionField.vector(DIR, DIR_DIMENSION, "cosine"),
  fusionField.long("w"),
  fusionField.long("group"),
  fusionField.string("body", { text: fusionText.standard() }),
);

export interface FusionMetadata {
  /** The write id: which put this document came from. */
  w: number;
  group: number;
  /** Full text: the write's own word among words every document shares. */
  body: string;
  /** Not in the schema: kept and returned as it was. */
  note: string;
}

/** Whether write `writeId`'s document has the `dir` field. */
export const hasDir = (writeId: number) => writeId % 7 !== 3;

/**
 * The `dir` vector of a write: components in (-1, 1) with every mantissa bit random (bit-exactness
 * still shows), of similar magnitudes, so directions are spread and each is its own nearest by cosine.
 */
export function dirVector(writeId: number): Float32Array {
  const random = seededRandom(writeId * 2246822519 + 1);
  const vector = new Float32Array(DIR_DIMENSION);
  for (let i = 0; i < DIR_DIMENSION; i++) vector[i] = (random() < 0.5 ? -1 : 1) * (0.01 + random());
  return vector;
}

/** The vectors of write `writeId`, keyed by field. */
export function fusionData(writeId: number): Record<string, Float32Array> {
  return hasDir(writeId) ? { [NEAR]: writeVector(writeId), [DIR]: dirVector(writeId) } : { [NEAR]: writeVector(writeId) };
}

/**
 * The word of write `writeId` alone: the id in base 26 spelled with letters only (the standard
 * analyzer keeps a run of letters whole and lower-cases it), after a prefix no shared word starts with.
 */
export function wordOf(writeId: number): string {
  const letters = [...writeId.toString(26)].map((c) => String.fromCharCode(c <= "9" ? 97 + Number(c) : c.charCodeAt(0) + 10));
  return `qz${letters.join("")}`;
}

export function fusionMetadata(writeId: number): FusionMetadata {
  return { w: writeId, group: writeId % GROUPS, body: `Shared ünïcode text, then ${wordOf(writeId)}.`, note: `write ${writeId}` };
}

/** Cosine similarity in float64 over float32 components, to judge the score a query reports. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return dot / Math.sqrt(aa * bb);
}
