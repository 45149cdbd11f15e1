// The mutable rows of one collection: key -> slot, vectors in the arena, keys and metadata per slot.
// It changes only through the collection state, which applies WAL records that are already durable
// (the same code path serves live writes and recovery replay), so memory is always a pure function of
// the log. Listing order is kept by the collection state's one key directory, not here.
import { VectorArena } from "./vector-arena.ts";
import { decodeSnapshotInto, type MemtableCapture, type SnapshotTarget } from "../format/snapshot-format.ts";
import { RowRecords, RowRecordsBuilder } from "../format/row-records.ts";
import { segmentRowBytes } from "../format/segment-format.ts";
import { Segment } from "../search/segment.ts";
import { invariant } from "../base/invariant.ts";
import { rowValuesMemory, type MemoryUse } from "../base/memory-use.ts";
import type { LiveRowVisitor, Metadata, VectorRecord } from "../base/types.ts";

export class Memtable implements SnapshotTarget {
  readonly arena: VectorArena;
  private readonly slotsByKey = new Map<string, number>();
  /** Per slot: the key, or undefined for a free slot. Scans use it to skip free slots. */
  readonly slotKeys: (string | undefined)[] = [];
  readonly slotMetadata: (Metadata | undefined)[] = [];

  constructor(readonly dimension: number) {
    this.arena = new VectorArena(dimension);
  }

  get count(): number {
    return this.slotsByKey.size;
  }

  /** Makes room for `rows` more rows up front (snapshot loads). */
  reserve(rows: number): void {
    this.arena.reserve(rows);
  }

  upsert(vector: VectorRecord): void {
    let slot = this.slotsByKey.get(vector.key);
    if (slot === undefined) {
      slot = this.arena.allocate();
      this.slotsByKey.set(vector.key, slot);
      this.slotKeys[slot] = vector.key;
    }
    this.arena.write(slot, vector.data);
    this.slotMetadata[slot] = vector.metadata;
  }

  remove(key: string): void {
    const slot = this.slotsByKey.get(key);
    if (slot === undefined) return;
    this.slotsByKey.delete(key);
    this.slotKeys[slot] = undefined;
    this.slotMetadata[slot] = undefined;
    this.arena.release(slot);
  }

  has(key: string): boolean {
    return this.slotsByKey.has(key);
  }

  get(key: string): VectorRecord | undefined {
    const slot = this.slotsByKey.get(key);
    return slot === undefined ? undefined : this.recordAt(slot);
  }

  /** What the memtable holds in memory; O(rows), and a memtable stays small (its rows freeze into segments). */
  memoryUse(): MemoryUse {
    return {
      vectors: this.arena.data.byteLength + this.arena.norms.byteLength,
      graphs: 0,
      metadata: rowValuesMemory(this.slotKeys, (slot) => this.slotMetadata[slot]),
      filterCache: 0,
    };
  }

  /** Visits each live row in slot order, without copying (see CollectionState.forEachLive). */
  forEachLive(visit: LiveRowVisitor): void {
    const { dimension } = this;
    const data = this.arena.data;
    for (let slot = 0; slot < this.slotKeys.length; slot++) {
      const key = this.slotKeys[slot];
      const metadata = this.slotMetadata[slot] as Metadata;
      if (key !== undefined) visit(key, data.subarray(slot * dimension, (slot + 1) * dimension), () => metadata);
    }
  }

  /** Live keys in slot order (not sorted). */
  keys(): IterableIterator<string> {
    return this.slotsByKey.keys();
  }

  /** A caller-safe copy of the row in `slot` (which must be live). */
  recordAt(slot: number): VectorRecord {
    const key = this.slotKeys[slot];
    const metadata = this.slotMetadata[slot];
    invariant(key !== undefined && metadata !== undefined, "memtable slot read while free", { slot });
    return { key, data: this.arena.read(slot), metadata: structuredClone(metadata) };
  }

  /**
   * The rows at this instant, for a snapshot written in the background. Cheap and synchronous:
   * typed-array and array copies; metadata objects are never mutated in place, so sharing them is safe.
   */
  capture(): MemtableCapture {
    const slots = this.arena.rows;
    return {
      dimension: this.dimension,
      data: this.arena.data.slice(0, slots * this.dimension),
      keys: this.slotKeys.slice(0, slots),
      metadata: this.slotMetadata.slice(0, slots),
    };
  }

  /**
   * The live rows in slot order, copied into contiguous blocks, as new segments (no graph yet): one,
   * unless its object would outgrow `maxSegmentBytes`, when the rows are cut into runs that fit.
   */
  toSegments(nonFilterableKeys: readonly string[], maxSegmentBytes = Infinity): Segment[] {
    const { dimension, arena } = this;
    const data = new Float32Array(this.count * dimension);
    const norms = new Float64Array(this.count);
    const keys: string[] = [];
    const metadata: Metadata[] = [];
    for (let slot = 0; slot < arena.rows; slot++) {
      const key = this.slotKeys[slot];
      if (key === undefined) continue;
      const rowMetadata = this.slotMetadata[slot];
      invariant(rowMetadata !== undefined, "a live memtable slot has metadata", { slot, key });
      data.set(arena.data.subarray(slot * dimension, (slot + 1) * dimension), keys.length * dimension);
      norms[keys.length] = arena.norms[slot] as number;
      keys.push(key);
      metadata.push(rowMetadata);
    }
    const records = RowRecords.fromValues(keys, metadata);
    const runs = runsWithin(records, dimension, maxSegmentBytes);
    if (runs.length === 1) return [new Segment(dimension, records, data, nonFilterableKeys, norms)];
    return runs.map(([from, to]) => {
      const run = new RowRecordsBuilder();
      for (let row = from; row < to; row++) run.addEncoded(records.encodedRow(row));
      const vectors = data.slice(from * dimension, to * dimension);
      return new Segment(dimension, run.finish(), vectors, nonFilterableKeys, norms.slice(from, to));
    });
  }
}

/** Row ranges [from, to) of `records`, in order, each a segment object of at most `maxBytes` (at least one row each). */
function runsWithin(records: RowRecords, dimension: number, maxBytes: number): [number, number][] {
  if (records.rows * segmentRowBytes(dimension, 0) + records.bytes.length <= maxBytes) return [[0, records.rows]];
  const runs: [number, number][] = [];
  let from = 0;
  let bytes = 0;
  for (let row = 0; row < records.rows; row++) {
    const rowBytes = segmentRowBytes(dimension, records.encodedRow(row).length);
    if (row > from && bytes + rowBytes > maxBytes) {
      runs.push([from, row]);
      from = row;
      bytes = 0;
    }
    bytes += rowBytes;
  }
  runs.push([from, records.rows]);
  return runs;
}

export interface DecodedSnapshot {
  memtable: Memtable;
  walFrom: number;
}

/** A snapshot object as a memtable; throws DecodeError unless it is complete, intact and of `dimension`. */
export function decodeSnapshot(bytes: Uint8Array, dimension: number): DecodedSnapshot {
  const memtable = new Memtable(dimension);
  const walFrom = decodeSnapshotInto(bytes, memtable);
  return { memtable, walFrom };
}
