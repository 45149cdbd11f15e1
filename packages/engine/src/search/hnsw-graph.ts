// HNSW graphs through our addon over hnswlib's C++ core (@ossv/hnsw; docs/architecture.md#approximate-search:
// the measured choice). Builds run in a worker thread (graph-build-worker.mjs), one at a time per process
// so the event loop keeps the other core; the result is hnswlib's serialised graph, stored through the
// blob store and loaded here straight from memory.
//
// Spaces: euclidean uses "l2" (squared distances), cosine the addon's "cosine-raw", which keeps each
// vector as given next to its inverse norm. Either way the graph holds the segment's vectors exactly,
// so a segment reads them from there (vectors()) instead of holding a second copy. A "cosine-raw"
// graph is serialised as hnswlib's "cosine" one (unit vectors), the format segments have always
// stored, and loads back with the segment's original vectors. The engine scores the returned rows
// again with its exact kernel, so graph distances never reach a caller.
//
// A stored graph may instead be loaded as one of int8 codes (`loadCodes`, vector-placement.ts): the
// same links over one byte per dimension, read straight from the float graph's bytes. Its distances
// only pick candidates, which the segment scores exactly with the vectors it reads from disk.
//
// Or a stored graph may be mapped where its segment object holds it (`map`, vector-placement.ts): the
// elements stay the file's pages. It is mapped in hnswlib's own space ("l2", or "cosine" over the
// stored unit vectors, which then give the order but not the exact cosine of the original vectors).
import { Worker } from "node:worker_threads";
import { HnswIndex, type HnswSpace, type HnswVectors } from "@ossv/hnsw";
import type { RowScorer } from "./search-kernel.ts";
import { scratchRowList, scratchScores } from "./scratch-rows.ts";
import { SerialQueue } from "../base/serial-queue.ts";
import type { DistanceMetric } from "../base/types.ts";

/**
 * Graph degree and build beam (docs/architecture.md#approximate-search: M 16 / efConstruction 128 gave
 * 0.979 at ef 32 on clustered data, but only 0.87 at ef 64 on GloVe). The query beam is therefore not
 * fixed: each build calibrates the smallest ef that reaches recall@10 0.97 on probe queries near its own
 * rows (graph-build-worker.mjs).
 */
const GRAPH_M = 16;
const GRAPH_EF_CONSTRUCTION = 160;
/** Fixed seed: the same rows, added in the same steps, always give the same graph (repeatable tests and benchmarks). */
const GRAPH_SEED = 100;

/**
 * What a graph may be built for: an index's metric, or inner product, which only a Fusion index's
 * vector fields use (search/field-graphs.ts) and whose graphs are only built and searched, never
 * mapped or loaded as codes.
 */
export type GraphMetric = DistanceMetric | "ip";

const spaceOf = (metric: GraphMetric): HnswSpace => (metric === "cosine" ? "cosine-raw" : metric === "ip" ? "ip" : "l2");
const mappedSpaceOf = (metric: DistanceMetric): HnswSpace => (metric === "cosine" ? "cosine" : "l2");
const int8SpaceOf = (metric: DistanceMetric): HnswSpace => (metric === "cosine" ? "cosine-int8" : "l2-int8");

/** One build at a time for the whole process: two cores, one of which serves requests. */
const buildQueue = new SerialQueue();

export interface GraphBuildInput {
  metric: GraphMetric;
  dimension: number;
  rows: number;
  /** rows × dimension floats; copied, so the caller may keep using it. */
  vectors: Float32Array;
  /**
   * A graph to extend instead of starting afresh: its labels 0..base.rows-1 must be the first rows of
   * `vectors`, in order. Its state when the build starts is copied; the base itself is not changed.
   */
  base?: HnswGraph;
  /**
   * Aborting it ends the build at once (the worker is terminated; a build still queued never starts)
   * and rejects with the signal's reason. A server that is stopping must not wait for a graph it would
   * only throw away: the rows are in the WAL, and the build runs again after the next start.
   */
  signal?: AbortSignal;
}

export interface BuiltGraph {
  /** hnswlib's serialised graph. */
  bytes: Uint8Array;
  /** The calibrated query beam for this graph. */
  searchEf: number;
}

