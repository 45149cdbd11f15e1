// Probe (docs/ann-choice.md, questions 2 and 3): a quantized usearch graph (i8, f16, b1) finds C
// candidates, which are ranked again exactly from float32 vectors, either held in RAM or read row by row
// from a file through the page cache (fs.readSync per candidate). How large must C be for recall@10 to
// come back to hnswlib float32's, and what does it cost? QPS is a ratio to hnswlib float32 at its 0.95
// beam, in alternating slices. Then filtered search (category, 10 % of rows): hnswlib's filter callback
// against usearch, whose Node binding has no predicate, so it over-fetches and filters afterwards.
// `--cold` also drops the page cache (twice; root only; it slows every process on the machine for a
// moment) and times passes whose graph and / or float32 rows must come from the disk.
// Needs the index files of a libraries.ts run for the same shape (in the same work directory).
// Usage: npx tsx --expose-gc bench/probe/ann/rerank.ts [rows] [dimension] [out.json] [--cold]
import { closeSync, existsSync, openSync, readFileSync, readSync, writeFileSync } from "node:fs";
import { CATEGORY_VALUE, queryVector } from "../../lib/dataset.ts";
import { answersOf, float32Path, fmt, hnswPath, loadStudy, qpsRatio, recallAt10, referencePath, usearchPath, workDir, type Reference, type Search, type Study } from "./common.ts";
import { openHnsw, openUsearch, type Graph, type Quantization } from "./graphs.ts";

const K = 10;
const CANDIDATES = [10, 20, 40, 80, 160, 320, 640, 1280];
const FILTER_FETCH = [100, 200, 400, 800, 1600];

function dot(vectors: Float32Array, base: number, query: Float32Array, dimension: number): number {
  let s0 = 0;
  let s1 = 0;
  for (let i = 0; i < dimension; i += 2) {
    s0 += (vectors[base + i] as number) * (query[i] as number);
    s1 += (vectors[base + i + 1] as number) * (query[i + 1] as number);
  }
  return s0 + s1;
}

/** Where a candidate's float32 row is read from: returns the offset of the row in `vectors`. */
interface RowSource {
  vectors: Float32Array;
  load(row: number): number;
}

/** Exact top K of `rows` by dot product, best first: a K-long insertion list, nothing allocated per row. */
function rerank(rows: number[], query: Float32Array, dimension: number, source: RowSource): number[] {
  const best: number[] = [];
  const scores: number[] = [];
  for (const row of rows) {
    const score = dot(source.vectors, source.load(row), query, dimension);
    if (best.length === K && score <= (scores[K - 1] as number)) continue;
    let at = Math.min(best.length, K - 1);
    while (at > 0 && (scores[at - 1] as number) < score) at--;
    best.splice(at, 0, row);
    scores.splice(at, 0, score);
    if (best.length > K) {
      best.pop();
      scores.pop();
    }
  }
  return best;
}

interface RowSources {
  ram: RowSource;
  /** One pread per row (fs.readSync) into a reused buffer: served by the page cache when hot. */
  file: RowSource;
  close: () => void;
}

function rowSources(study: Study, dir: string): RowSources {
  const path = float32Path(dir);
  if (!existsSync(path)) writeFileSync(path, new Uint8Array(study.data.vectors.buffer));
  const fd = openSync(path, "r");
  const d = study.dimension;
  const buffer = new Float32Array(d);
  const bytes = new Uint8Array(buffer.buffer);
  return {
    ram: { vectors: study.data.vectors, load: (row) => row * d },
    file: {
      vectors: buffer,
      load: (row) => {
        readSync(fd, bytes, 0, d * 4, row * d * 4);
        return 0;
      },
    },
    close: () => closeSync(fd),
  };
}

interface Cell {
  quantization: Quantization;
  candidates: number;
  recallQuantized: number;
  recallReranked: number;
  ramRatio: number;
  fileRatio: number;
}

