// The capacity cell (`npm run bench -- --capacity 1000000`): an index several times larger than the
// memory it may use. The data set is ingested into a server with the default budget and measured in
// memory (float32 graphs); the server is then stopped and started again with --memory-budget at a third
// of the index's float32 vectors, so the engine serves what does not fit from the segment files: it
// opens segments without reading them whole and maps their graphs (vector-placement.ts). Measured
// there: start to first query, the server's own memory (anonymous RSS) against the budget beside the
// mapped file pages the kernel caches for it, recall, and query rates against the in-memory figures.
import { renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ServiceError, type VectorsClient } from "@ossv/sdk";
import type { FilterKind } from "../lib/dataset.ts";
import { measureQueryMatrix, rowRange, timedIngest, type BenchContext, type Sweeps } from "../lib/suite.ts";
import type { Measurement, SystemReport } from "../lib/report-types.ts";
import { bytesOnDisk, residentBytes, statusBytes } from "../lib/system-stats.ts";
import { adminFor, BUCKET, clientFor, createBenchIndex, describeShape, INDEX, putRows, searchWith, waitForGraphs, type IndexShape } from "./ossv-calls.ts";
import { withCpu } from "./ossv-cpu.ts";
import { startOssvServer, type RunningServer } from "./ossv-server.ts";

/** The filters measured in both phases: enough to compare, few enough for a cell of a million rows. */
const KINDS: readonly FilterKind[] = ["none", "category"];

/**
 * putRows, retrying a batch the server refuses with 503 ServiceUnavailable: at 768 dimensions writes
 * outrun graph builds, and the engine then makes writes wait and, past its stall time, refuses them
 * (packages/engine/src/maintenance/write-stall.ts). Any other failure still fails the run.
 */
