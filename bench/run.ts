// `npm run bench [-- --quick | --size N | --capacity N] [--systems ossv,lancedb,hnswlib,ossv-s3,ossv-fusion,ossv-import]`: generates the data sets,
// loads or computes their ground truth, measures each system on the same data, then prints the table,
// writes bench/results/latest.json and a recall/QPS chart per data set.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { generateDataset, type DatasetSpec } from "./lib/dataset.ts";
import { loadOrComputeTruth } from "./lib/ground-truth.ts";
import { capacityProfile, quickProfile, sizedProfile, standardProfile, type Profile } from "./lib/profile.ts";
import type { DatasetReport, SystemReport } from "./lib/report-types.ts";
import { machineDescription } from "./lib/system-stats.ts";
import type { BenchContext } from "./lib/suite.ts";
import { renderChart } from "./report/chart.ts";
import { formatTables } from "./report/table.ts";
import { DEFAULT_SYSTEMS, SYSTEMS, type SystemName } from "./systems/registry.ts";

const BENCH_DIR = fileURLToPath(new URL(".", import.meta.url));
const log = (line: string) => process.stdout.write(line + "\n");

function chooseProfile(values: { quick?: boolean; size?: string; capacity?: string }): Profile {
  if (values.capacity) {
    const count = Number(values.capacity);
    if (!Number.isInteger(count) || count < 10_000) throw new Error("--capacity takes a whole number >= 10000");
    return capacityProfile(count);
  }
  if (values.size) {
    const count = Number(values.size);
    if (!Number.isInteger(count) || count < 1000) throw new Error("--size takes a whole number >= 1000");
    return sizedProfile(count);
  }
  return values.quick ? quickProfile() : standardProfile();
}

function chooseSystems(list: string | undefined, profile: Profile): SystemName[] {
  const fallback = profile.name === "capacity" ? ["ossv-capacity"] : DEFAULT_SYSTEMS;
  const names = (list ?? fallback.join(",")).split(",").map((s) => s.trim()) as SystemName[];
  for (const name of names) if (!(name in SYSTEMS)) throw new Error(`unknown system ${name}; known: ${Object.keys(SYSTEMS).join(", ")}`);
  return names;
}

async function benchDataset(spec: DatasetSpec, profile: Profile, systems: SystemName[]): Promise<DatasetReport> {
  log(`\n== ${spec.name}: ${spec.count} x ${spec.dimension}, ${spec.clusters} clusters, ${spec.queries} queries`);
  const data = generateDataset(spec);
  const truth = loadOrComputeTruth(data, join(BENCH_DIR, ".cache"), log);
  const reports: SystemReport[] = [];
  for (const name of systems) {
    log(`  -- ${name}`);
    const workDir = mkdtempSync(join(tmpdir(), `ossv-bench-${name}-`));
    const ctx: BenchContext = { data, truth, profile, workDir, log };
    try {
      reports.push(await SYSTEMS[name](ctx));
    } finally {
      rmSync(workDir, { recursive: true, force: true });
    }
  }
  return { spec, systems: reports };
}

/** Which ossv source was measured: the commit (and whether packages/ had local changes), when known. */
function ossvSource(): string {
  if (process.env.OSSV_BENCH_SOURCE) return process.env.OSSV_BENCH_SOURCE;
  try {
    const git = (...args: string[]) => execFileSync("git", args, { cwd: BENCH_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return git("rev-parse", "--short", "HEAD") + (git("status", "--porcelain", "--", "../packages") ? " + uncommitted changes in packages/" : "");
  } catch {
    return "unknown (not a git checkout; set OSSV_BENCH_SOURCE)";
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { quick: { type: "boolean" }, size: { type: "string" }, capacity: { type: "string" }, systems: { type: "string" }, out: { type: "string" } },
  });
  const profile = chooseProfile(values);
  const systems = chooseSystems(values.systems, profile);
  const started = performance.now();
  const datasets: DatasetReport[] = [];
  const outDir = values.out ?? join(BENCH_DIR, "results");
  mkdirSync(outDir, { recursive: true });
  for (const spec of profile.datasets) {
    const report = await benchDataset(spec, profile, systems);
    const chartName = `recall-vs-qps-${spec.name}.png`;
    renderChart(report, join(outDir, chartName));
    report.chart = chartName;
    datasets.push(report);
  }
  const result = {
    profile: profile.name, finished_at: new Date().toISOString(), seconds: (performance.now() - started) / 1000,
    ossv_source: ossvSource(), machine: machineDescription(), run_settings: { ...profile, datasets: undefined }, datasets,
  };
  writeFileSync(join(outDir, "latest.json"), JSON.stringify(result, null, 2) + "\n");
  log("\n" + formatTables(datasets, profile.highConcurrency));
  log(`\nwrote ${join(outDir, "latest.json")} in ${result.seconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
