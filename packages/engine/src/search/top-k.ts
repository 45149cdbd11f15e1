// Bounded max-heap holding the K best (smallest distance) rows seen so far. The root is the worst kept
// row, so a candidate is compared with one number before anything moves. Equal distances are ordered
// by key, which makes results independent of slot layout and insertion history.
import { compareKeys } from "../base/byte-order.ts";

export interface RankedSlot {
  slot: number;
  score: number;
}

export class TopK {
  private readonly slots: Int32Array;
  private readonly scores: Float64Array;
  size = 0;

  constructor(
    readonly capacity: number,
    private readonly keyOf: (slot: number) => string,
  ) {
    this.slots = new Int32Array(capacity);
    this.scores = new Float64Array(capacity);
  }

  /** The score a candidate must beat (or tie) to enter; Infinity while the heap is not full. */
  get threshold(): number {
    return this.size < this.capacity ? Infinity : (this.scores[0] as number);
  }

  /** True when (scoreA, slotA) ranks after (scoreB, slotB). */
  private worse(scoreA: number, slotA: number, scoreB: number, slotB: number): boolean {
    if (scoreA !== scoreB) return scoreA > scoreB;
    return compareKeys(this.keyOf(slotA), this.keyOf(slotB)) > 0;
  }

  private worseAt(a: number, b: number): boolean {
    return this.worse(this.scores[a] as number, this.slots[a] as number, this.scores[b] as number, this.slots[b] as number);
  }

  offer(slot: number, score: number): void {
    if (this.capacity === 0) return;
    if (this.size < this.capacity) {
      this.siftUp(this.size++, slot, score);
      return;
    }
    if (!this.worse(this.scores[0] as number, this.slots[0] as number, score, slot)) return;
    this.siftDown(slot, score);
  }

  private siftUp(at: number, slot: number, score: number): void {
    let index = at;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.worse(score, slot, this.scores[parent] as number, this.slots[parent] as number)) break;
      this.scores[index] = this.scores[parent] as number;
      this.slots[index] = this.slots[parent] as number;
      index = parent;
    }
    this.scores[index] = score;
    this.slots[index] = slot;
  }

  /** Replaces the root with (slot, score) and restores the heap order. */
  private siftDown(slot: number, score: number): void {
    let index = 0;
    for (;;) {
      let child = index * 2 + 1;
      if (child >= this.size) break;
      const right = child + 1;
      if (right < this.size && this.worseAt(right, child)) child = right;
      if (!this.worse(this.scores[child] as number, this.slots[child] as number, score, slot)) break;
      this.scores[index] = this.scores[child] as number;
      this.slots[index] = this.slots[child] as number;
      index = child;
    }
    this.scores[index] = score;
    this.slots[index] = slot;
  }

  /** The kept rows, best first. */
  sorted(): RankedSlot[] {
    const rows: RankedSlot[] = [];
    for (let i = 0; i < this.size; i++) rows.push({ slot: this.slots[i] as number, score: this.scores[i] as number });
    return rows.sort((a, b) => a.score - b.score || compareKeys(this.keyOf(a.slot), this.keyOf(b.slot)));
  }
}