function putRowsThroughStalls(ctx: BenchContext, client: VectorsClient, stalls: { count: number }) {
  const put = putRows(ctx, client);
  return async (rows: number[]) => {
    for (;;) {
      try {
        return await put(rows);
      } catch (error) {
        if (!(error instanceof ServiceError && error.statusCode === 503)) throw error;
        stalls.count++;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  };
}

/**
 * Waits for the graph builds and merges the ingest left, and past the idle merge that follows them
 * (10 s without writes), so queries are measured on an index no background work is changing. No
 * explicit compaction: at this size it would rewrite segments the engine already keeps under its size
 * limit, for many minutes.
 */
async function settle(server: RunningServer): Promise<{ seconds: number; shape: IndexShape }> {
  const started = performance.now();
  let settled = await waitForGraphs(server, INDEX, 120);
  for (let quiet = 0; quiet < 3; quiet++) {
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    settled = await waitForGraphs(server, INDEX, 120);
  }
  return { seconds: (performance.now() - started) / 1000, shape: settled.shape };
}

/** Resident anonymous and file-backed bytes of a process (/proc/PID/status). */
function residentSplit(pid: number): { anonymous: number; file: number } {
  return { anonymous: statusBytes(pid, "RssAnon"), file: statusBytes(pid, "RssFile") };
}

/** A settled memory reading, as ossv.ts takes its own: after the server's reclaimer has run. */
async function memoryOf(server: RunningServer, vectors: number, budget?: number): Promise<Measurement> {
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const rss = residentBytes(server.pid);
  const { anonymous, file } = residentSplit(server.pid);
  return {
    rss_bytes: rss, anonymous_rss_bytes: anonymous, file_rss_bytes: file, rss_bytes_per_vector: rss / vectors,
    anonymous_bytes_per_vector: anonymous / vectors,
    ...(budget !== undefined && { memory_budget_bytes: budget, anonymous_to_budget: anonymous / budget }),
    note: "anonymous: the process's own memory, what --memory-budget bounds; file: mapped segment pages the kernel caches (and drops under pressure)",
  };
}

/** Renames a phase's query cells: query_none_c1 -> <prefix>_none_c1. */
function prefixed(measurements: Record<string, Measurement>, prefix: string): Record<string, Measurement> {
  return Object.fromEntries(Object.entries(measurements).map(([name, value]) => [name.replace(/^query/, prefix), value]));
}

async function segmentsOnDisk(server: RunningServer): Promise<{ segments: number; mapped: number; codes: number }> {
  const described = await adminFor(server).describeIndex(BUCKET, INDEX) as { segments: Array<{ graphOnDisk?: boolean; vectorsOnDisk?: boolean }> };
  const mapped = described.segments.filter((segment) => segment.graphOnDisk).length;
  const codes = described.segments.filter((segment) => segment.vectorsOnDisk && !segment.graphOnDisk).length;
  return { segments: described.segments.length, mapped, codes };
}

/** OSSV_BENCH_KEEP_CAPACITY_DATA=DIR moves the index there instead of removing it, to profile its restart. */
function keepOrRemove(dataDir: string): void {
  const keep = process.env.OSSV_BENCH_KEEP_CAPACITY_DATA;
  if (keep) renameSync(dataDir, keep);
  else rmSync(dataDir, { recursive: true, force: true });
}

export async function benchOssvCapacity(ctx: BenchContext): Promise<SystemReport> {
  const { count, dimension } = ctx.data.spec;
  const floatBytes = count * dimension * 4;
  const budget = Math.floor(floatBytes / 3);
  const dataDir = join(ctx.workDir, "capacity-data");
  const m: Record<string, Measurement> = {};
  const sweeps: Sweeps = {};
  const auto = { fixedSetting: "engine default (ef measured per graph at build for recall >= 0.97)" };
  let server = await startOssvServer(dataDir, { args: ["--quantization", "off", "--graphs-on-disk", "never"] });
  try {
    const client = clientFor(server);
    await createBenchIndex(ctx, client);
    const stalls = { count: 0 };
    const ingest = putRowsThroughStalls(ctx, client, stalls);
    m.ingest_concurrent_writers = await withCpu(server, () => timedIngest(ctx, rowRange(0, count), ctx.profile.concurrentWriters, ingest));
    m.ingest_concurrent_writers = { ...m.ingest_concurrent_writers, batches_refused_503: stalls.count };
    const built = await settle(server);
    m.index_build = { seconds: built.seconds, note: `background builds and merges after the last acknowledged put: ${describeShape(built.shape)}` };
    ctx.log(`    index built ${built.seconds.toFixed(1)} s after ingest: ${describeShape(built.shape)}`);
    m.memory_in_memory = await memoryOf(server, count);
    m.disk_after_ingest = { bytes_on_disk: bytesOnDisk(dataDir) };
    const inMemory: Record<string, Measurement> = {};
    await measureQueryMatrix(ctx, searchWith(ctx, client), { afterDelete: false, kinds: KINDS, ...auto }, inMemory, {});
    Object.assign(m, prefixed(inMemory, "in_memory_query"));
    await server.stop();

    const args = ["--memory-budget", String(budget)];
    server = await startOssvServer(dataDir, { args });
    await searchWith(ctx, clientFor(server))("none")(0);
    const answeredAt = performance.now();
    m.restart = {
      seconds_to_first_query: (answeredAt - server.spawnedAt) / 1000, seconds_listening_to_first_query: (answeredAt - server.listeningAt) / 1000,
      note: `spawn of \`ossv serve --memory-budget ${budget}\` to the first answered QueryVectors`,
    };
    ctx.log(`    restart with a budget of ${(budget / 2 ** 20).toFixed(0)} MiB to first query: ${(m.restart.seconds_to_first_query as number).toFixed(2)} s`);
    await waitForGraphs(server, INDEX, 30); // segments are placed (and verified) in the background after a restart
    const placed = await segmentsOnDisk(server);
    m.memory_after_restart = { ...await memoryOf(server, count, budget), ...placed };
    await measureQueryMatrix(ctx, searchWith(ctx, clientFor(server)), { afterDelete: false, kinds: KINDS, ...auto }, m, sweeps);
    m.memory_after_queries = await memoryOf(server, count, budget);
    m.capacity = capacitySummary(m, budget, floatBytes, ctx.profile.highConcurrency);
    ctx.log(`    served under the budget: ${JSON.stringify(m.capacity)}`);
  } finally {
    await server.stop();
    keepOrRemove(dataDir);
  }
  return {
    system: "ossv-capacity",
    settings: {
      engine: "packages/engine: float32 graphs in memory, then restarted with --memory-budget at a third of the float32 vectors (segments opened from their files, graphs mapped)",
      vectors: "float32; under the budget read in place from the segment files through the page cache",
      transport: "HTTP/1.1 on loopback via @ossv/sdk, retries off", metric: "cosine", durability: "fsync per acknowledged batch",
      server: "separate process: node packages/cli/bin/ossv.js serve",
    },
    measurements: m,
    sweeps,
  };
}

/** The cell's figures side by side: memory against the budget, rates against the in-memory ones. */
function capacitySummary(m: Record<string, Measurement>, budget: number, floatBytes: number, highClients: number): Measurement {
  const figure = (name: string, field: string) => (m[name] as unknown as Record<string, number> | undefined)?.[field] ?? Number.NaN;
  const summary: Record<string, number | string> = {
    float32_bytes: floatBytes, memory_budget_bytes: budget,
    anonymous_rss_after_queries: figure("memory_after_queries", "anonymous_rss_bytes"),
    anonymous_to_budget: figure("memory_after_queries", "anonymous_to_budget"),
    file_rss_after_queries: figure("memory_after_queries", "file_rss_bytes"),
    seconds_to_first_query: figure("restart", "seconds_to_first_query"),
  };
  for (const kind of KINDS) {
    for (const clients of [1, highClients]) {
      const cell = `${kind}_c${clients}`;
      summary[`qps_ratio_${cell}`] = figure(`query_${cell}`, "qps") / figure(`in_memory_query_${cell}`, "qps");
      summary[`recall_${cell}`] = figure(`query_${cell}`, "recall_at_10");
    }
  }
  return { ...summary, note: "qps_ratio: under the budget / in memory, same server build and data" };
}
