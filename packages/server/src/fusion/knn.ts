// k-NN on one vector field of a Fusion index, by an exact scan of the live documents
// (docs/fusion.md#documents). The engine's graphs index whole rows, which for a Fusion index are several
// fields side by side, so they cannot answer a query on one field; a scan is exact, so a filtered
// search never comes up short, at a cost linear in the number of documents.
import type { Collection, Metadata, VectorRecord } from "@ossv/engine";
import type { FusionMetric } from "@ossv/protocol";
import { fieldOf, type FieldSlot } from "./layout.ts";

/**
 * Every live document as the engine holds it, without copies (Collection.forEachLive): a copy of
 * each record per query cost more than the whole k-NN scan. The records share the engine's vectors
 * and metadata, so they are for the current synchronous step only, and never changed. A document's
 * metadata is read the first time it is asked for (a filter, a hit's fields), not for every document.
 */
export function liveDocuments(collection: Collection): VectorRecord[] {
  const out: VectorRecord[] = [];
  collection.forEachLive((key, data, metadataOf) => out.push(new LiveDocument(key, data, metadataOf)));
  return out;
}

/** A live document whose metadata is read when first asked for. */
class LiveDocument implements VectorRecord {
  private read: Metadata | undefined;

  constructor(
    readonly key: string,
    readonly data: Float32Array,
    private readonly metadataOf: () => Readonly<Metadata>,
  ) {}

  get metadata(): Metadata {
    return (this.read ??= this.metadataOf() as Metadata);
  }
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
 * so the ranking is total. Each document costs one pass over its values; only those that may still
 * rank get a hit object.
 */
export function nearest(
  documents: readonly VectorRecord[], slot: FieldSlot, query: Float32Array, topK: number,
  accept: (record: VectorRecord) => boolean = () => true,
): KnnHit[] {
  const { distanceMetric } = slot.field;
  const best = new BestHits(topK);
  for (const record of documents) {
    const values = fieldOf(record.data, slot);
    if (values === undefined || !accept(record)) continue;
    const score = similarityScore(distanceMetric, values, query);
    if (best.admits(score, record.key)) best.add({ record, score, distance: distanceOf(distanceMetric, values, query) });
  }
  return best.sorted();
}

const better = (a: KnnHit, b: KnnHit) => b.score - a.score || (a.record.key < b.record.key ? -1 : a.record.key > b.record.key ? 1 : 0);

/** The `size` best hits seen so far, in a binary heap whose root is the worst of them. */
class BestHits {
  private readonly heap: KnnHit[] = [];

  constructor(private readonly size: number) {}

  /** Whether a hit with this score and key would be kept. */
  admits(score: number, key: string): boolean {
    if (this.heap.length < this.size) return true;
    const worst = this.heap[0]!;
    return score > worst.score || (score === worst.score && key < worst.record.key);
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
