// An immutable segment: rows frozen out of the memtable (or merged by compaction) with their keys,
// vectors and metadata, an HNSW graph once one is built, and a deletion bitmap, the only thing about
// it that still changes. Keys and metadata are held encoded, as the segment object stores them
// (format/row-records.ts), and decoded only when read. Until its graph arrives it is searched exactly,
// so freezing never makes rows invisible.
//
// Each vector is held once. Until the graph arrives the segment keeps the vectors itself (in a
// WebAssembly block when large, for the SIMD scan); the graph holds the very same values, so once it
// is attached the segment reads them there (HnswGraph.vectors) and lets its own copy go.
//
// A segment may instead keep int8 codes (vector-placement.ts): its graph then holds codes, not
// vectors, and the float32 vectors stay on disk in the segment object (file-vectors.ts). Searches and
// scans pick candidates by the codes and re-rank them with the exact vectors read from disk, so a hit
// is always scored with the very arithmetic the float path uses. Or its graph may be mapped from the
// segment object (vector-placement.ts "mapped"): the graph's elements are the file's pages, and its
// hits are scored, as with codes, with the vectors read from the file (through the same page cache; a
// cosine graph's elements hold unit vectors, not the originals the kernel scores).
//
// A query never ranks a deleted or filtered-out row: the exact path skips them while scanning, the
// graph path rejects them inside the search (markDelete and the filter callback), so a segment
// yields min(K, matching rows) results rather than K minus whatever was thrown away afterwards.
import type { FieldGraph } from "./field-graphs.ts";
import type { SegmentText } from "../text/segment-text.ts";
import type { FileVectors } from "./file-vectors.ts";
import type { BuiltGraph, HnswGraph } from "./hnsw-graph.ts";
import { VectorBlock } from "./kernel/vector-block.ts";
import { bitmapOfRows, MetadataIndex, type RowBitmap } from "./metadata-index.ts";
import type { KeyProbe, RowRecords } from "../format/row-records.ts";
import { scratchRowList } from "./scratch-rows.ts";
import { scanTopK, scoreRow, scoreToDistance, type RowScorer, type VectorRows } from "./search-kernel.ts";
import { TopK } from "./top-k.ts";
import type { FilterNode } from "@ossv/protocol";
import { invariant } from "../base/invariant.ts";
import type { MemoryUse } from "../base/memory-use.ts";
import type { DistanceMetric, LiveRowVisitor, VectorRecord } from "../base/types.ts";

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
  /**
   * A filtered graph search collapses when few rows match (docs/architecture.md#filtered-search); below
   * this share, scan.
   */
  minGraphSelectivity: 0.05,
  /** Query beam: at least this and the graph's calibrated beam, and a few times K (hnsw-graph.ts). */
  minEf: 32,
  efPerResult: 2,
  /** Scales every graph's calibrated beam (experiments: recall against speed). */
  efFactor: 1,
  /**
   * A filtered search keeps walking until its beam holds ef *matching* rows, so it already explores
   * about ef / selectivity nodes: a quarter of the calibrated beam reached recall@10 0.999 at 10 %
   * selectivity on the bench's 200k x 128 set, at 0.6x the time of the full beam.
   */
  minFilteredEf: 16,
  filteredEfFactor: 0.25,
  /**
   * A graph search for K results keeps a beam of at least efPerResult x K rows and scores the
   * neighbours of each: about this many rows per result, divided by the share of rows it may
   * return (it walks past rejected and deleted rows). An exact scan scores each candidate once, so
   * a large K (S3 Vectors allows 10,000) is cheaper to answer by scanning unless the segment is many
   * times larger than K (packages/engine/bench/large-topk.ts: on 40k x 16 the scan took half the
   * graph's time at K = 10,000 and two thirds at K = 1,000). 0 turns the rule off.
   */
  graphScoresPerResult: 20,
  /**
   * A segment of int8 codes re-ranks this many candidates per result (and at least rerankMin) with
   * the exact vectors from disk: the codes' order differs from the exact one only among near ties.
   * Each candidate costs a read (about 1.5 µs here). On the bench's 200k x 128 set (bench/probe/
   * engine-query.ts) 20 candidates for K = 10 kept recall@10 where float32 graphs have it (0.984,
   * 0.999, 1.000 unfiltered, 10 % and 1 % filters); 10 lost two points unfiltered (0.962).
   */
  rerankPerResult: 2,
  rerankMin: 20,
  /**
   * With the vectors on disk, a scan of at most this many rows (or of no more rows than it would
   * re-rank) reads them all and is exact; a larger one picks its candidates by the int8 codes first.
   * A read per row costs more than scoring a row's codes in memory: at 768-d the bench's 1 % filter
   * (500 rows a scan) ran at half the float32 rate reading every row, so the default is 0.
   */
  diskScanRows: 0,
};

