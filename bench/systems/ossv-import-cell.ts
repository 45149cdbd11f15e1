// Issue #19's figure: the whole data set as a JSON Lines file, imported by `ossv vectors import` (the
// built command, in its own process, as a user runs it) into a fresh index of a fresh server, timed
// from the command's spawn to its exit (start-up, reading and parsing included). Its like-for-like
// peer is the SDK writing the same rows the same way into a fresh server just before
// (ingest_whole_set); the main ingest's two halves are set beside it when the run has them.
//
// Both runs keep the two cores busy, and how much of the background work their rows cause (flushes,
// merges, graph builds) lands inside each window moves either figure by 10-25 % from one run to the
// next. So the cell runs several SDK/import pairs and reports the pair with the median ratio, and
// every pair's ratio beside it.
import { createWriteStream, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import type { VectorsClient } from "@ossv/sdk";
import { metadataOf, rowVector, vectorKey } from "../lib/dataset.ts";
import { rowRange, timedIngest, type BenchContext } from "../lib/suite.ts";
import type { Measurement, SystemReport } from "../lib/report-types.ts";
import { processCpuSeconds } from "../lib/system-stats.ts";
import { BUCKET, clientFor, createBenchIndex, describeShape, putRows, waitForGraphs } from "./ossv-calls.ts";
import { cpuFigures, serverCpuMeter, withCpu } from "./ossv-cpu.ts";
import { runImportCommand } from "./ossv-import.ts";
import { startOssvServer, type RunningServer } from "./ossv-server.ts";

/** The fresh index the SDK and the import write into. */
const IMPORT_INDEX = "imported";

export interface ImportCellOptions {
  /** SDK/import pairs run one after the other; the median pair is reported. */
  pairs: number;
  /**
   * Also wait, after each window, until the server's background work has settled, and report the
   * server's CPU per vector up to then: the whole cost of the rows, of which a shorter window leaves
   * more outside (about a minute per run at 200k rows).
   */
  settle: boolean;
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
 * Runs the pairs and puts the median pair's figures in `into` (ingest_whole_set, import_jsonl);
 * `into` may already hold the main ingest's halves, which the import is set against too.
 */
export async function importJsonl(ctx: BenchContext, into: Record<string, Measurement>, options: ImportCellOptions): Promise<void> {
  const file = join(ctx.workDir, "dataset.jsonl");
  const bytes = await writeJsonl(ctx, file);
  const concurrency = ctx.profile.concurrentWriters;
  const pairs: { sdk: Measurement; imported: Measurement; ratio: number }[] = [];
  try {
    for (let pair = 0; pair < options.pairs; pair++) {
      const sdk = await withFreshIndex(ctx, "ossv-sdk-whole-data", options, (server, client) =>
        withCpu(server, () => timedIngest(ctx, rowRange(0, ctx.data.spec.count), concurrency, putRows(ctx, client, IMPORT_INDEX))));
      const imported = await withFreshIndex(ctx, "ossv-import-data", options, (server) => timedImport(ctx, server, file, bytes, { ...into, ingest_whole_set: sdk }));
      pairs.push({ sdk, imported, ratio: (imported as { ratio_to_sdk_whole_set: number }).ratio_to_sdk_whole_set });
    }
  } finally {
    rmSync(file, { force: true });
  }
  const ratios = pairs.map((pair) => pair.ratio);
  const median = [...pairs].sort((a, b) => a.ratio - b.ratio)[Math.floor((pairs.length - 1) / 2)]!;
  ctx.log(`    import / SDK ingest of the same rows, ${pairs.length} pairs: ${ratios.map((ratio) => ratio.toFixed(2)).join(", ")} (median ${median.ratio.toFixed(2)})`);
  into.ingest_whole_set = median.sdk;
  into.import_jsonl = { ...median.imported, pairs: pairs.length, pair_ratios: ratios.map((ratio) => ratio.toFixed(3)).join(", ") };
}

/**
 * Runs `measure` against a fresh server holding one empty index, IMPORT_INDEX, then removes it all;
 * with `settle`, waits for the background work first and adds what the server spent until then.
 */
async function withFreshIndex(ctx: BenchContext, name: string, options: ImportCellOptions, measure: (server: RunningServer, client: VectorsClient) => Promise<Measurement>): Promise<Measurement> {
  const dataDir = join(ctx.workDir, name);
  const server = await startOssvServer(dataDir);
  try {
    const client = clientFor(server);
    await createBenchIndex(ctx, client, IMPORT_INDEX);
    const cpuBefore = processCpuSeconds(server.pid);
    const measured = await measure(server, client);
    if (!options.settle) return measured;
    const settled = await waitForGraphs(server, IMPORT_INDEX);
    const vectors = (measured as { vectors: number }).vectors;
    const cpuSettled = processCpuSeconds(server.pid) - cpuBefore;
    ctx.log(`    ${name}: server CPU until its background work settled ${Math.round((cpuSettled / vectors) * 1e6)} us/vector (${settled.seconds.toFixed(1)} s after the window; ${describeShape(settled.shape)})`);
    return { ...measured, server_cpu_s_until_settled: cpuSettled, seconds_to_settle: settled.seconds, settled_shape: describeShape(settled.shape) };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One import run, set against its pair's SDK run (wholeSet) and the main ingest's halves when there are any. */
async function timedImport(ctx: BenchContext, server: RunningServer, file: string, bytes: number, sdkRuns: Record<string, Measurement>): Promise<Measurement> {
  const concurrency = ctx.profile.concurrentWriters;
  const meter = serverCpuMeter(server);
  const run = await runImportCommand({ port: server.port, file, bucket: BUCKET, index: IMPORT_INDEX, batchSize: ctx.profile.batchSize, concurrency });
  const { server_cpu_s: serverCpu, server_main_thread_cpu_s: serverMainCpu } = meter.read();
  if (run.rows !== ctx.data.spec.count) throw new Error(`ossv vectors import reported ${run.rows} of ${ctx.data.spec.count} rows`);
  const rate = run.rows / run.seconds;
  const cpu = cpuFigures(serverCpu + run.cpuSeconds, run.seconds, run.rows);
  const perVector = (seconds: number, vectors = run.rows) => Math.round((seconds / vectors) * 1e6);
  type SdkRun = { vectors_per_s: number; cpu_us_per_vector: number; cores_busy: number; server_main_thread_cpu_s: number; vectors: number };
  const sdk = (name: string) => sdkRuns[name] as SdkRun | undefined;
  const wholeSet = sdk("ingest_whole_set")!;
  // The main ingest's halves exist in a full ossv run, not in the import-only one (--systems ossv-import).
  const [concurrent, oneWriter] = [sdk("ingest_concurrent_writers"), sdk("ingest_1_writer")];
  const halves = concurrent && oneWriter
    ? `, ${(rate / concurrent.vectors_per_s).toFixed(2)}x its concurrent-writers ingest (${Math.round(concurrent.vectors_per_s)}), ${(rate / oneWriter.vectors_per_s).toFixed(2)}x its 1-writer ingest`
    : "";
  ctx.log(`    cli_import_jsonl ${run.rows} rows (${(bytes / 2 ** 20).toFixed(0)} MiB, ${concurrency} in flight): ${Math.round(rate)} vectors/s; `
    + `${(rate / wholeSet.vectors_per_s).toFixed(2)}x the SDK's ingest of the same rows into a fresh index (${Math.round(wholeSet.vectors_per_s)})${halves}; `
    + `CPU ${Math.round(cpu.cpu_us_per_vector)} us/vector (server ${perVector(serverCpu)} of which its main thread ${perVector(serverMainCpu)}, command ${perVector(run.cpuSeconds)}) `
    + `against ${Math.round(wholeSet.cpu_us_per_vector)} for the SDK's (server main thread ${perVector(wholeSet.server_main_thread_cpu_s, wholeSet.vectors)}; `
    + `cores busy ${cpu.cores_busy.toFixed(2)} vs ${wholeSet.cores_busy.toFixed(2)})`);
  return {
    vectors_per_s: rate, vectors: run.rows, seconds: run.seconds, file_bytes: bytes, batch_size: ctx.profile.batchSize, concurrency,
    server_cpu_s: serverCpu, server_main_thread_cpu_s: serverMainCpu, command_cpu_s: run.cpuSeconds, ...cpu,
    ratio_to_sdk_whole_set: rate / wholeSet.vectors_per_s,
    ...(concurrent && oneWriter ? { ratio_to_sdk_ingest: rate / concurrent.vectors_per_s, ratio_to_sdk_ingest_1_writer: rate / oneWriter.vectors_per_s } : {}),
    // When both runs keep every core busy, vectors/s can be at most this share of the SDK's.
    cpu_ratio_to_sdk_whole_set: wholeSet.cpu_us_per_vector / cpu.cpu_us_per_vector,
    note: "ossv vectors import (packages/cli/bin/ossv.js, its own process) into a fresh server. ratio_to_sdk_whole_set is against ingest_whole_set: "
      + `the SDK writing the same ${run.rows} rows into a fresh server with the same ${concurrency} requests in flight, the like-for-like run; `
      + "ratio_to_sdk_ingest and ratio_to_sdk_ingest_1_writer are against the two halves of the main ingest (into a non-empty index, with the graph builds of "
      + "the rows they wrote mostly after their window)",
  };
}

/** SDK/import pairs per run (see the file's comment). */
export const IMPORT_PAIRS = 3;

/**
 * Issue #19's figure alone (`--systems ossv-import`): the SDK's ingest of the whole data set and the
 * JSON Lines import of it, each into a fresh server, without the rest of the ossv run (minutes, not
 * an hour); the same cell as the end of a full run, with the settled cost of each run as well.
 */
export async function benchOssvImport(ctx: BenchContext): Promise<SystemReport> {
  const m: Record<string, Measurement> = {};
  await importJsonl(ctx, m, { pairs: IMPORT_PAIRS, settle: true });
  return {
    system: "ossv-import",
    settings: { import: "ossv vectors import FILE --batch-size 500, its own process", peer: "@ossv/sdk putVectors of the same rows, same requests in flight, in the bench process" },
    measurements: m,
    sweeps: {},
  };
}
