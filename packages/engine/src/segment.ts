// An immutable segment: rows frozen out of the memtable (or merged by compaction) with their keys,
// vectors and metadata, an HNSW graph once one is built, and a deletion bitmap, the only thing about
// it that still changes. Until its graph arrives it is searched exactly, so freezing never makes rows
// invisible.
//
// A query never ranks a deleted or filtered-out row: the exact path skips them while scanning, the
// graph path rejects them inside the search (markDelete and the filter callback), so a segment
// yields min(K, matching rows) results rather than K minus whatever was thrown away afterwards.
import type { BuiltGraph, HnswGraph } from "./hnsw-graph.ts";
import type { Memtable } from "./memtable.ts";
import { MetadataIndex, type RowBitmap } from "./metadata-index.ts";
import { scanTopK, scoreRow, scoreToDistance, type VectorRows } from "./search-kernel.ts";
import type { DistanceMetric, FilterNode, Metadata, VectorRecord } from "./types.ts";

/** How a segment chooses between exact scan and graph search (mutable for tests and benchmarks). */
export const SEARCH_TUNING = {
  /**
   * A filtered query scans its allowed rows exactly below this many floats (rows × dimension): a
   * graph search with a predicate wastes most of its beam on rejected rows there.
   */
  exactScanFloats: 1 << 19,
  /**
   * An unfiltered query scans a whole segment exactly only below this many floats. The graph's beam
   * is calibrated to its recall target at build, and a plain-JS scan costs about 1 ms per 500k
   * floats against about 0.1 ms for the graph, so only really small segments are scanned.
   */
  unfilteredExactScanFloats: 1 << 15,
  /** A filtered graph search collapses when few rows match (design §3); below this share, scan. */
  minGraphSelectivity: 0.05,
  /** Query beam: at least this and the graph's calibrated beam, and a few times K (hnsw-graph.ts). */
  minEf: 32,
  efPerResult: 2,
};

export interface SegmentQuery {
  vector: Float32Array;
  /** The same vector as a plain array, made once per query (hnswlib takes only arrays). */
  vectorArray: number[];
  queryNorm: number;
  metric: DistanceMetric;
  topK: number;
  filter?: (metadata: Metadata) => boolean;
  filterNode?: FilterNode;
}

export interface SegmentHit {
  row: number;
  distance: number;
}

export class Segment implements VectorRows {
  /** Object number in the blob store; 0 until the segment has been written. */
  id = 0;
  graph: HnswGraph | undefined;
  /** The serialised graph, kept only until the segment object that carries it has been written. */
  pendingGraph: BuiltGraph | undefined;
  readonly highWater: number;
  readonly norms: Float64Array;
  readonly deleted: Uint8Array;
  /** Per row the key while the row is live, undefined once deleted: what the exact scan skips on. */
  readonly liveKeys: (string | undefined)[];
  liveCount: number;
  private readonly rowByKey = new Map<string, number>();
  private metadataIndex: MetadataIndex | undefined;

  constructor(
    readonly dimension: number,
    readonly keys: readonly string[],
    readonly metadata: readonly Metadata[],
    readonly data: Float32Array,
    private readonly nonFilterableKeys: readonly string[] = [],
    /** Vector norms when the caller has them already (computed exactly as here). */
    norms?: Float64Array,
  ) {
    const rows = keys.length;
    this.highWater = rows;
    this.liveCount = rows;
    this.deleted = new Uint8Array(rows);
    this.liveKeys = [...keys];
    this.norms = norms ?? new Float64Array(rows);
    for (let row = 0; row < rows; row++) {
      this.rowByKey.set(keys[row] as string, row);
      if (!norms) this.norms[row] = Math.sqrt(dotSelf(data, row * dimension, dimension));
    }
  }

  /** The memtable's live rows in slot order, copied into one contiguous block. */
  static fromMemtable(memtable: Memtable, nonFilterableKeys: readonly string[]): Segment {
    const { dimension, arena } = memtable;
    const data = new Float32Array(memtable.count * dimension);
    const norms = new Float64Array(memtable.count);
    const keys: string[] = [];
    const metadata: Metadata[] = [];
    for (let slot = 0; slot < arena.highWater; slot++) {
      const key = memtable.slotKeys[slot];
      if (key === undefined) continue;
      data.set(arena.data.subarray(slot * dimension, (slot + 1) * dimension), keys.length * dimension);
      norms[keys.length] = arena.norms[slot] as number;
      keys.push(key);
      metadata.push(memtable.slotMetadata[slot] as Metadata);
    }
    return new Segment(dimension, keys, metadata, data, nonFilterableKeys, norms);
  }

  get rows(): number {
    return this.highWater;
  }

  get deletedFraction(): number {
    return this.rows === 0 ? 0 : 1 - this.liveCount / this.rows;
  }

  /** The row of a live key. */
  rowOf(key: string): number | undefined {
    const row = this.rowByKey.get(key);
    return row !== undefined && this.deleted[row] === 0 ? row : undefined;
  }