function rerankGrid(study: Study, dir: string, sources: RowSources, reference: Search, target: number): Cell[] {
  const cells: Cell[] = [];
  for (const quantization of ["i8", "f16", "b1"] as Quantization[]) {
    // Beam = max(ef, C): opened with the smallest beam, so C alone sets it.
    const graph = openUsearch(study, quantization, usearchPath(dir, quantization), "memory", K);
    let pastTarget = 0;
    for (const candidates of CANDIDATES) {
      const quantized: Search = (q) => graph.search(q, candidates).slice(0, K);
      const viaRam: Search = (q) => rerank(graph.search(q, candidates), q, study.dimension, sources.ram);
      const viaFile: Search = (q) => rerank(graph.search(q, candidates), q, study.dimension, sources.file);
      const recallQuantized = recallAt10(study.truth.none, answersOf(study, quantized));
      const recallReranked = recallAt10(study.truth.none, answersOf(study, viaRam));
      const ramRatio = qpsRatio(study, viaRam, reference).ratio;
      const fileRatio = qpsRatio(study, viaFile, reference).ratio;
      cells.push({ quantization, candidates, recallQuantized, recallReranked, ramRatio, fileRatio });
      console.error(`  ${quantization} C ${candidates}: recall ${fmt(recallQuantized)} -> ${fmt(recallReranked)} re-ranked; QPS ×${fmt(ramRatio, 2)} (RAM) ×${fmt(fileRatio, 2)} (file)`);
      if (recallReranked >= target) pastTarget++;
      if (pastTarget === 2) break;
    }
  }
  return cells;
}

interface FilterCell {
  system: string;
  fetch: number;
  recall: number;
  ratio: number;
}

/** Category filter (10 %): hnswlib's callback inside the search, usearch over-fetch then filter. */
function filterGrid(study: Study, dir: string, sources: RowSources, reference: Search, refEf: number): FilterCell[] {
  const category = study.data.category;
  const allowed = (row: number) => category[row] === CATEGORY_VALUE;
  const truth = study.truth.category;
  const { native } = openHnsw(study, hnswPath(dir));
  const cells: FilterCell[] = [];
  const hnswFiltered: Search = (q) => {
    native.setEf(refEf);
    return native.searchKnn(Array.from(q), K, allowed).neighbors;
  };
  cells.push({ system: `hnswlib f32, filter callback, ef ${refEf}`, fetch: K, recall: recallAt10(truth, answersOf(study, hnswFiltered)), ratio: qpsRatio(study, hnswFiltered, reference).ratio });
  for (const quantization of ["f32", "i8"] as Quantization[]) {
    const graph: Graph = openUsearch(study, quantization, usearchPath(dir, quantization), "memory", K);
    for (const fetch of FILTER_FETCH) {
      const search: Search = (q) => {
        const kept = graph.search(q, fetch).filter(allowed);
        return quantization === "f32" ? kept.slice(0, K) : rerank(kept, q, study.dimension, sources.ram);
      };
      const recall = recallAt10(truth, answersOf(study, search));
      cells.push({ system: `usearch ${quantization}, post-filter${quantization === "f32" ? "" : " + RAM re-rank"}`, fetch, recall, ratio: qpsRatio(study, search, reference).ratio });
      console.error(`  filtered ${cells.at(-1)!.system} fetch ${fetch}: recall ${fmt(recall)} ×${fmt(cells.at(-1)!.ratio, 2)}`);
      if (recall >= 0.99) break;
    }
  }
  console.error(`  filtered hnswlib callback: recall ${fmt(cells[0]!.recall)} ×${fmt(cells[0]!.ratio, 2)}`);
  return cells;
}

interface ColdFigures {
  graph: string;
  /** Wall time from opening the graph to the first answer, page cache just dropped. */
  firstQueryMs: number;
  coldMsPerQuery: number;
  hotMsPerQuery: number;
}

/**
 * The page cache dropped, then one pass over the queries (wall clock: waiting for the disk is the
 * point), then the same pass again hot. Once with the i8 graph read into memory (only the float32
 * re-rank reads come from the disk), once with it memory-mapped (graph pages from the disk too).
 */
