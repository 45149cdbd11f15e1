// Vectors of one collection in one growable Float32Array, one fixed-size slot per row. Freed slots are
// reused, so the arena stays dense under churn and a scan walks contiguous memory. Norms are kept per
// slot for cosine distance, computed once at write time instead of on every query.

import { VectorBlock } from "../search/kernel/vector-block.ts";

const INITIAL_SLOTS = 16;

export class VectorArena {
  data: Float32Array;
  /** Once the arena is large, its vectors live in a WebAssembly block that the SIMD scan uses. */
  block: VectorBlock | undefined;
  norms: Float64Array;
  /** Dense rows (search-kernel.ts VectorRows). */
  readonly offset = 0;
  /** Slots [0, rows) have been handed out at some point; some of them may be free again. */
  rows = 0;
  private readonly freeSlots: number[] = [];

  constructor(readonly dimension: number) {
    this.data = new Float32Array(INITIAL_SLOTS * dimension);
    this.norms = new Float64Array(INITIAL_SLOTS);
  }

  get stride(): number {
    return this.dimension;
  }

  get scorer(): VectorBlock | undefined {
    return this.block;
  }

  get capacity(): number {
    return this.norms.length;
  }

  private grow(minSlots: number): void {
    let slots = this.capacity * 2;
    while (slots < minSlots) slots *= 2;
    const block = VectorBlock.create(slots, this.dimension);
    const data = block?.data ?? new Float32Array(slots * this.dimension);
    data.set(this.data);
    this.block = block;
    const norms = new Float64Array(slots);
    norms.set(this.norms);
    this.data = data;
    this.norms = norms;
  }

  /** Makes room for `slots` more rows up front (bulk loads), avoiding repeated doubling. */
  reserve(slots: number): void {
    const needed = this.rows + slots;
    if (needed > this.capacity) this.grow(needed);
  }

  allocate(): number {
    const reused = this.freeSlots.pop();
    if (reused !== undefined) return reused;
    if (this.rows === this.capacity) this.grow(this.rows + 1);
    return this.rows++;
  }

  release(slot: number): void {
    this.freeSlots.push(slot);
  }

  write(slot: number, vector: Float32Array): void {
    const base = slot * this.dimension;
    this.data.set(vector, base);
    let sum = 0;
    for (let i = 0; i < this.dimension; i++) {
      const value = this.data[base + i] as number;
      sum += value * value;
    }
    this.norms[slot] = Math.sqrt(sum);
  }

  /** A copy of the slot's vector, safe to hand to callers. */
  read(slot: number): Float32Array {
    const base = slot * this.dimension;
    return this.data.slice(base, base + this.dimension);
  }
}
