// An int8 brute-force scan for the study (docs/ann-choice.md, question 4), in the style of the engine's
// float32 kernel (packages/engine/src/search/kernel): WebAssembly SIMD over a row-major block held in
// its own memory. Scalar quantization is per dimension and symmetric: code = round(x / max|x| * 127)
// with max|x| taken over the rows of that dimension; the query is weighted by each dimension's scale
// and quantized too, so a score is one i8 x i8 dot product (i32), proportional to the float dot product
// up to the rounding. A plain JS loop over the same codes is the fallback to compare with.
import wabtInit from "wabt";
import { TopK } from "../../../packages/engine/src/search/top-k.ts";

const WAT = `
(module
  (import "env" "memory" (memory 0))
  ;; out[r] = sum_i data[r*dim + i] * query[i] for r in [0, count); dim a multiple of 16.
  (func (export "scan") (param $data i32) (param $query i32) (param $count i32) (param $dim i32) (param $out i32)
    (local $row i32) (local $end i32) (local $i i32) (local $acc v128) (local $a v128) (local $b v128) (local $q i32)
    (local.set $end (i32.add (local.get $data) (i32.mul (local.get $count) (local.get $dim))))
    (local.set $row (local.get $data))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (loop $dims
          (local.set $a (v128.load (i32.add (local.get $row) (local.get $i))))
          (local.set $b (v128.load (i32.add (local.get $query) (local.get $i))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $a)) (i16x8.extend_low_i8x16_s (local.get $b)))))
          (local.set $acc (i32x4.add (local.get $acc)
            (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $a)) (i16x8.extend_high_i8x16_s (local.get $b)))))
          (local.set $i (i32.add (local.get $i) (i32.const 16)))
          (br_if $dims (i32.lt_u (local.get $i) (local.get $dim))))
        (i32.store (local.get $out)
          (i32.add (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
                   (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (local.set $row (i32.add (local.get $row) (local.get $dim)))
        (br $rows))))
)`;

export interface Int8Block {
  rows: number;
  dimension: number;
  codes: Int8Array;
  /** Per-dimension scale: x ≈ code * scale / 127. */
  scales: Float32Array;
  /** Scores of the query against rows [0, count), in the WebAssembly kernel; a view valid until the next call. */
  scanWasm(query: Float32Array, count: number): Int32Array;
  /** The same scores from a plain JS loop. */
  scanJs(query: Float32Array, count: number): Int32Array;
}

const align = (n: number) => Math.ceil(n / 16) * 16;

export async function int8Block(vectors: Float32Array, rows: number, dimension: number): Promise<Int8Block> {
  if (dimension % 16 !== 0) throw new RangeError("the study kernel takes dimensions in multiples of 16");
  const wabt = await wabtInit();
  const parsed = wabt.parseWat("int8-scan.wat", WAT, { simd: true });
  parsed.validate();
  const module = new WebAssembly.Module(Uint8Array.from(parsed.toBinary({}).buffer));
  parsed.destroy();

  const scales = new Float32Array(dimension);
  for (let r = 0; r < rows; r++) for (let i = 0; i < dimension; i++) scales[i] = Math.max(scales[i] as number, Math.abs(vectors[r * dimension + i] as number));
  const queryAt = align(rows * dimension);
  const outAt = align(queryAt + dimension);
  const pages = Math.ceil((outAt + rows * 4) / 65_536);
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  const scan = new WebAssembly.Instance(module, { env: { memory } }).exports.scan as (data: number, query: number, count: number, dim: number, out: number) => void;
  const codes = new Int8Array(memory.buffer, 0, rows * dimension);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < dimension; i++) codes[r * dimension + i] = Math.round(((vectors[r * dimension + i] as number) / (scales[i] as number)) * 127);
  }
  const queryCodes = new Int8Array(memory.buffer, queryAt, dimension);
  const out = new Int32Array(memory.buffer, outAt, rows);
  const weights = new Float32Array(dimension);
  const quantizeQuery = (query: Float32Array) => {
    let max = 0;
    for (let i = 0; i < dimension; i++) {
      weights[i] = (query[i] as number) * (scales[i] as number);
      max = Math.max(max, Math.abs(weights[i] as number));
    }
    for (let i = 0; i < dimension; i++) queryCodes[i] = Math.round(((weights[i] as number) / max) * 127);
  };
  return {
    rows,
    dimension,
    codes,
    scales,
    scanWasm(query, count) {
      quantizeQuery(query);
      scan(0, queryAt, count, dimension, outAt);
      return out;
    },
    scanJs(query, count) {
      quantizeQuery(query);
      for (let r = 0; r < count; r++) {
        const base = r * dimension;
        let s0 = 0;
        let s1 = 0;
        for (let i = 0; i < dimension; i += 2) {
          s0 += (codes[base + i] as number) * (queryCodes[i] as number);
          s1 += (codes[base + i + 1] as number) * (queryCodes[i + 1] as number);
        }
        out[r] = s0 + s1;
      }
      return out;
    },
  };
}

/** Rows of the `size` highest scores among the first `count`, best first (the engine's bounded heap). */
export function topRows(scores: Int32Array | Float64Array, count: number, size: number): number[] {
  const heap = new TopK(size, (row) => String(row));
  for (let r = 0; r < count; r++) {
    const distance = -(scores[r] as number);
    if (distance <= heap.threshold) heap.offer(r, distance);
  }
  return heap.sorted().map((ranked) => ranked.slot);
}
