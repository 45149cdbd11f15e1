// A row-major float32 vector block held in its own WebAssembly memory, next to the scratch one exact
// scan needs, so that scans run in the SIMD kernel (scan-kernel.wat) instead of plain JS: about 3x
// the multiply-adds per second on the bench machine, with bit-identical scores.
//
// Layout of the memory: [vectors: rows*dim f32][query: dim f64][row list: rows i32][scores: rows f64].
// Only large blocks get one: every WebAssembly memory reserves its own (virtual) address range, and a
// small scan is cheap in JS anyway.
import { SCAN_KERNEL_BASE64 } from "./scan-kernel-bytes.ts";
import type { RowScorer } from "../search-kernel.ts";

/** Smallest block (rows) worth a WebAssembly memory of its own. */
export const BLOCK_MIN_ROWS = 4096;
const PAGE_BYTES = 65_536;
/** wasm32 addresses 4 GiB; larger blocks stay in plain JS arrays. */
const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE_BYTES;

type ScoreRows = (data: number, query: number, rows: number, count: number, dim: number, out: number, l2: number) => void;

/** The compiled kernel, or undefined where WebAssembly SIMD is unavailable (the JS kernel is used). */
const kernelModule = ((): WebAssembly.Module | undefined => {
  try {
    return new WebAssembly.Module(Buffer.from(SCAN_KERNEL_BASE64, "base64"));
  } catch {
    return undefined;
  }
})();

const align = (bytes: number, to: number) => Math.ceil(bytes / to) * to;

export class VectorBlock implements RowScorer {
  /** The vectors, rows x dimension, a view into the block's memory. */
  readonly data: Float32Array;
  /** Row numbers to score: the caller writes up to `rows` of them, then calls score(). */
  readonly rowList: Int32Array;
  private readonly query: Float64Array;
  private readonly scores: Float64Array;
  private readonly offsets: { query: number; rowList: number; scores: number };

  private constructor(
    readonly rows: number,
    readonly dimension: number,
    private readonly scoreRows: ScoreRows,
    memory: WebAssembly.Memory,
    offsets: { query: number; rowList: number; scores: number },
  ) {
    this.offsets = offsets;
    this.data = new Float32Array(memory.buffer, 0, rows * dimension);
    this.query = new Float64Array(memory.buffer, offsets.query, dimension);
    this.rowList = new Int32Array(memory.buffer, offsets.rowList, rows);
    this.scores = new Float64Array(memory.buffer, offsets.scores, rows);
  }

  /** A zeroed block, or undefined when the kernel is unavailable or the block too small or too large. */
  static create(rows: number, dimension: number): VectorBlock | undefined {
    if (!kernelModule || rows < BLOCK_MIN_ROWS) return undefined;
    const query = align(rows * dimension * 4, 16);
    const rowList = align(query + dimension * 8, 16);
    const scores = align(rowList + rows * 4, 16);
    const bytes = scores + rows * 8;
    if (bytes > MAX_BYTES) return undefined;
    const pages = Math.ceil(bytes / PAGE_BYTES);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    const instance = new WebAssembly.Instance(kernelModule, { env: { memory } });
    const scoreRows = instance.exports.scoreRows as ScoreRows;
    return new VectorBlock(rows, dimension, scoreRows, memory, { query, rowList, scores });
  }

  /**
   * Scores `query` against the first `count` rows of rowList: dot products, or squared L2 distances
   * when `euclidean`. The result is a view, valid until the next call.
   */
  score(query: Float32Array, count: number, euclidean: boolean): Float64Array {
    this.query.set(query);
    const { offsets } = this;
    this.scoreRows(0, offsets.query, offsets.rowList, count, this.dimension, offsets.scores, euclidean ? 1 : 0);
    return this.scores;
  }
}