  markDeleted(row: number): void {
    if (this.deleted[row] === 1) return;
    this.deleted[row] = 1;
    this.liveKeys[row] = undefined;
    this.liveCount--;
    this.graph?.markDeleted(row);
  }

  /** Installs a freshly built or loaded graph, telling it about rows deleted in the meantime. */
  attachGraph(graph: HnswGraph): void {
    for (let row = 0; row < this.rows; row++) if (this.deleted[row] === 1) graph.markDeleted(row);
    this.graph = graph;
  }

  vectorOf(row: number): Float32Array {
    return this.data.slice(row * this.dimension, (row + 1) * this.dimension);
  }

  recordAt(row: number): VectorRecord {
    return { key: this.keys[row] as string, data: this.vectorOf(row), metadata: structuredClone(this.metadata[row] as Metadata) };
  }

  search(query: SegmentQuery): SegmentHit[] {
    if (this.liveCount === 0) return [];
    if (!query.filter && !query.filterNode) {
      const small = this.liveCount * this.dimension <= SEARCH_TUNING.unfilteredExactScanFloats;
      if (!this.graph || small) return this.scan(query);
      return this.graphSearch(this.graph, query, Math.min(query.topK, this.liveCount), this.liveCount) ?? this.scan(query);
    }
    const allowed = this.allowedRows(query);
    const candidates = countSet(allowed);
    if (candidates === 0) return [];
    const selective = candidates < this.rows * SEARCH_TUNING.minGraphSelectivity;
    const small = candidates * this.dimension <= SEARCH_TUNING.exactScanFloats;
    if (!this.graph || small || selective) return this.scan(query, rowsOf(allowed, candidates));
    const hits = this.graphSearch(this.graph, query, Math.min(query.topK, candidates), candidates, allowed);
    return hits ?? this.scan(query, rowsOf(allowed, candidates));
  }

  /** Live rows the filter accepts, as a bitmap. */
  allowedRows(query: SegmentQuery): RowBitmap {
    let allowed: RowBitmap;
    if (query.filterNode) {
      this.metadataIndex ??= new MetadataIndex(this.rows, this.metadata, this.nonFilterableKeys);
      allowed = this.metadataIndex.evaluate(query.filterNode);
    } else {
      allowed = new Uint8Array(this.rows);
      const filter = query.filter as (metadata: Metadata) => boolean;
      for (let row = 0; row < this.rows; row++) if (this.deleted[row] === 0 && filter(this.metadata[row] as Metadata)) allowed[row] = 1;
    }
    for (let row = 0; row < this.rows; row++) allowed[row] = (allowed[row] as number) & ((this.deleted[row] as number) ^ 1);
    return allowed;
  }

  /** Exact top-K over the live rows, or over `onlyRows` (already filtered) when given. */
  private scan(query: SegmentQuery, onlyRows?: Int32Array): SegmentHit[] {
    const hits = scanTopK({
      arena: this,
      slotKeys: this.liveKeys,
      slotMetadata: this.metadata,
      metric: query.metric,
      vector: query.vector,
      topK: query.topK,
      ...(onlyRows && { onlyRows }),
    });
    return hits.map(({ slot, distance }) => ({ row: slot, distance }));
  }

  /**
   * Widens the beam until K matching rows come back; undefined when even a beam as wide as the
   * candidate set falls short, and the caller scans exactly instead.
   */
  private graphSearch(graph: HnswGraph, query: SegmentQuery, k: number, candidates: number, allowed?: RowBitmap): SegmentHit[] | undefined {
    const accept = allowed && ((row: number) => allowed[row] === 1);
    for (let ef = Math.max(SEARCH_TUNING.minEf, graph.searchEf, k * SEARCH_TUNING.efPerResult); ; ef *= 4) {
      const rows = graph.search(query.vectorArray, k, ef, accept);
      if (rows.length >= k) return rows.map((row) => this.exactHit(row, query));
      if (ef >= candidates) return undefined;
    }
  }

  private exactHit(row: number, query: SegmentQuery): SegmentHit {
    const score = scoreRow(this, row, query.vector, query.queryNorm, query.metric);
    return { row, distance: scoreToDistance(score, query.metric) };
  }
}

function dotSelf(data: Float32Array, base: number, dimension: number): number {
  let sum = 0;
  for (let i = 0; i < dimension; i++) sum += (data[base + i] as number) * (data[base + i] as number);
  return sum;
}

function rowsOf(bitmap: RowBitmap, count: number): Int32Array {
  const rows = new Int32Array(count);
  let next = 0;
  for (let row = 0; row < bitmap.length; row++) if (bitmap[row] === 1) rows[next++] = row;
  return rows;
}

function countSet(bitmap: RowBitmap): number {
  let count = 0;
  for (let i = 0; i < bitmap.length; i++) count += bitmap[i] as number;
  return count;
}
