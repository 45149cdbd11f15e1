// ossv measured as a user sees it: `ossv serve` in its own process, every call through @ossv/sdk over
// HTTP on loopback. Durability is always on in the engine (each acknowledged batch is fsynced).
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { VectorsClient } from "@ossv/sdk";
import { vectorKey } from "../lib/dataset.ts";
import { measureQueryMatrix, rowRange, timedDelete, timedIngest, type BenchContext, type Sweeps } from "../lib/suite.ts";
import type { Measurement, SystemReport } from "../lib/report-types.ts";
import { bytesOnDisk, residentBytes } from "../lib/system-stats.ts";
import { adminFor, buildIndex, BUCKET, clientFor, createBenchIndex, describeShape, INDEX, putRows, searchWith, waitForGraphs } from "./ossv-calls.ts";
import { startOssvServer, type RunningServer } from "./ossv-server.ts";
import { importJsonl, IMPORT_PAIRS } from "./ossv-import-cell.ts";
import { pairedInt8Cells } from "./ossv-int8-paired.ts";
import { withCpu } from "./ossv-cpu.ts";

async function ingest(ctx: BenchContext, server: RunningServer, client: VectorsClient, into: Record<string, Measurement>): Promise<void> {
  await createBenchIndex(ctx, client);
  const half = Math.floor(ctx.data.spec.count / 2);
  into.ingest_1_writer = await withCpu(server, () => timedIngest(ctx, rowRange(0, half), 1, putRows(ctx, client)));
  into.ingest_concurrent_writers = await withCpu(server, () => timedIngest(ctx, rowRange(half, ctx.data.spec.count), ctx.profile.concurrentWriters, putRows(ctx, client)));
}

/** Process start to the first answered query on the data already on disk. */
async function restart(ctx: BenchContext, dataDir: string, args: string[], into: Record<string, Measurement>): Promise<RunningServer> {
  const server = await startOssvServer(dataDir, { args });
  await searchWith(ctx, clientFor(server))("none")(0);
  const answeredAt = performance.now();
  const seconds = (answeredAt - server.spawnedAt) / 1000;
  into.restart = {
    seconds_to_first_query: seconds, seconds_listening_to_first_query: (answeredAt - server.listeningAt) / 1000,
    note: "spawn of `node ossv.js serve` (tsx start-up and recovery included) to the first answered QueryVectors",
  };
  ctx.log(`    restart to first query: ${seconds.toFixed(2)} s (${((answeredAt - server.listeningAt) / 1000).toFixed(2)} s after listening)`);
  return server;
}

/**
 * The server's memory at rest: first read once the garbage collection it runs a second after its
 * background work (or its recovery) settles has been and gone (packages/engine/src/base/memory-reclaimer.ts),
 * then once a second until it holds still, so that the figure is known to be at rest. A single reading
 * at 3 s measured the same build's float32 server at 3,448 and 4,153 B a vector after a 50k x 768
 * ingest in two runs; read this way in two more, it was already still at 3 s both times, so that
 * spread is the heap's from run to run, not the reading's timing.
 */
const AT_REST_MS = 3_000;
const MAX_AT_REST_MS = 20_000;
/** Readings in a row, a second apart, within this fraction of each other: the server holds still. */
const STEADY_READINGS = 3;
const STEADY_WITHIN = 0.005;

async function memory(server: RunningServer, idleRss: number, vectors: number): Promise<Measurement> {
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(AT_REST_MS);
  let waited = AT_REST_MS;
  const readings = [residentBytes(server.pid)];
  const steady = () => {
    const last = readings.slice(-STEADY_READINGS);
    return last.length === STEADY_READINGS && Math.max(...last) - Math.min(...last) <= STEADY_WITHIN * Math.max(...last);
  };
  while (!steady() && waited < MAX_AT_REST_MS) {
    await sleep(1_000);
    waited += 1_000;
    readings.push(residentBytes(server.pid));
  }
  const rss = readings.at(-1)!;
  return {
    rss_bytes: rss, rss_bytes_idle_server: idleRss, rss_bytes_per_vector: (rss - idleRss) / vectors, vectors,
    rss_bytes_first_reading: readings[0]!, seconds_after_settling: waited / 1000,
    note: `read ${AT_REST_MS / 1000} s after the work settled, then each second until ${STEADY_READINGS} readings in a row agreed within ${STEADY_WITHIN * 100} % (at most ${MAX_AT_REST_MS / 1000} s)`,
  };
}