export interface SegmentQuery {
  vector: Float32Array;
  queryNorm: number;
  metric: DistanceMetric;
  topK: number;
  /**
   * The parsed filter, answered through the inverted indexes, with its canonical text as `key`, made
   * once per query: segments remember the rows of recent filters under it.
   */
  filter?: { node: FilterNode; key: string };
}

/** The rows a filter allows in a segment, deleted ones included (they are skipped at search time). */
interface FilterMatch {
  rows: Int32Array;
  /** The same rows as a bitmap, made the first time a graph search needs one. */
  bitmap?: RowBitmap;
}

/**
 * Filters remembered per segment. Metadata never changes in an immutable segment, so a remembered
 * match stays right for its whole life; applications tend to repeat a few filters (a tenant, a
 * category), which then cost nothing to evaluate.
 */
const FILTER_CACHE_ENTRIES = 32;

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
  /** Rows in the segment, deleted ones included. */
  readonly rows: number;
  readonly norms: Float64Array;
  /** Per row 1 once deleted: what scans skip on. */
  readonly deleted: Uint8Array;
  liveCount: number;
  /**
   * The vectors (search-kernel.ts VectorRows): the segment's own, dense and in a WebAssembly block
   * when the segment is large, until a graph that holds them is attached; then the graph's memory.
   */
  data: Float32Array;
  stride: number;
  offset = 0;
  scorer: RowScorer | undefined;
  /** Whether `data` is the segment's own (counted as its vector memory) rather than the graph's. */
  private ownsVectors = true;
  /** Set when the graph holds int8 codes or is mapped: the float32 vectors, read from the segment object on disk. */
  private onDisk: FileVectors | undefined;
  private metadataIndex: MetadataIndex | undefined;
  private readonly filterCache = new Map<string, FilterMatch>();
  /** Set once the segment has left every state (releaseLater): nothing is attached to it after. */
  retired = false;
  /**
   * Set for a segment opened from its file without reading it whole (segment-file.ts): its body's
   * checksum is still to be verified, in the background (maintenance/verify.ts).
   */
  unverified = false;
  /**
   * Set for a segment opened mapped whatever its placement is to be (vector-placement.ts opensMapped):
   * where it belongs is decided in the background once the index is open (maintenance/verify.ts).
   */
  placeLater = false;
  /**
   * A Fusion index's per-field graphs (field-graphs.ts), in schema order, once built: undefined for
   * a field too few rows have. Held in memory only.
   */
  fieldGraphs: (FieldGraph | undefined)[] | undefined;
  /**
   * A Fusion index's full-text postings, one per text field (text/segment-text.ts): made with the
   * segment and written in its object.
   */
  text: SegmentText | undefined;
  /** Set while some rows' norms are NaN, not yet read from disk (a segment opened from its file). */
  private normsMissing = false;

  constructor(
    readonly dimension: number,
    /** The rows' keys and metadata, encoded. */
    readonly records: RowRecords,
    data: Float32Array,
    private readonly nonFilterableKeys: readonly string[] = [],
    /** Vector norms when the caller has them already (computed exactly as here). */
    norms?: Float64Array,
    /**
     * Use `data` as it is until a graph is attached, instead of copying it into a block: for a
     * stored segment, whose graph is loading meanwhile and normally holds the vectors from then on.
     */
    graphFollows = false,
  ) {
    const rows = records.rows;
    this.rows = rows;
    this.stride = dimension;
    this.data = data;
    if (graphFollows) this.ownsVectors = false;
    else this.keepOwnCopy();
    this.liveCount = rows;
    this.deleted = new Uint8Array(rows);
    this.norms = norms ?? new Float64Array(rows);
    if (!norms) for (let row = 0; row < rows; row++) this.norms[row] = Math.sqrt(dotSelf(this.data, row * dimension, dimension));
  }

  /** A written segment as stored: object `id`, its rows, and its deletion bitmap applied (graph not attached). */
  static stored(
    id: number, rows: { dimension: number; records: RowRecords; data: Float32Array },
    deleted: Uint8Array, nonFilterableKeys: readonly string[],
    /** The caller attaches the graph next: `data` (a view of the object's bytes) is used until then, not copied. */
    graphFollows = false,
  ): Segment {
    const segment = new Segment(rows.dimension, rows.records, rows.data, nonFilterableKeys, undefined, graphFollows);
    segment.id = id;
    segment.markAllDeleted(deleted);
    return segment;
  }

  /**
   * A stored segment opened from its file without its vectors (segment-file.ts): the graph attached
   * next brings them, mapped or on disk, and each row's norm is read from disk when first needed.
   */
  static opened(id: number, dimension: number, records: RowRecords, deleted: Uint8Array, nonFilterableKeys: readonly string[]): Segment {
    const norms = new Float64Array(records.rows).fill(Number.NaN);
    const segment = new Segment(dimension, records, new Float32Array(0), nonFilterableKeys, norms, true);
    segment.id = id;
    segment.normsMissing = records.rows > 0;
    segment.markAllDeleted(deleted);
    return segment;
  }

  /** Applies a stored deletion bitmap (one byte per row, 1 = deleted). */
  private markAllDeleted(deleted: Uint8Array): void {
    for (let row = 0; row < deleted.length; row++) if (deleted[row] === 1) this.markDeleted(row);
  }

  /** What the segment holds in memory (base/memory-use.ts says what is exact and what estimated). */
  memoryUse(): MemoryUse {
    let filterCache = 0;
    for (const match of this.filterCache.values()) filterCache += match.rows.byteLength + (match.bitmap?.byteLength ?? 0);
    let fieldGraphs = 0;
    for (const field of this.fieldGraphs ?? []) fieldGraphs += field ? field.graph.residentBytes + field.rows.byteLength : 0;
    return {
      vectors: (this.ownsVectors ? this.data.byteLength : 0) + this.norms.byteLength + this.deleted.byteLength,
      graphs: (this.graph?.residentBytes ?? 0) + (this.pendingGraph?.bytes.length ?? 0) + fieldGraphs,
      metadata: this.records.memoryBytes() + (this.metadataIndex?.memoryBytes() ?? 0) + (this.text?.memoryBytes() ?? 0),
      filterCache,
    };
  }

  get deletedFraction(): number {
    return this.rows === 0 ? 0 : 1 - this.liveCount / this.rows;
  }

  /** The row of a live key. */
  rowOf(key: string | KeyProbe): number | undefined {
    const row = this.records.rowOf(key);
    return row !== undefined && this.deleted[row] === 0 ? row : undefined;
  }

  /** The key of `row` (deleted or not), decoded. */
  keyAt(row: number): string {
    return this.records.keyAt(row);
  }

  markDeleted(row: number): void {
    if (this.deleted[row] === 1) return;
    this.deleted[row] = 1;
    this.liveCount--;
    this.graph?.markDeleted(row);
    for (const field of this.fieldGraphs ?? []) field?.markDeleted(row);
    this.text?.markDeleted(row);
  }

  /** Installs the segment's full-text postings, taking the rows deleted so far out of their statistics. */
  attachText(text: SegmentText): void {
    this.passDeletionsTo(text);
    this.text = text;
  }

  /**
   * Installs the graphs of a Fusion index's vector fields, telling them about rows deleted since
   * their build began; a segment merged away meanwhile frees them instead.
   */
  attachFieldGraphs(graphs: (FieldGraph | undefined)[]): void {
    if (this.retired) {
      for (const field of graphs) field?.graph.release();
      return;
    }
    for (const field of graphs) if (field) this.passDeletionsTo(field);
    this.fieldGraphs = graphs;
  }

  /**
   * Installs a freshly built or loaded graph, telling it about rows deleted in the meantime, and reads
   * the vectors from it from now on when it holds them.
   */
  attachGraph(graph: HnswGraph): void {
    this.passDeletionsTo(graph);
    this.graph = graph;
    const held = graph.vectors();
    if (!held) {
      if (!this.ownsVectors) this.keepOwnCopy();
      return;
    }
    this.data = held.vectors.data;
    this.stride = held.vectors.stride;
    this.offset = held.vectors.offset;
    this.scorer = held.scorer;
    this.ownsVectors = false;
  }

  /**
   * Installs a graph of int8 codes (HnswGraph.loadCodes) or a mapped one (HnswGraph.map) and reads
   * the vectors from `file` from now on instead of memory: the segment then holds no float32 vectors.
   */
  attachOnDisk(graph: HnswGraph, file: FileVectors): void {
    this.passDeletionsTo(graph);
    this.graph = graph;
    this.onDisk = file;
    this.data = new Float32Array(0);
    this.stride = this.dimension;
    this.offset = 0;
    this.scorer = file;
    this.ownsVectors = false;
  }

  /**
   * Moves a segment whose graph is mapped into memory: `graph` of floats, or of codes over `file`.
   * The mapping and its file are let go once no reader can be midway through them (letGoLater).
   */
  replaceMapped(graph: HnswGraph, file?: FileVectors): void {
    const mapped = this.graph;
    const mappedFile = this.onDisk;
    this.onDisk = undefined;
    if (file) this.attachOnDisk(graph, file);
    else this.attachGraph(graph);
    letGoLater(mappedFile, mapped);
  }

  /**
   * Tells what is being attached (a graph, a field's graph, full-text postings) about the rows deleted
   * since it was made.
   */
  private passDeletionsTo(target: { markDeleted(row: number): void }): void {
    for (let row = 0; row < this.rows; row++) if (this.deleted[row] === 1) target.markDeleted(row);
  }

  /**
   * Lets the segment object's file go (vectors on disk) once the segment has left every state, so the
   * disk space of a merged-away object comes back now rather than when the segment is collected.
   * Deferred past the current turn of the event loop: readers are synchronous, so none is midway then.
   */
  releaseLater(): void {
    this.retired = true;
    // A mapped graph holds its file's pages (and, once the object is deleted, its disk space) until released.
    letGoLater(this.onDisk, this.graph?.mapped ? this.graph : undefined);
    const fieldGraphs = this.fieldGraphs;
    this.fieldGraphs = undefined;
    for (const field of fieldGraphs ?? []) if (field) letGoLater(undefined, field.graph);
  }

  /** Whether the vectors are read from disk (the graph holds int8 codes, or is mapped). */
  get vectorsOnDisk(): boolean {
    return this.onDisk !== undefined || this.graphOnDisk;
  }

  /** Whether the graph is mapped from the segment object rather than held in memory. */
  get graphOnDisk(): boolean {
    return this.graph?.mapped === true;
  }

  /** Copies the vectors into memory of the segment's own: a block when large enough, else a plain array. */
  private keepOwnCopy(): void {
    const dense = this.data.subarray(0, this.rows * this.dimension);
    const block = VectorBlock.create(this.rows, this.dimension);
    block?.data.set(dense);
    this.data = block?.data ?? (this.ownsVectors ? dense : dense.slice());
    this.scorer = block;
    this.ownsVectors = true;
  }

  /** All rows' vectors back to back: the segment's own array while it has no graph, else a copy (read from disk for codes). */
  denseVectors(): Float32Array {
    if (this.onDisk) return this.onDisk.read(0, this.rows);
    if (this.stride === this.dimension && this.offset === 0) return this.data.subarray(0, this.rows * this.dimension);
    const dense = new Float32Array(this.rows * this.dimension);
    for (let row = 0; row < this.rows; row++) dense.set(this.rowVector(row), row * this.dimension);
    return dense;
  }

  /** Rows first..first+count-1's vectors back to back, as a new array (read from disk when they are there). */
  private denseRows(first: number, count: number): Float32Array {
    if (this.onDisk) return this.onDisk.read(first, count);
    const dense = new Float32Array(count * this.dimension);
    for (let i = 0; i < count; i++) dense.set(this.rowVector(first + i), i * this.dimension);
    return dense;
  }

  /**
   * Row `row`'s vector: a view, not a copy, when the segment holds its vectors (their values never
   * change); with the vectors on disk, a new array read from the segment's file.
   */
  rowVector(row: number): Float32Array {
    if (this.onDisk) return this.onDisk.read(row, 1);
    const base = row * this.stride + this.offset;
    return this.data.subarray(base, base + this.dimension);
  }

  /** Visits each live row, the vector without copying (see CollectionState.forEachLive). */
  forEachLive(visit: LiveRowVisitor): void {
    for (let row = 0; row < this.rows; row++) if (this.deleted[row] === 0) this.visitRow(row, visit);
  }

  /** Visits one row (live or not: the caller knows), as forEachLive does. */
  visitRow(row: number, visit: LiveRowVisitor): void {
    visit(this.records.keyAt(row), this.rowVector(row), () => this.records.metadataAt(row));
  }

  vectorOf(row: number): Float32Array {
    return this.onDisk ? this.rowVector(row) : this.rowVector(row).slice();
  }

  recordAt(row: number): VectorRecord {
    invariant(row >= 0 && row < this.rows, "a record is read from a row of the segment", { segment: this.id, row, rows: this.rows });
    return { key: this.records.keyAt(row), data: this.vectorOf(row), metadata: this.records.metadataAt(row) };
  }

  search(query: SegmentQuery): SegmentHit[] {
    if (this.liveCount === 0) return [];
    if (!query.filter) {
      const small = this.liveCount * this.dimension <= SEARCH_TUNING.unfilteredExactScanFloats;
      const k = Math.min(query.topK, this.liveCount);
      if (!this.graph || small || this.scanIsCheaper(k, this.liveCount)) return this.scan(query);
      return this.graphSearch(this.graph, query, k, this.liveCount) ?? this.scan(query);
    }
    const match = this.filterMatch(query.filter);
    const candidates = this.liveAmong(match.rows);
    if (candidates === 0) return [];
    const selective = candidates < this.rows * SEARCH_TUNING.minGraphSelectivity;
    const small = candidates * this.dimension <= SEARCH_TUNING.exactScanFloats;
    const k = Math.min(query.topK, candidates);
    if (!this.graph || small || selective || this.scanIsCheaper(k, candidates)) return this.scan(query, match.rows);
    return this.graphSearch(this.graph, query, k, candidates, this.bitmapOf(match)) ?? this.scan(query, match.rows);
  }

  /** Whether scanning `candidates` rows costs less than a graph search for `k` of them (SEARCH_TUNING). */
  private scanIsCheaper(k: number, candidates: number): boolean {
    const share = candidates / this.rows;
    return k * SEARCH_TUNING.graphScoresPerResult >= candidates * share;
  }

  /**
   * The rows `filter` allows (deleted ones included), ascending, and the same rows as a bitmap over the
   * segment, made when first asked for; both remembered with the segment's recent filters.
   */
  allowedRows(filter: NonNullable<SegmentQuery["filter"]>): { rows: Int32Array; bitmap: () => RowBitmap } {
    const match = this.filterMatch(filter);
    return { rows: match.rows, bitmap: () => this.bitmapOf(match) };
  }

  /** A filter's rows as a bitmap, made the first time a graph search needs one. */
  private bitmapOf(match: FilterMatch): RowBitmap {
    return (match.bitmap ??= bitmapOfRows(match.rows, this.rows));
  }

  /** The rows the query's filter allows, from the cache when this filter was seen lately. */
  private filterMatch(filter: NonNullable<SegmentQuery["filter"]>): FilterMatch {
    const { node, key } = filter;
    let match = this.filterCache.get(key);
    if (match) {
      this.filterCache.delete(key); // re-inserted below: the Map's order is the recency order
    } else {
      this.metadataIndex ??= new MetadataIndex(this.rows, (row) => this.records.metadataAt(row), this.nonFilterableKeys);
      match = { rows: this.metadataIndex.matchingRows(node) };
      if (this.filterCache.size >= FILTER_CACHE_ENTRIES) this.filterCache.delete(this.filterCache.keys().next().value as string);
    }
    this.filterCache.set(key, match);
    return match;
  }

  private liveAmong(rows: Int32Array): number {
    let live = 0;
    for (let i = 0; i < rows.length; i++) live += (this.deleted[rows[i] as number] as number) ^ 1;
    return live;
  }

  /**
   * Exact top-K over the live rows, or over `onlyRows` (already filtered) when given. With the vectors
   * on disk, a scan of many rows first narrows them to candidates by their int8 codes, then scores
   * those exactly.
   */
  private scan(query: SegmentQuery, onlyRows?: Int32Array): SegmentHit[] {
    const rows = onlyRows ? onlyRows.length : this.rows;
    if (this.onDisk && this.graph?.codes && rows > Math.max(SEARCH_TUNING.diskScanRows, Segment.rerankCount(query.topK))) {
      return this.rerank(query, this.nearestByCodes(this.graph, query, onlyRows));
    }
    return this.scanExactly(query, onlyRows);
  }

  private scanExactly(query: SegmentQuery, onlyRows?: Int32Array): SegmentHit[] {
    if (this.normsMissing && query.metric === "cosine") this.readNorms(onlyRows);
    const deleted = this.deleted;
    const hits = scanTopK({
      vectors: this,
      skips: (row) => deleted[row] === 1,
      keyOf: (row) => this.records.keyAt(row),
      metric: query.metric,
      vector: query.vector,
      topK: query.topK,
      ...(onlyRows && { onlyRows }),
    });
    return hits.map(({ slot, distance }) => ({ row: slot, distance }));
  }

  /** How many candidates a segment of codes re-ranks for `k` results (SEARCH_TUNING.rerankPerResult). */
  private static rerankCount(k: number): number {
    return Math.max(k * SEARCH_TUNING.rerankPerResult, SEARCH_TUNING.rerankMin);
  }

  /**
   * The live rows (of `onlyRows` when given) nearest by int8 codes: as many as rerankCount asks,
   * ascending by row number, for rerank.
   */
  private nearestByCodes(graph: HnswGraph, query: SegmentQuery, onlyRows?: Int32Array): Int32Array {
    const list = scratchRowList(this.rows);
    let count = 0;
    const end = onlyRows ? onlyRows.length : this.rows;
    for (let i = 0; i < end; i++) {
      const row = onlyRows ? (onlyRows[i] as number) : i;
      if (this.deleted[row] === 0) list[count++] = row;
    }
    const scores = graph.scoreCodes(query.vector, list, count);
    const nearest = new TopK(Segment.rerankCount(query.topK), (row) => this.records.keyAt(row));
    for (let j = 0; j < count; j++) {
      const score = scores[j] as number;
      if (score <= nearest.threshold) nearest.offer(list[j] as number, score);
    }
    return Int32Array.from(nearest.sorted(), ({ slot }) => slot).sort();
  }

  /** The exact top-K of candidate rows (ascending), scored with the vectors from disk. */
  private rerank(query: SegmentQuery, candidates: Int32Array): SegmentHit[] {
    return this.scanExactly(query, candidates);
  }

  /**
   * Widens the beam until K matching rows come back; undefined when even a beam as wide as the
   * candidate set falls short, and the caller scans exactly instead. A graph of codes is asked for
   * more rows than K, which are then re-ranked exactly.
   */
  private graphSearch(graph: HnswGraph, query: SegmentQuery, k: number, candidates: number, allowed?: RowBitmap): SegmentHit[] | undefined {
    const calibrated = Math.round(graph.searchEf * (allowed ? SEARCH_TUNING.filteredEfFactor : SEARCH_TUNING.efFactor));
    const minEf = allowed ? SEARCH_TUNING.minFilteredEf : SEARCH_TUNING.minEf;
    const wanted = graph.codes ? Math.min(candidates, Segment.rerankCount(k)) : k;
    // With the vectors on disk, hits are scored by reading them: the graph's own distances are of codes or unit vectors.
    const rerank = this.onDisk !== undefined;
    for (let ef = Math.max(minEf, calibrated, k * SEARCH_TUNING.efPerResult); ; ef *= 4) {
      const rows = graph.search(query.vector, wanted, ef, allowed);
      if (rows.length >= wanted) {
        if (rerank) return this.rerank({ ...query, topK: k }, Int32Array.from(rows).sort());
        return rows.map((row) => this.exactHit(row, query));
      }
      if (ef >= candidates) return undefined;
    }
  }

  /**
   * Computes the norms still missing (a segment opened from its file) from `vectors`, all its rows
   * back to back, a few thousand rows a step: a segment moving into memory needs them all, as its
   * float graph's hits are scored with them and never read from disk.
   */
  *fillNormsSteps(vectors: Float32Array): Generator<void, void> {
    for (let first = 0; first < this.rows; first += NORM_CHUNK_ROWS) {
      const count = Math.min(NORM_CHUNK_ROWS, this.rows - first);
      this.fillNorms(first, vectors.subarray(first * this.dimension, (first + count) * this.dimension));
      yield;
    }
    this.normsMissing = false;
  }

  /** Sets the norms still missing of the rows from `first` on whose vectors `dense` holds back to back. */
  private fillNorms(first: number, dense: Float32Array): void {
    const norms = this.norms;
    const count = dense.length / this.dimension;
    for (let i = 0; i < count; i++) {
      if (Number.isNaN(norms[first + i])) norms[first + i] = Math.sqrt(dotSelf(dense, i * this.dimension, this.dimension));
    }
  }

  /**
   * Reads from disk the norms still missing among `rows` (all rows when absent), which cosine scores
   * need: a segment opened from its file learns them as queries reach its rows, not all at once.
   */
  private readNorms(rows?: Int32Array): void {
    const norms = this.norms;
    if (rows) {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as number;
        if (Number.isNaN(norms[row])) norms[row] = Math.sqrt(dotSelf(this.rowVector(row), 0, this.dimension));
      }
      return;
    }
    for (let first = 0; first < this.rows; first += NORM_CHUNK_ROWS) {
      this.fillNorms(first, this.denseRows(first, Math.min(NORM_CHUNK_ROWS, this.rows - first)));
    }
    this.normsMissing = false;
  }

  private exactHit(row: number, query: SegmentQuery): SegmentHit {
    const score = scoreRow(this, row, query.vector, query.queryNorm, query.metric);
    return { row, distance: scoreToDistance(score, query.metric) };
  }
}

/** Rows whose norms are computed a block at a time: read from disk in one go, or one step of the event loop. */
const NORM_CHUNK_ROWS = 4096;

/**
 * Lets a segment's file and a graph (mapped, or a field's) go on the next turn of the event loop:
 * readers of them are synchronous, so none is midway then.
 */
function letGoLater(file: FileVectors | undefined, graph: HnswGraph | undefined): void {
  if (!file && !graph) return;
  setImmediate(() => {
    file?.close();
    graph?.release();
  });
}

function dotSelf(data: Float32Array, base: number, dimension: number): number {
  let sum = 0;
  for (let i = 0; i < dimension; i++) sum += (data[base + i] as number) * (data[base + i] as number);
  return sum;
}
