// Types of the addon (src/native/addon.cc). Labels are the engine's row numbers.

/** "cosine" is hnswlib's cosine space: vectors normalised on insert and on query, then inner product. */
export type HnswSpace = "l2" | "ip" | "cosine";

export declare class HnswIndex {
  constructor(space: HnswSpace, dimension: number);
  /** A new, empty graph for up to `maxElements` elements; the same seed and inserts give the same graph. */
  init(maxElements: number, m: number, efConstruction: number, seed: number): void;
  /**
   * Replaces the graph with one read from hnswlib's file format (what `serialize` and hnswlib's
   * saveIndex write). Damaged or truncated bytes throw, as does a stated capacity far above the element
   * count (more than 2 × count + 65,536: taken for damage). `capacity` reserves room to add elements.
   */
  load(bytes: Uint8Array, capacity?: number): void;
  /** `load` on a libuv thread. Leave `bytes` unchanged until it settles; meanwhile the object refuses all calls. */
  loadAsync(bytes: Uint8Array, capacity?: number): Promise<void>;
  /** Adds one vector (the graph's dimension) under `label`, 0 <= label < capacity. */
  addPoint(vector: Float32Array, label: number): void;
  /** Room for `maxElements` elements (at least the current count). */
  resize(maxElements: number): void;
  /** Hides an element from searches (it stays as a waypoint); false when it was hidden already. */
  markDelete(label: number): boolean;
  count(): number;
  capacity(): number;
  /**
   * Labels of up to `k` nearest elements, nearest first, with a beam of max(ef, k). `allowed` is a
   * row bitmap (one byte per label, non-zero = may be returned), checked inside the traversal.
   */
  search(query: Float32Array, k: number, ef: number, allowed?: Uint8Array): number[];
  /** The graph in hnswlib's file format, over an ArrayBuffer of its own (transferable). */
  serialize(): Uint8Array;
  /** The same, written on a libuv thread; until it settles the graph may be searched and marked, not changed. */
  serializeAsync(): Promise<Uint8Array>;
  /** Bytes the graph holds in native memory (for memory accounting). */
  residentBytes(): number;
}
