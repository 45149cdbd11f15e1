// The in-memory state of one collection: the mutable memtable (newest rows, searched exactly) and the
// immutable segments (older rows, searched through their graphs), with one sorted directory of keys
// over both, for listing. Each live key is in exactly one place: a put of a key held by a segment marks
// that row deleted and moves the key to the memtable, so a superseded row can never be ranked. Which
// segment holds a key is asked of the segments themselves (each has a hash table of its keys), so the
// directory holds each key once and no map from key to segment is kept beside it. Like the memtable
// before it, this changes only by applying durable WAL records, plus freezes and compaction swaps that
// keep contents.
import sortedBtree from "sorted-btree";
import { compileFilter } from "@ossv/protocol";
import { compareKeys } from "../base/byte-order.ts";
import { invariant } from "../base/invariant.ts";
import { runAtOnce, runInSteps } from "../base/event-loop-steps.ts";
import { Memtable } from "./memtable.ts";
import { keyProbe } from "../format/row-records.ts";
import { addMemory, type MemoryUse } from "../base/memory-use.ts";
import { scanTopK, vectorNorm } from "../search/search-kernel.ts";
import { Segment, type SegmentQuery } from "../search/segment.ts";
import { fieldSpans, segmentCandidates, wantsFieldGraphs, type FieldSpan } from "../search/field-graphs.ts";
import type { WalRecord } from "../format/wal-format.ts";
import { CollectionText } from "./collection-text.ts";
import { textFieldsOf } from "../text/text-fields.ts";
import type { TextMatch } from "../text/bm25.ts";
import type { SegmentText } from "../text/segment-text.ts";
import type { FieldSearch, IndexRecord, IndexStats, LiveRowVisitor, QueryHit, QueryOptions, VectorRecord } from "../base/types.ts";

const BTree = sortedBtree.default;

/** Keys added to the directory per step (see event-loop-steps.ts): about a millisecond of work. */
const DIRECTORY_STEP_ROWS = 1024;

/** The memtable or a segment: where a candidate's whole record is read from, if it is asked for. */
interface RecordSource {
  recordAt(row: number): VectorRecord;
}

interface Candidate {
  key: string;
  distance: number;
  source: RecordSource;
  row: number;
}

export interface SegmentSummary {
  id: number;
  rows: number;
  live: number;
  graph: boolean;
  /** The calibrated query beam of its graph, 0 while the graph is being built. */
  searchEf: number;
  /** Its graph holds int8 codes and its float32 vectors are read from its object on disk (search/vector-placement.ts). */
  vectorsOnDisk: boolean;
  /** Its graph is mapped from its object's file and served through the page cache (search/vector-placement.ts). */
  graphOnDisk: boolean;
  /**
   * A Fusion index's only: how many of its vector fields have a graph in this segment
   * (search/field-graphs.ts): none for a field too few rows have.
   */
  fieldGraphs?: number;
  /** A Fusion index's only: whether this segment's field graphs are still to be built. */
  fieldGraphsPending?: boolean;
}

export class CollectionState {
  memtable: Memtable;
  segments: Segment[] = [];
  /** Live keys whose row is in a segment (all others are in the memtable). */
  private segmentKeys = 0;
  /** Every live key, for listing across memtable and segments in byte order. */
  private readonly sortedKeys = new BTree<string, undefined>(undefined, compareKeys);
  /** UTF-16 code units of the keys in sortedKeys, for its memory estimate. */
  private sortedKeyUnits = 0;
  /**
   * Segments added by recovery whose live keys are not all in sortedKeys yet: they are listed in
   * steps once the index is open (listing a million keys took a second of a restart), or at once when
   * a listing or a compaction needs them first. A key of such a segment that is overwritten is listed
   * then; one that is deleted is taken out, listed or not.
   */
  private readonly unlisted = new Set<Segment>();
  private listing: Promise<void> | undefined;

  /** A Fusion index's vector fields (search/field-graphs.ts); none for other indexes. */
  readonly fieldSpans: readonly FieldSpan[];
  /** A Fusion index's full-text indexes, when it has text fields (collection-text.ts). */
  private readonly text: CollectionText | undefined;