function coldPasses(study: Study, dir: string, sources: RowSources, candidates: number): ColdFigures[] {
  return (["memory", "mmap"] as const).map((mode) => {
    writeFileSync("/proc/sys/vm/drop_caches", "1");
    const opened = performance.now();
    const graph = openUsearch(study, "i8", usearchPath(dir, "i8"), mode, K);
    const answer = (q: number) => {
      const query = queryVector(study.data, q);
      rerank(graph.search(query, candidates), query, study.dimension, sources.file);
    };
    answer(0);
    const firstQueryMs = performance.now() - opened;
    const pass = () => {
      const started = performance.now();
      for (let q = 1; q < study.data.spec.queries; q++) answer(q);
      return (performance.now() - started) / (study.data.spec.queries - 1);
    };
    const coldMsPerQuery = pass();
    const figures = { graph: `usearch i8 ${mode}, C ${candidates}, float32 rows by file`, firstQueryMs, coldMsPerQuery, hotMsPerQuery: pass() };
    console.error(`  cold: ${figures.graph}: first query ${fmt(firstQueryMs, 0)} ms, ${fmt(coldMsPerQuery, 2)} ms/query cold, ${fmt(figures.hotMsPerQuery, 3)} hot`);
    return figures;
  });
}

const args = process.argv.slice(2);
const cold = args.includes("--cold");
const [rowsArg, dimArg, out] = args.filter((a) => a !== "--cold");
const study = loadStudy(Number(rowsArg ?? 200_000), Number(dimArg ?? 128));
const dir = workDir(study.rows, study.dimension);
const ref = JSON.parse(readFileSync(referencePath(dir), "utf8")) as Reference;
const refGraph = openHnsw(study, hnswPath(dir)).graph(ref.ef);
const reference: Search = (q) => refGraph.search(q, K);
const sources = rowSources(study, dir);
const started = new Date().toISOString();
console.error(`reference: hnswlib f32 ef ${ref.ef}, recall ${fmt(ref.recall)}`);
const rerankCells = rerankGrid(study, dir, sources, reference, ref.recall);
const filterCells = filterGrid(study, dir, sources, reference, ref.ef);
// The cold passes use the smallest i8 candidate count that brought recall back to the reference's.
const i8Enough = rerankCells.find((c) => c.quantization === "i8" && c.recallReranked >= ref.recall)?.candidates ?? 40;
const coldFigures = cold ? coldPasses(study, dir, sources, i8Enough) : undefined;
sources.close();
const report = { started, finished: new Date().toISOString(), rows: study.rows, dimension: study.dimension, reference: ref, rerank: rerankCells, filtered: filterCells, cold: coldFigures };
if (out) writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
console.log(`\n${study.rows} x ${study.dimension}, ${started}; reference hnswlib f32 ef ${ref.ef} recall ${fmt(ref.recall)}`);
console.log("| graph | candidates C | recall@10 quantized | recall@10 re-ranked | QPS × ref (RAM rows) | QPS × ref (file rows) |");
console.log("|---|---|---|---|---|---|");
for (const c of rerankCells) console.log(`| usearch ${c.quantization} | ${c.candidates} | ${fmt(c.recallQuantized)} | ${fmt(c.recallReranked)} | ${fmt(c.ramRatio, 2)} | ${fmt(c.fileRatio, 2)} |`);
console.log("\n| filtered (category 10 %) | fetched | recall@10 | QPS × unfiltered ref |");
console.log("|---|---|---|---|");
for (const c of filterCells) console.log(`| ${c.system} | ${c.fetch} | ${fmt(c.recall)} | ${fmt(c.ratio, 2)} |`);
for (const c of coldFigures ?? []) console.log(`\ncold page cache, ${c.graph}: first query ${fmt(c.firstQueryMs, 0)} ms after open; ${fmt(c.coldMsPerQuery, 2)} ms/query cold, ${fmt(c.hotMsPerQuery, 3)} ms/query hot (wall)`);
