// LanceDB embedded (in-process, data in a local directory): the nearest open-source peer. Rows go in
// through table.add in batches of the same size as ours; then the vector index (IVF-PQ with refine)
// and scalar indexes for the filter columns are built, and nprobes/refine are tuned to the recall target.
import { join } from "node:path";
import * as lancedb from "@lancedb/lancedb";
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from "apache-arrow";
import { CATEGORY_VALUE, TENANT_VALUE, metadataOf, queryVector, rowVector, type FilterKind } from "../lib/dataset.ts";
import { K } from "../lib/ground-truth.ts";
import { measureQueryMatrix, rowRange, timedDelete, timedIngest, type BenchContext, type FilteredSearch, type Sweeps, type Tuning } from "../lib/suite.ts";
import { notAvailable, type Measurement, type SystemReport } from "../lib/report-types.ts";
import { bytesOnDisk, inProcessRssPerVector, settledOwnRss } from "../lib/system-stats.ts";

interface SearchSetting {
  nprobes: number;
  refineFactor: number;
}

const SWEEP: SearchSetting[] = [
  { nprobes: 5, refineFactor: 5 }, { nprobes: 10, refineFactor: 5 }, { nprobes: 10, refineFactor: 10 },
  { nprobes: 20, refineFactor: 10 }, { nprobes: 40, refineFactor: 10 }, { nprobes: 80, refineFactor: 20 },
  { nprobes: 160, refineFactor: 20 }, { nprobes: 320, refineFactor: 30 },
];

function schemaFor(dimension: number): Schema {
  return new Schema([
    new Field("id", new Int32(), false),
    new Field("vector", new FixedSizeList(dimension, new Field("item", new Float32(), true)), false),
    new Field("category", new Utf8(), false),
    new Field("tenant", new Utf8(), false),
    new Field("year", new Int32(), false),
  ]);
}

function whereFor(kind: FilterKind): string | undefined {
  if (kind === "category") return `category = 'c${CATEGORY_VALUE}'`;
  if (kind === "tenant") return `tenant = 't${TENANT_VALUE}'`;
  return undefined;
}

function indexSettings(ctx: BenchContext) {
  const { count, dimension } = ctx.data.spec;
  // sqrt(N) partitions (LanceDB's own guidance), 8 dimensions per PQ sub-vector.
  return { numPartitions: Math.max(1, Math.round(Math.sqrt(count))), numSubVectors: dimension / 8, distanceType: "cosine" as const };
}

class LanceHarness {
  setting: SearchSetting = SWEEP[0]!;
  constructor(readonly ctx: BenchContext, public table: lancedb.Table) {}

  search(): FilteredSearch {
    return (kind) => {
      const where = whereFor(kind);
      return async (query) => {
        let request = this.table.vectorSearch(queryVector(this.ctx.data, query)).distanceType("cosine")
          .nprobes(this.setting.nprobes).refineFactor(this.setting.refineFactor).select(["id", "_distance"]).limit(K);
        if (where) request = request.where(where);
        const rows = await request.toArray();
        return rows.map((row: { id: number }) => row.id);
      };
    };
  }

  async addRows(rows: number[]): Promise<void> {
    await this.table.add(rows.map((row) => ({ id: row, vector: Array.from(rowVector(this.ctx.data, row)), ...metadataOf(this.ctx.data, row) })));
  }
}

async function buildIndexes(h: LanceHarness, into: Record<string, Measurement>): Promise<void> {
  let started = performance.now();
  await h.table.optimize(); // merge the one-fragment-per-batch files before training the index
  const compactSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  await h.table.createIndex("vector", { config: lancedb.Index.ivfPq(indexSettings(h.ctx)) });
  for (const column of ["category", "tenant"]) await h.table.createIndex(column, { config: lancedb.Index.bitmap() });
  await h.table.createIndex("id", { config: lancedb.Index.btree() });
  const indexSeconds = (performance.now() - started) / 1000;
  into.index_build = { seconds: indexSeconds, compact_before_index_s: compactSeconds, note: "IVF-PQ on vector, bitmap on category/tenant, btree on id; not in ingest vectors/s" };
  h.ctx.log(`    optimize ${compactSeconds.toFixed(1)} s, index build ${indexSeconds.toFixed(1)} s`);
}