  constructor(
    readonly index: Pick<IndexRecord, "dimension" | "distanceMetric" | "nonFilterableMetadataKeys" | "fusion">,
    memtable = new Memtable(index.dimension),
  ) {
    this.memtable = memtable;
    this.fieldSpans = index.fusion ? fieldSpans(index.fusion) : [];
    const textFields = textFieldsOf(index.fusion);
    this.text = textFields.length > 0 ? new CollectionText(textFields, memtable) : undefined;
    for (const key of memtable.keys()) this.listKey(key);
  }

  get count(): number {
    return this.memtable.count + this.segmentKeys;
  }

  /** What the collection holds in memory: memtable, segments and the key directory (estimated). */
  memoryUse(): MemoryUse {
    let use = this.memtable.memoryUse();
    for (const segment of this.segments) use = addMemory(use, segment.memoryUse());
    // Every live key is a string (a 16-byte header, a byte a character when one-byte) in a B-tree slot
    // (about 16 bytes with the tree's nodes).
    const directory = this.count * 32 + this.sortedKeyUnits;
    return { ...use, metadata: use.metadata + directory + (this.text?.memoryBytes() ?? 0) };
  }

  apply(record: WalRecord): void {
    if (record.type === "put") for (const vector of record.vectors) this.upsert(vector);
    else if (record.type === "delete") for (const key of record.keys) this.remove(key);
    // Markers (fences, checkpoint commits) order a shared store's WAL and change no row.
  }

  private upsert(vector: VectorRecord): void {
    // A key in the memtable is in no segment, so only a key new to the memtable is looked for there.
    if (!this.memtable.has(vector.key)) {
      const from = this.detachFromSegment(vector.key);
      if (from === undefined || this.unlisted.has(from)) this.listKey(vector.key);
    }
    this.memtable.upsert(vector);
    this.text?.put(vector.key, vector.metadata);
  }

  private remove(key: string): void {
    if (this.memtable.has(key)) {
      this.memtable.remove(key);
      this.text?.remove(key);
    }
    else if (!this.detachFromSegment(key)) return;
    if (this.sortedKeys.delete(key)) this.sortedKeyUnits -= key.length;
  }

  private listKey(key: string): void {
    if (this.sortedKeys.set(key, undefined)) this.sortedKeyUnits += key.length;
  }

  /** Marks the key's segment row deleted; the segment when the key lived in one. */
  private detachFromSegment(key: string): Segment | undefined {
    const found = this.segmentRowOf(key);
    if (!found) return undefined;
    found.segment.markDeleted(found.row);
    this.segmentKeys--;
    return found.segment;
  }

  /** Lists the live keys of `segment`, an unlisted one, yielding every DIRECTORY_STEP_ROWS rows; stops when it is listed meanwhile. */
  private *listSteps(segment: Segment): Generator<void, void> {
    for (let row = 0; row < segment.rows; row++) {
      if (row % DIRECTORY_STEP_ROWS === DIRECTORY_STEP_ROWS - 1) {
        yield;
        if (!this.unlisted.has(segment)) return;
      }
      if (segment.deleted[row] === 0) this.listKey(segment.keyAt(row));
    }
    this.unlisted.delete(segment);
  }

  /** Lists the keys of every unlisted segment now (a listing or compaction needs them). */
  private listAllNow(): void {
    for (const segment of [...this.unlisted]) runAtOnce(this.listSteps(segment));
  }