/** One way of running `ossv serve`: the default, or with options such as --quantization int8. */
interface Variant {
  system: string;
  args: string[];
  /** What the variant's vectors are held as, for the report's settings. */
  vectors: string;
  /** Whether the JSON Lines import cell runs after it (once per run is enough). */
  importCell: boolean;
  /** Whether its directory is then served with int8 and float32 side by side for paired cells (ossv-int8-paired.ts). */
  pairedCells?: boolean;
}

export const benchOssv = (ctx: BenchContext) => benchOssvVariant(ctx, {
  system: "ossv", args: ["--quantization", "off"], vectors: "float32 inside the graphs (--quantization off)", importCell: true,
});

/** The same cells with int8 codes in memory and float32 re-ranked from disk, for the ratio to float32 in one run. */
export const benchOssvInt8 = (ctx: BenchContext) => benchOssvVariant(ctx, {
  system: "ossv-int8", args: ["--quantization", "int8"], vectors: "int8 codes in the graphs, float32 read from the segment files to re-rank (--quantization int8)", importCell: false, pairedCells: true,
});

async function benchOssvVariant(ctx: BenchContext, variant: Variant): Promise<SystemReport> {
  const { args } = variant;
  const dataDir = join(ctx.workDir, `${variant.system}-data`);
  const m: Record<string, Measurement> = {};
  const sweeps: Sweeps = {};
  const auto = { fixedSetting: "engine default (ef measured per graph at build for recall >= 0.97)" };
  let server = await startOssvServer(dataDir, { args });
  try {
    const idleRss = residentBytes(server.pid);
    let client = clientFor(server);
    await ingest(ctx, server, client, m);
    const built = await buildIndex(server);
    m.index_build = {
      seconds: built.seconds,
      note: `background HNSW builds after the last acknowledged put (${built.flushSeconds.toFixed(1)} s), then ossv admin index compact: ${describeShape(built.shape)}`,
    };
    ctx.log(`    index built ${built.seconds.toFixed(1)} s after ingest: ${describeShape(built.shape)}`);
    m.memory_after_ingest = await memory(server, idleRss, ctx.data.spec.count);
    m.disk_after_ingest = { bytes_on_disk: bytesOnDisk(dataDir) };
    await measureQueryMatrix(ctx, searchWith(ctx, client), { afterDelete: false, ...auto }, m, sweeps);
    m.delete = await timedDelete(ctx, (rows) => client.deleteVectors({ bucket: BUCKET, indexName: INDEX, keys: rows.map(vectorKey) }).then(() => undefined));
    const settled = await waitForGraphs(server);
    m.disk_after_delete = { bytes_on_disk: bytesOnDisk(dataDir), note: `after automatic compaction settled (${settled.seconds.toFixed(1)} s): ${describeShape(settled.shape)}` };
    await measureQueryMatrix(ctx, searchWith(ctx, client), { afterDelete: true, kinds: ["none", "category"], ...auto }, m, sweeps);
    const compactStarted = performance.now();
    await adminFor(server).compactIndex(BUCKET, INDEX);
    const compacted = await waitForGraphs(server);
    m.disk_after_compaction = {
      bytes_on_disk: bytesOnDisk(dataDir), seconds: (performance.now() - compactStarted) / 1000,
      note: `ossv admin index compact: ${describeShape(compacted.shape)}`,
    };
    await server.stop();
    server = await restart(ctx, dataDir, args, m);
    // A restart answers from segments opened mapped, then places them (in memory, as the budget
    // allows) in the background: memory and queries are measured once that is done.
    await waitForGraphs(server);
    client = clientFor(server);
    m.disk_after_restart = { bytes_on_disk: bytesOnDisk(dataDir), note: "after a clean shutdown and recovery (WAL replay / checkpoint)" };
    m.memory_after_restart = await memory(server, idleRss, ctx.data.spec.count - (m.delete as { keys: number }).keys);
    await server.stop();
    if (variant.pairedCells) await pairedInt8Cells(ctx, dataDir, m);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Last and on a server of its own, so that it disturbs none of the figures above.
  if (variant.importCell) await importJsonl(ctx, m, { pairs: IMPORT_PAIRS, settle: false });
  return {
    system: variant.system,
    settings: { engine: "memtable (exact) + immutable HNSW segments (hnswlib through packages/hnsw, M 16, efConstruction 160, ef measured per graph), packages/engine", vectors: variant.vectors, transport: "HTTP/1.1 on loopback via @ossv/sdk, retries off", metric: "cosine", durability: "fsync per acknowledged batch", server: "separate process: node packages/cli/bin/ossv.js serve" },
    measurements: m,
    sweeps,
  };
}

