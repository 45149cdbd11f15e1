// ossv measured as a user sees it: `ossv serve` in its own process, every call through @ossv/sdk over
// HTTP on loopback. Durability is always on in the engine (each acknowledged batch is fsynced).
import { createWriteStream, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import type { VectorsClient } from "@ossv/sdk";
import { metadataOf, rowVector, vectorKey } from "../lib/dataset.ts";
import { measureQueryMatrix, rowRange, timedDelete, timedIngest, type BenchContext, type Sweeps } from "../lib/suite.ts";
import type { Measurement, SystemReport } from "../lib/report-types.ts";
import { bytesOnDisk, mainThreadCpuSeconds, ownCpuSeconds, processCpuSeconds, residentBytes } from "../lib/system-stats.ts";
import { adminFor, buildIndex, BUCKET, clientFor, createBenchIndex, describeShape, INDEX, putRows, searchWith, waitForGraphs } from "./ossv-calls.ts";
import { startOssvServer, type RunningServer } from "./ossv-server.ts";
import { runImportCommand } from "./ossv-import.ts";

/** The fresh index the JSON Lines import writes into (same server, same bucket). */
const IMPORT_INDEX = "imported";

async function ingest(ctx: BenchContext, server: RunningServer, client: VectorsClient, into: Record<string, Measurement>): Promise<void> {
  await createBenchIndex(ctx, client);
  const half = Math.floor(ctx.data.spec.count / 2);
  into.ingest_1_writer = await withCpu(server, () => timedIngest(ctx, rowRange(0, half), 1, putRows(ctx, client)));
  into.ingest_concurrent_writers = await withCpu(server, () => timedIngest(ctx, rowRange(half, ctx.data.spec.count), ctx.profile.concurrentWriters, putRows(ctx, client)));
}

/**
 * An ingest measurement with the CPU it took: the server's and the client's (this process) seconds,
 * and the cores they kept busy together, so an import's cost per vector can be set against it.
 */
async function withCpu(server: RunningServer, measure: () => Promise<Measurement>): Promise<Measurement> {
  const serverCpu = serverCpuMeter(server);
  const clientBefore = ownCpuSeconds();
  const started = performance.now();
  const measurement = await measure();
  const seconds = (performance.now() - started) / 1000;
  const serverFigures = serverCpu.read();
  const clientCpu = ownCpuSeconds() - clientBefore;
  const vectors = (measurement as { vectors: number }).vectors;
  return { ...measurement, ...serverFigures, client_cpu_s: clientCpu, ...cpuFigures(serverFigures.server_cpu_s + clientCpu, seconds, vectors) };
}

/**
 * The server's CPU seconds from now to read(): all of it, and its main thread's (requests, flushes and
 * merges) apart from the rest (the graph-build worker above all), which a longer run catches more of.
 */
function serverCpuMeter(server: RunningServer): { read(): { server_cpu_s: number; server_main_thread_cpu_s: number } } {
  const before = processCpuSeconds(server.pid);
  const mainBefore = mainThreadCpuSeconds(server.pid);
  return {
    read: () => ({ server_cpu_s: processCpuSeconds(server.pid) - before, server_main_thread_cpu_s: mainThreadCpuSeconds(server.pid) - mainBefore }),
  };
}

/** Cores kept busy over a run, and CPU microseconds per vector written. */
function cpuFigures(cpuSeconds: number, seconds: number, vectors: number): { cores_busy: number; cpu_us_per_vector: number } {
  return { cores_busy: cpuSeconds / seconds, cpu_us_per_vector: (cpuSeconds / vectors) * 1e6 };
}

/** Process start to the first answered query on the data already on disk. */
async function restart(ctx: BenchContext, dataDir: string, into: Record<string, Measurement>): Promise<RunningServer> {
  const server = await startOssvServer(dataDir);
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
 * The server's memory at rest: read once the garbage collection it runs a second after its background
 * work (or its recovery) settles has been and gone (packages/engine/src/base/memory-reclaimer.ts).
 */
const AT_REST_MS = 3_000;

async function memory(server: RunningServer, idleRss: number, vectors: number): Promise<Measurement> {
  await new Promise((resolve) => setTimeout(resolve, AT_REST_MS));
  const rss = residentBytes(server.pid);
  return { rss_bytes: rss, rss_bytes_idle_server: idleRss, rss_bytes_per_vector: (rss - idleRss) / vectors, vectors, note: `read ${AT_REST_MS / 1000} s after the work settled` };
}

/** Writes every row as JSON Lines (key, data, metadata), as an export would; not timed. */
async function writeJsonl(ctx: BenchContext, file: string): Promise<number> {
  const out = createWriteStream(file);
  const chunk: string[] = [];
  let chunkChars = 0;
  for (let row = 0; row < ctx.data.spec.count; row++) {
    // Array.from: a float32 widened to a double prints as the shortest double, which reads back exact.
    const line = JSON.stringify({ key: vectorKey(row), data: Array.from(rowVector(ctx.data, row)), metadata: metadataOf(ctx.data, row) }) + "\n";
    chunk.push(line);
    chunkChars += line.length;
    if (chunkChars >= 1 << 20) {
      if (!out.write(chunk.join(""))) await once(out, "drain");
      chunk.length = 0;
      chunkChars = 0;
    }
  }
  out.end(chunk.join(""));
  await once(out, "finish");
  return statSync(file).size;
}

/**
 * Issue #19: the whole data set as a JSON Lines file, imported by `ossv vectors import` (the built
 * command, in its own process, as a user runs it) into a fresh index of a fresh server; timed from
 * the command's spawn to its exit (start-up, reading and parsing included). Its like-for-like peer is
 * the SDK writing the same rows the same way, into a fresh server too, just before (ingest_whole_set);
 * the main ingest's two halves are set beside it as well.
 */
async function importJsonl(ctx: BenchContext, into: Record<string, Measurement>): Promise<void> {
  const file = join(ctx.workDir, "dataset.jsonl");
  const bytes = await writeJsonl(ctx, file);
  const concurrency = ctx.profile.concurrentWriters;
  try {
    into.ingest_whole_set = await withFreshIndex(ctx, "ossv-sdk-whole-data", (server, client) =>
      withCpu(server, () => timedIngest(ctx, rowRange(0, ctx.data.spec.count), concurrency, putRows(ctx, client, IMPORT_INDEX))));
    into.import_jsonl = await withFreshIndex(ctx, "ossv-import-data", (server) => timedImport(ctx, server, file, bytes, into));
  } finally {
    rmSync(file, { force: true });
  }
}

/** Runs `measure` against a fresh server holding one empty index, IMPORT_INDEX, then removes it all. */
async function withFreshIndex(ctx: BenchContext, name: string, measure: (server: RunningServer, client: VectorsClient) => Promise<Measurement>): Promise<Measurement> {
  const dataDir = join(ctx.workDir, name);
  const server = await startOssvServer(dataDir);
  try {
    const client = clientFor(server);
    await createBenchIndex(ctx, client, IMPORT_INDEX);
    return await measure(server, client);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function timedImport(ctx: BenchContext, server: RunningServer, file: string, bytes: number, sdkRuns: Record<string, Measurement>): Promise<Measurement> {
  const concurrency = ctx.profile.concurrentWriters;
  const meter = serverCpuMeter(server);
  const run = await runImportCommand({ port: server.port, file, bucket: BUCKET, index: IMPORT_INDEX, batchSize: ctx.profile.batchSize, concurrency });
  const { server_cpu_s: serverCpu, server_main_thread_cpu_s: serverMainCpu } = meter.read();
  if (run.rows !== ctx.data.spec.count) throw new Error(`ossv vectors import reported ${run.rows} of ${ctx.data.spec.count} rows`);
  const rate = run.rows / run.seconds;
  const cpu = cpuFigures(serverCpu + run.cpuSeconds, run.seconds, run.rows);
  const perVector = (seconds: number, vectors = run.rows) => Math.round((seconds / vectors) * 1e6);
  const sdk = (name: string) => sdkRuns[name] as { vectors_per_s: number; cpu_us_per_vector: number; cores_busy: number; server_main_thread_cpu_s: number; vectors: number };
  const [concurrent, oneWriter, wholeSet] = [sdk("ingest_concurrent_writers"), sdk("ingest_1_writer"), sdk("ingest_whole_set")];
  ctx.log(`    cli_import_jsonl ${run.rows} rows (${(bytes / 2 ** 20).toFixed(0)} MiB, ${concurrency} in flight): ${Math.round(rate)} vectors/s; `
    + `${(rate / wholeSet.vectors_per_s).toFixed(2)}x the SDK's ingest of the same rows into a fresh index (${Math.round(wholeSet.vectors_per_s)}), `
    + `${(rate / concurrent.vectors_per_s).toFixed(2)}x its concurrent-writers ingest (${Math.round(concurrent.vectors_per_s)}), ${(rate / oneWriter.vectors_per_s).toFixed(2)}x its 1-writer ingest; `
    + `CPU ${Math.round(cpu.cpu_us_per_vector)} us/vector (server ${perVector(serverCpu)} of which its main thread ${perVector(serverMainCpu)}, command ${perVector(run.cpuSeconds)}) `
    + `against ${Math.round(wholeSet.cpu_us_per_vector)} for the SDK's (server main thread ${perVector(wholeSet.server_main_thread_cpu_s, wholeSet.vectors)}; `
    + `cores busy ${cpu.cores_busy.toFixed(2)} vs ${wholeSet.cores_busy.toFixed(2)})`);
  return {
    vectors_per_s: rate, vectors: run.rows, seconds: run.seconds, file_bytes: bytes, batch_size: ctx.profile.batchSize, concurrency,
    server_cpu_s: serverCpu, server_main_thread_cpu_s: serverMainCpu, command_cpu_s: run.cpuSeconds, ...cpu,
    ratio_to_sdk_whole_set: rate / wholeSet.vectors_per_s,
    ratio_to_sdk_ingest: rate / concurrent.vectors_per_s,
    ratio_to_sdk_ingest_1_writer: rate / oneWriter.vectors_per_s,
    // When both runs keep every core busy, vectors/s can be at most this share of the SDK's.
    cpu_ratio_to_sdk_whole_set: wholeSet.cpu_us_per_vector / cpu.cpu_us_per_vector,
    note: "ossv vectors import (packages/cli/bin/ossv.js, its own process) into a fresh server. ratio_to_sdk_whole_set is against ingest_whole_set: "
      + `the SDK writing the same ${run.rows} rows into a fresh server with the same ${concurrency} requests in flight, the like-for-like run; `
      + "ratio_to_sdk_ingest and ratio_to_sdk_ingest_1_writer are against the two halves of the main ingest (into a non-empty index, with the graph builds of "
      + "the rows they wrote mostly after their window)",
  };
}

export async function benchOssv(ctx: BenchContext): Promise<SystemReport> {
  const dataDir = join(ctx.workDir, "ossv-data");
  const m: Record<string, Measurement> = {};
  const sweeps: Sweeps = {};
  const auto = { fixedSetting: "engine default (ef measured per graph at build for recall >= 0.97)" };
  let server = await startOssvServer(dataDir);
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
    server = await restart(ctx, dataDir, m);
    client = clientFor(server);
    m.disk_after_restart = { bytes_on_disk: bytesOnDisk(dataDir), note: "after a clean shutdown and recovery (WAL replay / checkpoint)" };
    m.memory_after_restart = await memory(server, idleRss, ctx.data.spec.count - (m.delete as { keys: number }).keys);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  // Last and on a server of its own, so that it disturbs none of the figures above.
  await importJsonl(ctx, m);
  return {
    system: "ossv",
    settings: { engine: "memtable (exact) + immutable HNSW segments (hnswlib-node, M 16, efConstruction 160, ef measured per graph), packages/engine", transport: "HTTP/1.1 on loopback via @ossv/sdk, retries off", metric: "cosine", durability: "fsync per acknowledged batch", server: "separate process: node packages/cli/bin/ossv.js serve" },
    measurements: m,
    sweeps,
  };
}
