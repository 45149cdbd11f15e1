// The SIMD scan kernel against the plain JS kernel: same rows, same order, bit-identical distances.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { scanTopK, type ScanInput, type VectorRows } from "../search-kernel.ts";
import { seededRandom } from "../../testing/test-support.ts";
import type { DistanceMetric } from "../../base/types.ts";
import { BLOCK_MIN_ROWS, VectorBlock } from "./vector-block.ts";

function rowsPair(rows: number, dimension: number, random: () => number): { plain: VectorRows; simd: VectorRows } {
  const block = VectorBlock.create(rows, dimension);
  assert.ok(block, "WebAssembly SIMD is available on Node 20");
  const data = block.data;
  for (let i = 0; i < data.length; i++) data[i] = (random() - 0.5) * (i % 7 === 0 ? 100 : 1);
  const norms = new Float64Array(rows);
  for (let row = 0; row < rows; row++) {
    let sum = 0;
    for (let i = 0; i < dimension; i++) sum += (data[row * dimension + i] as number) ** 2;
    norms[row] = Math.sqrt(sum);
  }
  const dense = { norms, dimension, rows, stride: dimension, offset: 0 };
  return { plain: { data: Float32Array.from(data), ...dense }, simd: { data, ...dense, scorer: block } };
}

for (const dimension of [1, 5, 128, 131]) {
  for (const metric of ["cosine", "euclidean"] as DistanceMetric[]) {
    test(`block scan equals the JS scan bit for bit (${metric}, ${dimension} dimensions)`, () => {
      const random = seededRandom(dimension);
      const rows = BLOCK_MIN_ROWS + 17;
      const { plain, simd } = rowsPair(rows, dimension, random);
      const slotKeys = Array.from({ length: rows }, (_, row) => (row % 11 === 3 ? undefined : `k${row}`));
      const slotMetadata = Array.from({ length: rows }, (_, row) => ({ even: row % 2 === 0 }));
      const vector = Float32Array.from({ length: dimension }, () => random() - 0.5);
      const onlyRows = Int32Array.from({ length: 300 }, (_, i) => i * 13);
      const variants: Partial<ScanInput>[] = [{}, { onlyRows }, { filter: (slot) => slotMetadata[slot]?.even === true }];
      for (const variant of variants) {
        const input = { skips: (slot: number) => slotKeys[slot] === undefined, keyOf: (slot: number) => slotKeys[slot] as string, metric, vector, topK: 25, ...variant };
        const expected = scanTopK({ ...input, vectors: plain });
        assert.equal(expected.length, 25);
        assert.deepEqual(scanTopK({ ...input, vectors: simd }), expected);
      }
    });
  }
}

test("blocks are only made for large row counts", () => {
  assert.equal(VectorBlock.create(BLOCK_MIN_ROWS - 1, 8), undefined);
  assert.ok(VectorBlock.create(BLOCK_MIN_ROWS, 8));
});

test("the committed kernel bytes are the compiled scan-kernel.wat", async () => {
  const script = new URL("../../../../../scripts/build-scan-kernel.mjs", import.meta.url);
  const { compileScanKernel, renderBytesModule } = await import(script.href);
  const committed = readFileSync(new URL("./scan-kernel-bytes.ts", import.meta.url), "utf8");
  assert.equal(committed, renderBytesModule(await compileScanKernel()), "run node scripts/build-scan-kernel.mjs");
});
