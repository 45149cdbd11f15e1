// Probe (docs/ann-choice.md, doubts): is usearch's gap to hnswlib-node at 128-d in the Node binding or
// in the library? The same usearch index answers the 300 queries one call each (what the other probes
// do) and all in one batch call (one crossing into C++, one result allocation), both on one thread,
// timed per CPU second. If the batch is not much faster per query, the per-call binding overhead is
// not what makes usearch slower. Needs the index files of a libraries.ts run of the same shape.
// Usage: npx tsx --expose-gc bench/probe/ann/binding-overhead.ts [rows] [dimension]
import usearch from "usearch";
import { cpuSeconds, fmt, loadStudy, usearchPath, workDir } from "./common.ts";

const K = 10;
const ROUNDS = 5;
const [rowsArg, dimArg] = process.argv.slice(2);
const study = loadStudy(Number(rowsArg ?? 200_000), Number(dimArg ?? 128));
const dir = workDir(study.rows, study.dimension);
const queries = study.data.spec.queries;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** Queries per CPU second of `pass` (which answers every query once), median of ROUNDS passes of ≥ 0.3 s. */
function rate(pass: () => void): number {
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const started = cpuSeconds();
    let passes = 0;
    while (cpuSeconds() - started < 0.3) {
      pass();
      passes++;
    }
    rates.push((passes * queries) / (cpuSeconds() - started));
  }
  return median(rates);
}

for (const quantization of ["f32", "i8"]) {
  for (const ef of [32, 64]) {
    const index = new usearch.Index({ dimensions: study.dimension, metric: "cos" as never, quantization: quantization as never, connectivity: 16, expansion_add: 128, expansion_search: ef, multi: false });
    index.load(usearchPath(dir, quantization));
    const single = rate(() => {
      for (let q = 0; q < queries; q++) index.search(study.data.queries.subarray(q * study.dimension, (q + 1) * study.dimension), K, 1);
    });
    const batch = rate(() => index.search(study.data.queries, K, 1));
    console.log(`usearch ${quantization} ef ${ef}: ${fmt(single, 0)} queries per CPU s one call each, ${fmt(batch, 0)} in one batch call (batch / single ${fmt(batch / single, 2)})`);
  }
}
