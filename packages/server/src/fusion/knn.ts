// k-NN on one vector field of a Fusion index (docs/fusion.md#k-nn): ranks the documents a scan hands
// over, which are the candidates the engine's per-field graphs pick where a segment has them, and
// every live document elsewhere (Collection.forEachFieldCandidate). Either way each is scored here,
// exactly, so a document's score does not depend on how it was found.
//
// The ranking reads each field where it lies in the engine's row, allocating nothing for a document
// that does not rank: its score is computed in place, and only a document that would enter the best
// `topK` has its filter evaluated (which may decode its metadata) and a hit made.
import type { LiveRowVisitor, Metadata } from "@ossv/engine";
import type { FusionMetric } from "@ossv/protocol";
import type { FieldSlot } from "./layout.ts";
import { readOnce } from "./query/visible.ts";

/** Visits the documents to rank (VisibleDocuments.scan, or any list of rows in tests). */
export type DocumentScan = (visit: LiveRowVisitor) => void;

function dotAt(row: ArrayLike<number>, offset: number, query: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < query.length; i++) sum += row[offset + i]! * query[i]!;
  return sum;
}

function squaredDistanceAt(row: ArrayLike<number>, offset: number, query: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < query.length; i++) sum += (row[offset + i]! - query[i]!) ** 2;
  return sum;
}

/** The field whose values start at row[offset], against the query (query.length values). */
interface Compared {
  row: ArrayLike<number>;
  offset: number;
  query: ArrayLike<number>;
  /** The query's squared norm, computed once per query. */
  queryNormSquared: number;
}

function squaredNormAt(row: ArrayLike<number>, offset: number, length: number): number {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += row[offset + i]! ** 2;
  return sum;
}

/** The cosine, or undefined when either vector is all zeros. */
function cosineOf({ row, offset, query, queryNormSquared }: Compared): number | undefined {
  const norms = Math.sqrt(squaredNormAt(row, offset, query.length) * queryNormSquared);
  return norms === 0 ? undefined : dotAt(row, offset, query) / norms;
}

/** Smaller is closer, as Standard QueryVectors reports it: 1 - cos, or the plain L2 distance. */
function distanceAt(metric: FusionMetric, compared: Compared): number {
  if (metric === "cosine") return 1 - (cosineOf(compared) ?? 0);
  if (metric === "ip") return -dotAt(compared.row, compared.offset, compared.query);
  return Math.sqrt(squaredDistanceAt(compared.row, compared.offset, compared.query));
}

function scoreAt(metric: FusionMetric, compared: Compared): number {
  if (metric === "cosine") return (1 + (cosineOf(compared) ?? 0)) / 2;
  if (metric === "euclidean") return 1 / (1 + squaredDistanceAt(compared.row, compared.offset, compared.query));
  const ip = dotAt(compared.row, compared.offset, compared.query);
  return ip >= 0 ? 1 + ip : 1 / (1 - ip);
}

const compareWhole = (a: ArrayLike<number>, b: ArrayLike<number>): Compared => ({ row: a, offset: 0, query: b, queryNormSquared: dotAt(b, 0, b) });

/**
 * Larger is better, always positive, so boosts and sums behave: cosine (1 + cos) / 2; euclidean
 * 1 / (1 + d²); inner product 1 + ip when positive, else 1 / (1 - ip). These are the conventions of
 * Elasticsearch's dense vectors; the service documents none.
 */
export function similarityScore(metric: FusionMetric, a: ArrayLike<number>, b: ArrayLike<number>): number {
  return scoreAt(metric, compareWhole(a, b));
}

export interface KnnHit {
  key: string;
  /** Larger is better. */
  score: number;
  distance: number;
  /** Reads the document's metadata; for the same synchronous step as the scan. */
  metadata: () => Readonly<Metadata>;
}

/** Whether a document that would rank may: its filter, given its key and a reader of its metadata. */
export type KnnAccept = (key: string, metadata: () => Readonly<Metadata>) => boolean;

/**
 * The `topK` documents that have the field and pass `accept`, best first; equal scores in key order
 * so the ranking is total. Each document costs one pass over its values; only those that may still
 * rank are given to `accept` and get a hit object.
 */
export function nearest(scan: DocumentScan, slot: FieldSlot, query: Float32Array, topK: number, accept?: KnnAccept): KnnHit[] {
  const metric = slot.field.distanceMetric;
  const best = new BestHits(topK);
  const compared: Compared = { row: query, offset: slot.offset + 1, query, queryNormSquared: dotAt(query, 0, query) };
  scan((key, row, metadata) => {
    if (row[slot.offset] !== 1) return; // the document has no such field (layout.ts)
    compared.row = row;
    const score = scoreAt(metric, compared);
    if (!best.admits(score, key)) return;
    const read = readOnce(metadata);
    if (accept && !accept(key, read)) return;
    best.add({ key, score, distance: distanceAt(metric, compared), metadata: read });
  });
  return best.sorted();
}

const better = (a: KnnHit, b: KnnHit) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/** The `size` best hits seen so far, in a binary heap whose root is the worst of them. */
class BestHits {
  private readonly heap: KnnHit[] = [];

  constructor(private readonly size: number) {}

  /** Whether a hit with this score and key would be kept. */
  admits(score: number, key: string): boolean {
    if (this.heap.length < this.size) return true;
    const worst = this.heap[0]!;
    return score > worst.score || (score === worst.score && key < worst.key);
  }

  add(hit: KnnHit): void {
    const heap = this.heap;
    if (heap.length < this.size) {
      heap.push(hit);
      this.siftUp(heap.length - 1);
    } else {
      heap[0] = hit;
      this.siftDown(0);
    }
  }

  sorted(): KnnHit[] {
    return [...this.heap].sort(better);
  }

  // The root holds the hit that ranks last: `better(parent, child) > 0` means the parent ranks after it.
  private siftUp(at: number): void {
    const heap = this.heap;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (better(heap[parent]!, heap[at]!) >= 0) return;
      [heap[parent], heap[at]] = [heap[at]!, heap[parent]!];
      at = parent;
    }
  }

  private siftDown(at: number): void {
    const heap = this.heap;
    for (;;) {
      let worst = at;
      for (const child of [2 * at + 1, 2 * at + 2]) if (child < heap.length && better(heap[worst]!, heap[child]!) < 0) worst = child;
      if (worst === at) return;
      [heap[worst], heap[at]] = [heap[at]!, heap[worst]!];
      at = worst;
    }
  }
}