async function ingest(h: LanceHarness, into: Record<string, Measurement>): Promise<void> {
  const half = Math.floor(h.ctx.data.spec.count / 2);
  into.ingest_1_writer = await timedIngest(h.ctx, rowRange(0, half), 1, (rows) => h.addRows(rows));
  try {
    into.ingest_concurrent_writers = await timedIngest(h.ctx, rowRange(half, h.ctx.data.spec.count), h.ctx.profile.concurrentWriters, (rows) => h.addRows(rows));
  } catch (error) {
    into.ingest_concurrent_writers = notAvailable(`concurrent table.add failed: ${(error as Error).message}`);
    await timedIngest(h.ctx, rowRange(half, h.ctx.data.spec.count), 1, (rows) => h.addRows(rows));
  }
}

function tuningOf(h: LanceHarness): Tuning<SearchSetting> {
  return {
    settings: SWEEP, label: (s) => `nprobes ${s.nprobes} refine ${s.refineFactor}`,
    apply: (s) => {
      h.setting = s;
    },
  };
}

async function deleteAndCompact(h: LanceHarness, dir: string, into: Record<string, Measurement>, sweeps: Sweeps): Promise<void> {
  into.delete = await timedDelete(h.ctx, (rows) => h.table.delete(`id IN (${rows.join(",")})`).then(() => undefined));
  await measureQueryMatrix(h.ctx, h.search(), { afterDelete: true, kinds: ["none", "category"], tuning: tuningOf(h) }, into, sweeps);
  into.disk_after_delete = { bytes_on_disk: bytesOnDisk(dir) };
  const started = performance.now();
  await h.table.optimize({ cleanupOlderThan: new Date(), deleteUnverified: true });
  into.disk_after_compaction = { bytes_on_disk: bytesOnDisk(dir), seconds: (performance.now() - started) / 1000, note: "table.optimize: compaction + cleanup of old versions" };
}

async function restart(h: LanceHarness, dir: string, into: Record<string, Measurement>): Promise<void> {
  h.table.close();
  const started = performance.now();
  const db = await lancedb.connect(dir);
  h.table = await db.openTable("vectors");
  await h.search()("none")(0);
  const seconds = (performance.now() - started) / 1000;
  into.restart = { seconds_to_first_query: seconds, note: "in-process connect + openTable + first query (no process start)" };
  h.ctx.log(`    restart (reopen) to first query: ${seconds.toFixed(2)} s`);
}

export async function benchLanceDb(ctx: BenchContext): Promise<SystemReport> {
  const m: Record<string, Measurement> = {};
  const dir = join(ctx.workDir, "lancedb");
  const rssBefore = settledOwnRss();
  const db = await lancedb.connect(dir);
  const h = new LanceHarness(ctx, await db.createEmptyTable("vectors", schemaFor(ctx.data.spec.dimension)));
  await ingest(h, m);
  await buildIndexes(h, m);
  m.disk_after_ingest = { bytes_on_disk: bytesOnDisk(dir), note: "after optimize and index build" };
  const sweeps: Sweeps = {};
  await measureQueryMatrix(ctx, h.search(), { afterDelete: false, tuning: tuningOf(h) }, m, sweeps);
  m.memory_after_ingest = inProcessRssPerVector(rssBefore, ctx.data.spec.count);
  await deleteAndCompact(h, dir, m, sweeps);
  await restart(h, dir, m);
  h.table.close();
  return {
    system: "lancedb",
    settings: { library: "@lancedb/lancedb 0.31.0 (embedded, in-process)", index: "IVF_PQ", ...indexSettings(ctx), search: "nprobes/refineFactor tuned per filter and phase to the recall target, see each measurement's setting", sweep: SWEEP, filter: "where() prefilter with bitmap scalar indexes", add_batch: ctx.profile.batchSize },
    measurements: m,
    sweeps,
  };
}