/** Builds a graph over rows 0..rows-1 in a worker thread and calibrates its query beam. */
export function buildGraph(input: GraphBuildInput): Promise<BuiltGraph> {
  if (input.base && input.base.rows > input.rows) {
    return Promise.reject(new RangeError(`a graph of ${input.base.rows} rows cannot grow into one of ${input.rows}`));
  }
  return buildQueue.run(async () => {
    input.signal?.throwIfAborted();
    return input.base ? buildOnBase(input, input.base) : runWorker(input);
  });
}

/** The base graph goes to the worker as its serialised bytes, written off the event loop. */
async function buildOnBase(input: GraphBuildInput, base: HnswGraph): Promise<BuiltGraph> {
  const bytes = await base.serialize();
  input.signal?.throwIfAborted();
  return runWorker(input, { bytes, rows: base.rows });
}

function runWorker(input: GraphBuildInput, base?: { bytes: Uint8Array; rows: number }): Promise<BuiltGraph> {
  const vectors = input.vectors.slice(0, input.rows * input.dimension).buffer;
  const workerData = {
    space: spaceOf(input.metric),
    dimension: input.dimension,
    rows: input.rows,
    m: GRAPH_M,
    efConstruction: GRAPH_EF_CONSTRUCTION,
    seed: GRAPH_SEED,
    vectors,
    base,
  };
  const { signal } = input;
  return new Promise((resolve, reject) => {
    const transferList: ArrayBuffer[] = base ? [vectors, base.bytes.buffer as ArrayBuffer] : [vectors];
    const worker = new Worker(new URL("./graph-build-worker.mjs", import.meta.url), { workerData, transferList });
    let result: BuiltGraph | undefined;
    // hnswlib's insertions cannot be interrupted from inside; terminating the thread is the only way
    // to stop them, and nothing outside the worker depends on its half-built graph.
    const abort = () => {
      reject(signal?.reason);
      void worker.terminate();
    };
    signal?.addEventListener("abort", abort, { once: true });
    worker.once("message", (message: { graph: Uint8Array; searchEf: number }) => {
      result = { bytes: message.graph, searchEf: message.searchEf };
    });
    worker.once("error", reject);
    worker.once("exit", (code) => {
      signal?.removeEventListener("abort", abort);
      if (result) resolve(result);
      else reject(new Error(`graph build worker exited with code ${code}`));
    });
  });
}

/** A loaded, searchable graph whose labels are segment row numbers. */
export class HnswGraph {
  private view: { vectors: HnswVectors; scorer: RowScorer } | undefined | null = null;

  private constructor(
    private readonly native: HnswIndex,
    readonly rows: number,
    /** The calibrated beam; a query uses at least this. */
    readonly searchEf: number,
    /**
     * Set for a graph of int8 codes (loadCodes): its distances are approximate, and its serialised
     * bytes, which codes cannot give back, are read from where the segment stored them.
     */
    private readonly storedBytes?: () => Promise<Uint8Array>,
    /** Set for a graph mapped from its segment object's file (map). */
    readonly mapped = false,
  ) {}

  /** Whether the graph holds int8 codes (loadCodes) rather than the vectors themselves. */
  get codes(): boolean {
    return this.storedBytes !== undefined;
  }

  /**
   * An int8 graph's approximate distances (squared L2 to the codes; of unit vectors for cosine) of
   * the first `count` rows of `rows`: for choosing candidates that are then scored exactly.
   */
  scoreCodes(query: Float32Array, rows: Int32Array, count: number): Float64Array {
    const out = scratchScores(count);
    this.native.scoreCodes(query, rows, count, out);
    return out;
  }

  /** Frees the graph's native memory now (views taken through vectors() keep theirs until collected). */
  release(): void {
    this.native.release();
    this.view = undefined;
  }

  /**
   * Loads serialised graph bytes (read and checked on a libuv thread; damaged bytes reject). `vectors`
   * are the segment's rows (rows x dimension): a cosine graph takes its vectors back from them.
   */
  static async load(built: BuiltGraph, metric: GraphMetric, dimension: number, rows: number, vectors: Float32Array): Promise<HnswGraph> {
    const space = spaceOf(metric);
    const native = new HnswIndex(space, dimension);
    await native.loadAsync(built.bytes, undefined, space === "cosine-raw" ? vectors.subarray(0, rows * dimension) : undefined);
    if (native.count() !== rows) throw new Error(`graph holds ${native.count()} rows, segment ${rows}`);
    // A loaded graph is only searched, marked and serialised (a build grows a copy in its worker), so
    // it drops what insertions need: about 85 bytes a row and 2.6 MB a graph.
    native.freeze();
    return new HnswGraph(native, rows, built.searchEf);
  }

