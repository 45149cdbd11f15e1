// The two HNSW libraries the study compares, behind one small interface: build (timed, one thread),
// save, and open for search either read into memory or (usearch only) memory-mapped from the file.
import hnswlib from "hnswlib-node";
import usearch from "usearch";
import { rowVector } from "../../lib/dataset.ts";
import { cpuSeconds, GRAPH, type Study } from "./common.ts";

export type Quantization = "f32" | "f16" | "i8" | "b1";
export type Library = "hnswlib" | "usearch";
export type Mode = "memory" | "mmap";

export interface Graph {
  /** Up to `wanted` nearest rows, best first, searched with beam max(ef, wanted). */
  search(query: Float32Array, wanted: number): number[];
}

type Hnsw = InstanceType<typeof hnswlib.HierarchicalNSW>;

/**
 * usearch's b1 needs a bit metric: "cos" over b1 answers NaN distances. Hamming over the sign bits is
 * the binary code's angle estimate. Every other scalar kind uses cosine (vectors are unit length).
 */
const metricOf = (q: Quantization) => (q === "b1" ? "hamming" : "cos");

function usearchIndex(study: Study, quantization: Quantization, ef: number): InstanceType<typeof usearch.Index> {
  return new usearch.Index({
    dimensions: study.dimension,
    metric: metricOf(quantization) as never,
    quantization: quantization as never,
    connectivity: GRAPH.m,
    expansion_add: GRAPH.efConstruction,
    expansion_search: ef,
    multi: false,
  });
}

/** Builds the graph over every row on one thread; returns the CPU seconds it took (the file write excluded). */
export function build(study: Study, library: Library, quantization: Quantization, file: string): number {
  const started = cpuSeconds();
  if (library === "hnswlib") {
    const index = new hnswlib.HierarchicalNSW("ip", study.dimension);
    index.initIndex(study.rows, GRAPH.m, GRAPH.efConstruction, GRAPH.seed);
    for (let row = 0; row < study.rows; row++) index.addPoint(Array.from(rowVector(study.data, row)), row);
    const seconds = cpuSeconds() - started;
    index.writeIndexSync(file);
    return seconds;
  }
  const index = usearchIndex(study, quantization, 64);
  const keys = new BigUint64Array(study.rows);
  for (let row = 0; row < study.rows; row++) keys[row] = BigInt(row);
  index.add(keys, study.data.vectors, 1);
  const seconds = cpuSeconds() - started;
  index.save(file);
  return seconds;
}

/** hnswlib loaded into memory; its beam is set per call. */
export function openHnsw(study: Study, file: string): { graph: (ef: number) => Graph; native: Hnsw } {
  const native = new hnswlib.HierarchicalNSW("ip", study.dimension);
  native.readIndexSync(file);
  return {
    native,
    graph: (ef) => ({
      search(query, wanted) {
        native.setEf(Math.max(ef, wanted));
        return native.searchKnn(Array.from(query), wanted).neighbors;
      },
    }),
  };
}

/**
 * usearch opened with beam `ef`. The Node binding fixes the search beam when the index is constructed
 * (it has no setter), so each beam is a fresh index over the same file: `view` maps it, `load` reads it.
 */
export function openUsearch(study: Study, quantization: Quantization, file: string, mode: Mode, ef: number): Graph {
  const index = usearchIndex(study, quantization, ef);
  if (mode === "mmap") index.view(file);
  else index.load(file);
  return {
    search(query, wanted) {
      const keys = index.search(query, wanted, 1).keys;
      const rows = new Array<number>(keys.length);
      for (let i = 0; i < keys.length; i++) rows[i] = Number(keys[i]);
      return rows;
    },
  };
}