  /** Lists the unlisted segments' keys in steps, one segment after another, in the background. */
  private listLater(): void {
    this.listing ??= (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve)); // after the rest of recovery's step
      for (let next = this.unlisted.values().next(); !next.done; next = this.unlisted.values().next()) await runInSteps(this.listSteps(next.value));
      this.listing = undefined;
    })();
  }

  /** Resolves once every segment's keys are listed (tests). */
  async keysListed(): Promise<void> {
    await this.listing;
  }

  /** The segment and row where `key` is live, if a segment holds it. */
  private segmentRowOf(key: string): RowSource | undefined {
    if (this.segments.length === 0) return undefined;
    const probe = keyProbe(key);
    for (const segment of this.segments) {
      const row = segment.rowOf(probe);
      if (row !== undefined) return { segment, row };
    }
    return undefined;
  }

  get(key: string): VectorRecord | undefined {
    const found = this.segmentRowOf(key);
    if (found) return found.segment.recordAt(found.row);
    return this.memtable.get(key);
  }

  /**
   * Visits every live row once, in no particular order, without copying: the fast way to look at all
   * of an index (Fusion's exact k-NN and its text indexes). The vector and metadata handed over are
   * the engine's own: the visitor must not change them, and must not keep the vector past the call
   * (a memtable slot is reused by a later write, a segment's block freed once compaction replaces it).
   */
  forEachLive(visit: LiveRowVisitor): void {
    this.memtable.forEachLive(visit);
    for (const segment of this.segments) segment.forEachLive(visit);
  }

  /**
   * Visits, as forEachLive does, the live rows among which the best `search.k` on a Fusion index's
   * vector field lie (those `search.accept` lets through): the memtable's rows and those of segments
   * without a graph for the field all, a graph's best matches of the others (field-graphs.ts). The
   * visitor ranks them; it must apply the filter itself to the rows it is handed.
   */
  forEachFieldCandidate(search: FieldSearch, visit: LiveRowVisitor): void {
    this.memtable.forEachLive(visit);
    for (const segment of this.segments) {
      const rows = segmentCandidates(segment, search);
      if (rows === undefined) segment.forEachLive(visit);
      else for (let i = 0; i < rows.length; i++) segment.visitRow(rows[i] as number, visit);
    }
  }

  /**
   * BM25 scores of the live documents matching `match` on a Fusion index's text field `field`, by
   * key, for those `accept` lets through (collection-text.ts).
   */
  textSearch(field: string, match: TextMatch, accept?: (key: string) => boolean): Map<string, number> {
    invariant(this.text !== undefined, "a text search is made on an index with text fields", { field });
    return this.text.search(field, match, this.segments, accept);
  }

  /** The postings of a merged segment of `inputs` (see replaceSegments for `sources`), in steps; undefined without text fields. */
  mergedTextSteps(inputs: readonly Segment[], sources: readonly RowSource[]): Generator<void, SegmentText> | undefined {
    return this.text?.mergeSteps(inputs, sources);
  }

  *keysAfter(after?: string): IterableIterator<string> {
    this.listAllNow();
    for (const key of this.sortedKeys.keys(after)) {
      if (after !== undefined && key === after) continue;
      yield key;
    }
  }

  /**
   * Moves every memtable row into new segments (searched exactly until their graphs arrive): one, or
   * as many as keep each object below `maxSegmentBytes` when writes outran the flushes and the
   * memtable grew past that (maintenance/segment-size.ts says why objects are kept below it).
   */
  freeze(maxSegmentBytes = Infinity): Segment[] {
    if (this.memtable.count === 0) return [];
    const segments = this.memtable.toSegments(this.index.nonFilterableMetadataKeys, maxSegmentBytes);
    this.text?.freeze(segments);
    this.memtable = new Memtable(this.index.dimension);
    for (const segment of segments) this.addSegment(segment, "listed");
    return segments;
  }

  /**
   * Adds a segment whose live keys are in no other place. `keys`: "list" them now; "listed" already
   * (freeze); "listLater" in the background (recovery, see `unlisted`).
   */
  addSegment(segment: Segment, keys: "list" | "listed" | "listLater" = "list"): void {
    runAtOnce(this.addSegmentSteps(segment, { keysListed: keys !== "list" }));
    if (keys !== "listLater") return;
    this.unlisted.add(segment);
    this.listLater();
  }

  /**
   * addSegment in steps (event-loop-steps.ts), for a state no query reads yet. Rows `pending` marks are
   * left out as if deleted: a reader's reload marks them in the segment, which the state it still
   * answers from shares, only when it swaps the new state in.
   */
  *addSegmentSteps(segment: Segment, options: { keysListed?: boolean; pending?: Uint8Array } = {}): Generator<void, void> {
    const { keysListed = false, pending } = options;
    this.segments.push(segment);
    for (let row = 0; row < segment.rows; row++) {
      if (row % DIRECTORY_STEP_ROWS === DIRECTORY_STEP_ROWS - 1) yield;
      if (segment.deleted[row] === 1 || pending?.[row] === 1) continue;
      this.segmentKeys++;
      if (!keysListed) this.listKey(segment.keyAt(row));
    }
  }

  /**
   * Compaction's swap: `merged` holds copies of rows of `replaced` taken earlier (row i came from
   * `sources[i]`). Rows deleted or overwritten since then are marked deleted in `merged` too; the rest
   * move over, so the count of live keys does not change. Runs synchronously, so no query sees a row
   * twice or not at all.
   */
  replaceSegments(replaced: readonly Segment[], merged: Segment | undefined, sources: readonly RowSource[]): void {
    if (merged) {
      invariant(sources.length === merged.rows, "a merged segment has one source per row", { rows: merged.rows, sources: sources.length });
      for (let row = 0; row < merged.rows; row++) {
        const source = sources[row] as RowSource; // within the length checked above
        if (source.segment.deleted[source.row] === 1) merged.markDeleted(row);
      }
    }
    // The merged segment's keys count as listed: its sources' keys must all be, first.
    if (replaced.some((segment) => this.unlisted.has(segment))) this.listAllNow();
    const gone = new Set(replaced);
    this.segments = this.segments.filter((segment) => !gone.has(segment));
    if (merged) this.segments.push(merged);
    for (const segment of replaced) segment.releaseLater();
  }

  /** Each segment's shape, for describe. */
  segmentSummaries(): SegmentSummary[] {
    return this.segments.map((segment) => ({
      id: segment.id,
      rows: segment.rows,
      live: segment.liveCount,
      graph: segment.graph !== undefined,
      searchEf: segment.graph?.searchEf ?? 0,
      vectorsOnDisk: segment.vectorsOnDisk,
      graphOnDisk: segment.graphOnDisk,
      ...(this.fieldSpans.length > 0 && {
        fieldGraphs: segment.fieldGraphs?.filter((graph) => graph !== undefined).length ?? 0,
        fieldGraphsPending: wantsFieldGraphs(segment),
      }),
    }));
  }

  /** The segment counters of IndexStats. */
  segmentCounts(): Pick<IndexStats, "segments" | "segmentsOnDisk" | "deletedRows"> {
    let deletedRows = 0;
    let segmentsOnDisk = 0;
    for (const segment of this.segments) {
      deletedRows += segment.rows - segment.liveCount;
      if (segment.vectorsOnDisk) segmentsOnDisk++;
    }
    return { segments: this.segments.length, segmentsOnDisk, deletedRows };
  }

  query(options: QueryOptions): QueryHit[] {
    const { topK, vector, filter } = options;
    const metric = this.index.distanceMetric;
    const candidates: Candidate[] = [];
    const memtable = this.memtable;
    const { slotKeys, slotMetadata } = memtable;
    // The memtable tests the filter row by row; segments answer the same parsed filter from their
    // inverted indexes.
    const passes = filter && compileFilter(filter);
    const scan = {
      vectors: memtable.arena,
      skips: (slot: number) => slotKeys[slot] === undefined,
      keyOf: (slot: number) => slotKeys[slot] as string,
      metric,
      vector,
      topK,
      ...(passes && { filter: (slot: number) => passes(slotMetadata[slot]) }),
    };
    for (const { slot, distance } of scanTopK(scan)) {
      const key = slotKeys[slot];
      invariant(key !== undefined, "the memtable scan returns only live slots", { slot, distance });
      candidates.push({ key, distance, source: memtable, row: slot });
    }
    const segmentQuery: SegmentQuery = {
      vector,
      queryNorm: vectorNorm(vector),
      metric,
      topK,
      ...(filter && { filter: { node: filter, key: JSON.stringify(filter) } }),
    };
    for (const segment of this.segments) {
      for (const { row, distance } of segment.search(segmentQuery)) {
        invariant(row >= 0 && row < segment.rows, "a segment search returns rows of the segment", { segment: segment.id, row, rows: segment.rows });
        candidates.push({ key: segment.keyAt(row), distance, source: segment, row });
      }
    }
    candidates.sort((a, b) => a.distance - b.distance || compareKeys(a.key, b.key));
    return candidates.slice(0, topK).map((candidate) => new LazyHit(candidate));
  }
}

/** A hit whose record is copied out only when read (a class, not a closure per hit: queries are hot). */
class LazyHit implements QueryHit {
  readonly key: string;
  readonly distance: number;
  private made: VectorRecord | undefined;

  constructor(private readonly candidate: Candidate) {
    this.key = candidate.key;
    this.distance = candidate.distance;
  }

  get record(): VectorRecord {
    return (this.made ??= this.candidate.source.recordAt(this.candidate.row));
  }
}

export interface RowSource {
  segment: Segment;
  row: number;
}
