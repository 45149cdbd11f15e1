// Types of the addon (src/native/addon.cc). Labels are the engine's row numbers.

/**
 * "cosine" is hnswlib's cosine space: vectors normalised on insert and on query, then inner product.
 * "cosine-raw" ranks the same way but keeps the vectors as given, each followed by its inverse norm
 * (src/native/cosine-raw-space.h), so they can be read back through `vectors()`. Its bytes are
 * hnswlib's "cosine" bytes, so loading them takes the original vectors back as a third argument.
 * "l2-int8" and "cosine-int8" graphs keep one byte per dimension instead of a float
 * (src/native/int8-space.h): they are loaded from the bytes of an "l2" or a "cosine" / "cosine-raw"
 * graph (what `serialize` writes), straight into codes, and are searched and marked, never grown or
 * serialised. Their distances are approximate.
 */
export type HnswSpace = "l2" | "ip" | "cosine" | "cosine-raw" | "l2-int8" | "cosine-int8";

/** The graph's element memory: row r's vector is data[r * stride + offset ... + dimension). */
export interface HnswVectors {
  data: Float32Array;
  stride: number;
  offset: number;
}

export declare class HnswIndex {
  constructor(space: HnswSpace, dimension: number);
  /** A new, empty graph for up to `maxElements` elements; the same seed and inserts give the same graph. */
  init(maxElements: number, m: number, efConstruction: number, seed: number): void;
  /**
   * Replaces the graph with one read from hnswlib's file format (what `serialize` and hnswlib's
   * saveIndex write). Damaged or truncated bytes throw, as does a stated capacity far above the element
   * count (more than 2 × count + 65,536: taken for damage). `capacity` reserves room to add elements.
   * A "cosine-raw" graph needs `originals`, rows x dimension, row L being the vector of the element
   * labelled L (the bytes hold it normalised); other spaces take none. An int8 graph reads the
   * float graph's bytes into codes (per-dimension ranges taken from its elements), frozen at once,
   * and takes no capacity.
   */
  load(bytes: Uint8Array, capacity?: number, originals?: Float32Array): void;
  /** `load` on a libuv thread. Leave `bytes` and `originals` unchanged until it settles; meanwhile the object refuses all calls. */
  loadAsync(bytes: Uint8Array, capacity?: number, originals?: Float32Array): Promise<void>;
  /**
   * Replaces the graph with the one saved at bytes [offset, offset + length) of the file at `path`,
   * mapped into memory in place instead of read (src/native/mapped-graph.h): its elements stay the
   * file's pages, cached by the kernel, and only the upper-level links are allocated. "l2", "ip" and
   * "cosine" only. Every link is checked (on a libuv thread), as by `load`; damage rejects. The graph
   * is frozen and never grows; deletion marks stay in this process, the file is never written.
   */
  mapAsync(path: string, offset: number, length: number): Promise<void>;
  /** Bytes of file the graph maps: 0 unless it came from mapAsync. residentBytes() leaves them out. */
  mappedBytes(): number;
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
  /** The graph in hnswlib's file format ("cosine-raw": as "cosine"), over an ArrayBuffer of its own (transferable). */
  serialize(): Uint8Array;
  /** The same, written on a libuv thread; until it settles the graph may be searched and marked, not changed. */
  serializeAsync(): Promise<Uint8Array>;
  /**
   * A view of the vectors where the graph keeps them, or undefined when they are not the originals
   * ("cosine") or element i does not carry label i. The view keeps the graph's memory alive; once it
   * is taken the graph can no longer be resized.
   */
  vectors(): HnswVectors | undefined;
  /**
   * Scores the first `count` rows of `rows` against `query` into `out`: dot products, or squared L2
   * distances when `euclidean`, in double precision and in the engine's kernel's order (bit-identical
   * to it). Only after `vectors()` has returned a view.
   */
  scoreRows(query: Float32Array, rows: Int32Array, count: number, euclidean: boolean, out: Float64Array): void;
  /**
   * Declares that the graph will only be searched, marked and serialised from now on: it lets go of
   * what insertions need (per-element locks, hnswlib's label locks and, when element i carries label
   * i, the label map), and addPoint and resize throw. True when ids are labels. Init and load start
   * a new, unfrozen graph.
   */
  freeze(): boolean;
  /** Bytes the graph holds in native memory (for memory accounting). */
  residentBytes(): number;
  /**
   * An int8 graph's approximate distances of the first `count` listed rows to `query` into `out`
   * (squared L2 to the row's codes; of unit vectors for cosine): for picking candidates to re-rank.
   */
  scoreCodes(query: Float32Array, rows: Int32Array, count: number, out: Float64Array): void;
  /**
   * Frees the graph now; later calls throw until init or load. Views from vectors() keep their memory
   * alive, and a serializeAsync in flight keeps the graph until it has written it.
   */
  release(): void;
}

/**
 * Float32 vectors read from a file (src/native/vector-file.cc): row r is `dimension` little-endian
 * floats at offset + r x dimension x 4. The file stays open until close() or collection, so it may be
 * unlinked meanwhile.
 */
export declare class VectorFile {
  /** Throws when the file cannot be opened or is shorter than its rows. */
  constructor(path: string, offset: number, rows: number, dimension: number);
  /** As HnswIndex.scoreRows, bit-identical to the engine's kernel, reading each listed row from the file. */
  scoreRows(query: Float32Array, rows: Int32Array, count: number, euclidean: boolean, out: Float64Array): void;
  /** Rows first..first+count-1 into `out`, back to back. */
  readRows(first: number, count: number, out: Float32Array): void;
  /** Closes the file now; later reads throw. */
  close(): void;
}

/**
 * Hands the C heap's free memory back to the operating system (glibc's malloc_trim); true when some
 * was. A no-op returning false where the C library has no such call.
 */
export declare function trimNativeHeap(): boolean;
