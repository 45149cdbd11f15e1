// The in-memory state of one collection: key -> row, rows in a sorted B+ tree for listing, vectors in
// the arena. It changes only by applying WAL records that are already durable (the same code path
// serves live writes and recovery replay), so memory is always a pure function of the log.
import sortedBtree from "sorted-btree";
import { compareKeys } from "./byte-order.ts";
import { VectorArena } from "./vector-arena.ts";
import type { WalRecord } from "./wal-format.ts";
import type { Metadata, VectorRecord } from "./types.ts";

const BTree = sortedBtree.default;

export class Memtable {
  readonly arena: VectorArena;
  private readonly slotsByKey = new Map<string, number>();
  private readonly sortedKeys = new BTree<string, undefined>(undefined, compareKeys);
  /** Per slot: the key, or undefined for a free slot. Scans use it to skip free slots. */
  readonly slotKeys: (string | undefined)[] = [];
  readonly slotMetadata: (Metadata | undefined)[] = [];

  constructor(readonly dimension: number) {
    this.arena = new VectorArena(dimension);
  }

  get count(): number {
    return this.slotsByKey.size;
  }

  apply(record: WalRecord): void {
    if (record.type === "put") for (const vector of record.vectors) this.upsert(vector);
    else for (const key of record.keys) this.remove(key);
  }

  upsert(vector: VectorRecord): void {
    let slot = this.slotsByKey.get(vector.key);
    if (slot === undefined) {
      slot = this.arena.allocate();
      this.slotsByKey.set(vector.key, slot);
      this.sortedKeys.set(vector.key, undefined);
      this.slotKeys[slot] = vector.key;
    }
    this.arena.write(slot, vector.data);
    this.slotMetadata[slot] = vector.metadata;
  }

  remove(key: string): void {
    const slot = this.slotsByKey.get(key);
    if (slot === undefined) return;
    this.slotsByKey.delete(key);
    this.sortedKeys.delete(key);
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

  /** A caller-safe copy of the row in `slot` (which must be live). */
  recordAt(slot: number): VectorRecord {
    return {
      key: this.slotKeys[slot] as string,
      data: this.arena.read(slot),
      metadata: structuredClone(this.slotMetadata[slot] as Metadata),
    };
  }

  slotOf(key: string): number | undefined {
    return this.slotsByKey.get(key);
  }

  /** Keys in byte order, starting strictly after `after` (from the first key when undefined). */
  *keysAfter(after?: string): IterableIterator<string> {
    for (const key of this.sortedKeys.keys(after)) {
      if (after !== undefined && key === after) continue;
      yield key;
    }
  }
}
