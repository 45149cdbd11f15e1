// k-NN on one vector field of a Fusion index, by an exact scan of the live documents
// (docs/fusion.md#documents). The engine's graphs index whole rows, which for a Fusion index are several
// fields side by side, so they cannot answer a query on one field; a scan is exact, so a filtered
// search never comes up short, at a cost linear in the number of documents.
import type { Collection, VectorRecord } from "@ossv/engine";
import type { FusionMetric } from "@ossv/protocol";
import { fieldOf, type FieldSlot } from "./layout.ts";

/** Rows per list page while scanning: large enough to cost little, small enough to bound a copy. */
const SCAN_PAGE = 4096;

/**
 * Every live document, read in one synchronous pass: nothing can write between the pages, so the
 * result is one consistent view.
 */
export function liveDocuments(collection: Collection): VectorRecord[] {
  const out: VectorRecord[] = [];
  let token: string | undefined;
  do {
    const page = collection.list({ limit: SCAN_PAGE, ...(token !== undefined && { token }) });
    out.push(...page.vectors);
    token = page.nextToken;
  } while (token !== undefined);
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Smaller is closer, as Standard QueryVectors reports it: 1 - cos, or the plain L2 distance. */
export function distanceOf(metric: FusionMetric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (metric === "cosine") {
    const norms = Math.sqrt(dot(a, a) * dot(b, b));
    return norms === 0 ? 1 : 1 - dot(a, b) / norms;
  }
  if (metric === "ip") return -dot(a, b);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(sum);
}

/**
 * Larger is better, always positive, so boosts and sums behave: cosine (1 + cos) / 2; euclidean
 * 1 / (1 + d²); inner product 1 + ip when positive, else 1 / (1 - ip). These are the conventions of
 * Elasticsearch's dense vectors; the service documents none.
 */
export function similarityScore(metric: FusionMetric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (metric === "cosine") return (2 - distanceOf("cosine", a, b)) / 2;
  if (metric === "euclidean") return 1 / (1 + distanceOf("euclidean", a, b) ** 2);
  const ip = dot(a, b);
  return ip >= 0 ? 1 + ip : 1 / (1 - ip);
}

export interface KnnHit {
  record: VectorRecord;
  /** Larger is better. */
  score: number;
  distance: number;
}

/**
 * The `topK` documents that have the field and pass `accept`, best first; equal scores in key order
 * so the ranking is total.
 */
export function nearest(
  documents: readonly VectorRecord[], slot: FieldSlot, query: Float32Array, topK: number,
  accept: (record: VectorRecord) => boolean = () => true,
): KnnHit[] {
  const { distanceMetric } = slot.field;
  const hits: KnnHit[] = [];
  for (const record of documents) {
    const values = fieldOf(record.data, slot);
    if (values === undefined || !accept(record)) continue;
    hits.push({ record, score: similarityScore(distanceMetric, values, query), distance: distanceOf(distanceMetric, values, query) });
  }
  hits.sort((a, b) => b.score - a.score || (a.record.key < b.record.key ? -1 : a.record.key > b.record.key ? 1 : 0));
  return hits.slice(0, topK);
}