  /**
   * Loads a float graph's serialised bytes as a graph of int8 codes (read on a libuv thread; the float
   * graph is never built): the same links and marks, a quarter of the vector memory. `storedBytes`
   * reads the float bytes back (from the segment object) when a merge grows a new graph from this one.
   */
  static async loadCodes(
    built: BuiltGraph, metric: DistanceMetric, dimension: number, rows: number, storedBytes: () => Promise<Uint8Array>,
  ): Promise<HnswGraph> {
    const native = new HnswIndex(int8SpaceOf(metric), dimension);
    await native.loadAsync(built.bytes);
    if (native.count() !== rows) throw new Error(`graph holds ${native.count()} rows, segment ${rows}`);
    return new HnswGraph(native, rows, built.searchEf, storedBytes);
  }

  /**
   * Maps the graph stored at bytes [offset, offset + length) of `path` (a segment object's local file)
   * in place, checked on a libuv thread: no copy of its elements is made.
   */
  static async map(
    stored: { path: string; offset: number; length: number }, searchEf: number, metric: DistanceMetric, dimension: number, rows: number,
  ): Promise<HnswGraph> {
    const native = new HnswIndex(mappedSpaceOf(metric), dimension);
    await native.mapAsync(stored.path, stored.offset, stored.length);
    if (native.count() !== rows) {
      native.release();
      throw new Error(`graph holds ${native.count()} rows, segment ${rows}`);
    }
    return new HnswGraph(native, rows, searchEf, undefined, true);
  }

  /** Bytes of file a mapped graph maps: the page cache's, not the process's (0 for other graphs). */
  get mappedBytes(): number {
    return this.native.mappedBytes();
  }

  /**
   * The rows' vectors where the graph holds them, and a scorer over them (native code, bit-identical
   * to the engine's kernel); undefined if element i does not carry row i (never for graphs the engine
   * builds). The view keeps the graph's memory alive for as long as it is referenced.
   */
  vectors(): { vectors: HnswVectors; scorer: RowScorer } | undefined {
    if (this.view === null) {
      const vectors = this.native.vectors();
      this.view = vectors && { vectors, scorer: new GraphRowScorer(this.native, this.rows) };
    }
    return this.view;
  }

  /** Bytes the graph holds in native memory, exact for its arrays (base/memory-use.ts). */
  get residentBytes(): number {
    return this.native.residentBytes();
  }

  /**
   * The graph in hnswlib's file format, marks included, written on a libuv thread: searches and
   * marks may go on meanwhile (a mark made during the write may or may not be in the bytes; the
   * caller passes deletes on to the graph built from them anyway). An int8 graph's bytes are the
   * float graph's as its segment stored them, without the marks made since.
   */
  serialize(): Promise<Uint8Array> {
    return this.storedBytes ? this.storedBytes() : this.native.serializeAsync();
  }

  /**
   * Deleted rows stay in the graph as waypoints but are never returned. Marking a row twice is
   * allowed: a graph extended from a base copied while a delete reached the base can carry the mark
   * already when its segment passes the delete on.
   */
  markDeleted(row: number): void {
    this.native.markDelete(row);
  }

  /**
   * Up to `k` nearest rows that are not deleted and allowed by the row bitmap (checked inside the
   * traversal, so a rejected row never takes a result place). Fewer come back only when the beam runs dry.
   */
  search(query: Float32Array, k: number, ef: number, allowed?: Uint8Array): number[] {
    return this.native.search(query, k, ef, allowed);
  }
}

class GraphRowScorer implements RowScorer {
  constructor(private readonly native: HnswIndex, private readonly rows: number) {}

  get rowList(): Int32Array {
    return scratchRowList(this.rows);
  }

  score(query: Float32Array, count: number, euclidean: boolean): Float64Array {
    const out = scratchScores(count);
    this.native.scoreRows(query, scratchRowList(count), count, euclidean, out);
    return out;
  }
}
