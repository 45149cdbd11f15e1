// Probe: where a server's memory is after an HTTP ingest, for finding what the bench's "after ingest"
// row holds beyond the at-rest figure. Ingests the bench's data set the way the bench does (half by one
// writer, half by four), builds and compacts, waits past the server's reclaimer, then prints the RSS
// per vector beside the server's own JS heap and external memory figures (/metrics) and the kernel's
// split of the RSS (/proc/PID/smaps_rollup).
//
// The server is the built CLI (packages/cli/bin/ossv.js runs dist/), as in `npm run bench`, which
// builds it first; run `npm run build` after changing the sources, or this measures the old code.
//
//   npx tsx bench/probe/server-memory.ts [rows] [dimension] [serve options...]
//   e.g. npx tsx bench/probe/server-memory.ts 200000 128 --quantization int8
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateDataset } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";
import { residentBytes } from "../lib/system-stats.ts";
import { buildIndex, clientFor, createBenchIndex, putRows } from "../systems/ossv-calls.ts";
import { startOssvServer } from "../systems/ossv-server.ts";
import type { BenchContext } from "../lib/suite.ts";

const [rowsArg, dimensionArg, ...serveArgs] = process.argv.slice(2);
const rows = Number(rowsArg ?? 200_000);
const dimension = Number(dimensionArg ?? 128);
const data = generateDataset(datasetSpec(`probe-${rows}-${dimension}`, rows, dimension, 300));
const ctx = { data } as BenchContext;
const dir = mkdtempSync(join(tmpdir(), "ossv-server-memory-"));
const server = await startOssvServer(join(dir, "data"), { args: serveArgs });

/** One /metrics gauge's value. */
async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.port}/-/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

function smaps(): Record<string, number> {
  const text = readFileSync(`/proc/${server.pid}/smaps_rollup`, "utf8");
  const out: Record<string, number> = {};
  for (const [, field, kb] of text.matchAll(/^(Rss|Anonymous|Private_Dirty|Shared_Clean|Private_Clean):\s+(\d+) kB/gm)) out[field!] = Number(kb) * 1024;
  return out;
}

function largestMappings(count: number): string[] {
  const mappings: { name: string; rss: number }[] = [];
  for (const block of readFileSync(`/proc/${server.pid}/smaps`, "utf8").split(/\n(?=[0-9a-f]+-[0-9a-f]+ )/)) {
    const header = block.slice(0, block.indexOf("\n")).trim().split(/\s+/);
    const rss = Number(/^Rss:\s+(\d+) kB/m.exec(block)?.[1] ?? 0) * 1024;
    mappings.push({ name: `${header[0]} ${header[5] ?? "[anonymous]"}`, rss });
  }
  return mappings.sort((a, b) => b.rss - a.rss).slice(0, count).map(({ name, rss }) => `${(rss / 2 ** 20).toFixed(1).padStart(8)} MB ${name}`);
}

try {
  const idle = residentBytes(server.pid);
  const client = clientFor(server);
  await createBenchIndex(ctx, client);
  const put = putRows(ctx, client);
  const batches: number[][] = [];
  for (let start = 0; start < rows; start += 500) batches.push(Array.from({ length: Math.min(500, rows - start) }, (_, i) => start + i));
  const half = batches.length / 2;
  for (const batch of batches.slice(0, half)) await put(batch);
  const rest = batches.slice(half);
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let batch = rest.shift(); batch; batch = rest.shift()) await put(batch);
  }));
  await buildIndex(server);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  const perVector = (bytes: number) => Math.round(bytes / rows);
  const split = smaps();
  console.log(JSON.stringify({
    rss_per_vector: perVector(residentBytes(server.pid) - idle),
    idle_rss_mb: Math.round(idle / 2 ** 20),
    js_heap_total: perVector(await gauge("nodejs_heap_size_total_bytes")),
    js_heap_used: perVector(await gauge("nodejs_heap_size_used_bytes")),
    external: perVector(await gauge("nodejs_external_memory_bytes")),
    smaps_per_vector: Object.fromEntries(Object.entries(split).map(([field, bytes]) => [field, perVector(bytes)])),
  }));
  // PROBE_MAPPINGS=1: the largest resident mappings (the C heap, V8's spaces, thread arenas, files).
  if (process.env.PROBE_MAPPINGS) console.log(largestMappings(12).join("\n"));
  // PROBE_SNAPSHOT=1 with OSSV_BENCH_NODE_FLAGS=--heapsnapshot-signal=SIGUSR2: a heap snapshot of the
  // server at this point, written to the working directory, for reading what the JS side holds.
  if (process.env.PROBE_SNAPSHOT) {
    process.kill(server.pid, "SIGUSR2");
    await new Promise((resolve) => setTimeout(resolve, 20_000));
  }
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
