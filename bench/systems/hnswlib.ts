// The raw ANN library in-process: hnswlib-node (HNSW, C++). No HTTP, no JSON, no durability: the
// ceiling for what our server's overhead could reach with the same graph. Vectors are unit length, so
// inner product ranks like cosine.
import { statSync } from "node:fs";
import { join } from "node:path";
import hnswlib from "hnswlib-node";
import { CATEGORY_VALUE, TENANT_VALUE, queryVector, rowVector, type FilterKind } from "../lib/dataset.ts";
import { K } from "../lib/ground-truth.ts";
import { measureQueryMatrix, rowRange, timedDelete, timedIngest, type BenchContext, type FilteredSearch, type Sweeps, type Tuning } from "../lib/suite.ts";
import { notAvailable, type Measurement, type SystemReport } from "../lib/report-types.ts";
import { HNSWLIB_BUILD as BUILD, rawHnswlibMemory } from "./hnswlib-memory.ts";

const EF_SWEEP = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256];
const NO_CONCURRENCY = "hnswlib-node's searchKnn is synchronous on the JS thread: concurrent clients would only queue";

type Index = InstanceType<typeof hnswlib.HierarchicalNSW>;

function filterFor(ctx: BenchContext, kind: FilterKind): ((label: number) => boolean) | undefined {
  // The predicate runs in JS for every candidate the graph visits (the library's only filter hook).
  if (kind === "category") return (label) => ctx.data.category[label] === CATEGORY_VALUE;
  if (kind === "tenant") return (label) => ctx.data.tenant[label] === TENANT_VALUE;
  return undefined;
}

function searchWith(ctx: BenchContext, index: () => Index): FilteredSearch {
  return (kind) => {
    const filter = filterFor(ctx, kind);
    return async (query) => index().searchKnn(Array.from(queryVector(ctx.data, query)), K, filter).neighbors;
  };
}

function newIndex(ctx: BenchContext): Index {
  const index = new hnswlib.HierarchicalNSW("ip", ctx.data.spec.dimension);
  index.initIndex(ctx.data.spec.count, BUILD.m, BUILD.efConstruction, BUILD.randomSeed);
  return index;
}

async function restart(ctx: BenchContext, file: string, ef: number, into: Record<string, Measurement>): Promise<Index> {
  const started = performance.now();
  const index = new hnswlib.HierarchicalNSW("ip", ctx.data.spec.dimension);
  index.readIndexSync(file);
  index.setEf(ef);
  await searchWith(ctx, () => index)("none")(0);
  const seconds = (performance.now() - started) / 1000;
  into.restart = { seconds_to_first_query: seconds, note: "in-process readIndexSync of the saved graph + first query (no process start)" };
  ctx.log(`    restart (readIndex) to first query: ${seconds.toFixed(2)} s`);
  return index;
}

function saveSize(index: Index, file: string): number {
  index.writeIndexSync(file);
  return statSync(file).blocks * 512;
}

export async function benchHnswlib(ctx: BenchContext): Promise<SystemReport> {
  const m: Record<string, Measurement> = {};
  // Memory is read in processes of their own (hnswlib-memory.ts), a build and a read of the saved graph.
  const memoryFile = join(ctx.workDir, "hnsw-memory.bin");
  m.memory_after_ingest = rawHnswlibMemory(ctx.data.spec, "build", memoryFile);
  m.memory_after_restart = rawHnswlibMemory(ctx.data.spec, "load", memoryFile);
  let index = newIndex(ctx);
  const addRows = async (rows: number[]) => {
    for (const row of rows) index.addPoint(Array.from(rowVector(ctx.data, row)), row);
  };
  m.ingest_1_writer = await timedIngest(ctx, rowRange(0, ctx.data.spec.count), 1, addRows);
  m.ingest_concurrent_writers = notAvailable("addPoint is synchronous on the JS thread; one writer only (all rows went through ingest_1_writer)");
  const sweeps: Sweeps = {};
  const tuning: Tuning<number> = { settings: EF_SWEEP, label: (ef) => `ef ${ef}`, apply: (ef) => index.setEf(ef) };
  const matrix = { noConcurrency: NO_CONCURRENCY, tuning };
  await measureQueryMatrix(ctx, searchWith(ctx, () => index), { afterDelete: false, ...matrix }, m, sweeps);
  const file = join(ctx.workDir, "hnsw.bin");
  m.disk_after_ingest = { bytes_on_disk: saveSize(index, file), note: "writeIndexSync file (the library keeps nothing on disk by itself; no durability)" };
  m.delete = await timedDelete(ctx, async (rows) => {
    for (const row of rows) index.markDelete(row);
  });
  await measureQueryMatrix(ctx, searchWith(ctx, () => index), { afterDelete: true, kinds: ["none", "category"], ...matrix }, m, sweeps);
  m.disk_after_delete = { bytes_on_disk: saveSize(index, file), note: "markDelete keeps the slots: the file does not shrink" };
  m.disk_after_compaction = notAvailable("hnswlib has no compaction: deleted slots can only be reused by replaceDeleted inserts");
  index = await restart(ctx, file, index.getEf(), m);
  return {
    system: "hnswlib",
    settings: { library: "hnswlib-node 3.0.0 (in-process)", space: "ip on unit vectors", ...BUILD, ef: "tuned per filter and phase to the recall target, see each measurement's setting", ef_sweep: EF_SWEEP, filter: "JS predicate callback" },
    measurements: m,
    sweeps,
  };
}
