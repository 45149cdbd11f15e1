// Probe (docs/ann-choice.md, question 1): hnswlib-node float32 against usearch f32 / f16 / i8 / b1, in
// memory and memory-mapped, on the bench's standard data sets: build CPU time on one thread, resident
// bytes per vector (anonymous and file-backed apart), file size, and recall@10 with QPS per search beam.
// QPS is a ratio to hnswlib float32 at the smallest beam that reaches recall 0.95, measured in
// alternating slices in the same process and counted per CPU second (the cores are shared). Every build
// and every serve runs in a fresh child process, so its memory figures are its own.
// Usage: npx tsx --expose-gc bench/probe/ann/libraries.ts [rows] [dimension] [out.json]
//   (defaults 200000 128; the standard pair is 200000 128 and 50000 768)
import { spawnSync } from "node:child_process";
import { statSync, writeFileSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { answersOf, fmt, hnswPath, loadStudy, qpsRatio, recallAt10, RECALL_TARGET, referencePath, residentMemory, usearchPath, workDir, type Reference, type Study } from "./common.ts";
import { build, openHnsw, openUsearch, type Graph, type Library, type Mode, type Quantization } from "./graphs.ts";

const EF_SWEEP = [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024];
/** A sweep stops past this recall, or once two wider beams (from 64 on) added under 0.002 recall. */
const ENOUGH_RECALL = 0.995;
const K = 10;

interface Config {
  library: Library;
  quantization: Quantization;
}
const CONFIGS: Config[] = [
  { library: "hnswlib", quantization: "f32" },
  { library: "usearch", quantization: "f32" },
  { library: "usearch", quantization: "f16" },
  { library: "usearch", quantization: "i8" },
  { library: "usearch", quantization: "b1" },
];

const fileOf = (dir: string, c: Config) => (c.library === "hnswlib" ? hnswPath(dir) : usearchPath(dir, c.quantization));

function result(value: unknown): void {
  console.log(`RESULT ${JSON.stringify(value)}`);
}

function childBuild(study: Study, dir: string, c: Config): void {
  const before = residentMemory();
  const seconds = build(study, c.library, c.quantization, fileOf(dir, c));
  const after = residentMemory();
  const file = fileOf(dir, c);
  result({ buildSeconds: seconds, buildRssPerVector: (after.anon + after.file - before.anon - before.file) / study.rows, fileBytesPerVector: statSync(file).size / study.rows });
}

interface SweepPoint {
  ef: number;
  recall: number;
  qps: number;
  ratio?: number;
  wallRatio?: number;
}

function childServe(study: Study, dir: string, c: Config, mode: Mode): void {
  const before = residentMemory();
  const file = fileOf(dir, c);
  const hnsw = c.library === "hnswlib" ? openHnsw(study, file) : undefined;
  const gc = (globalThis as { gc?: () => void }).gc;
  // Each usearch beam is a new native index: collect the previous one first, or copies pile up.
  const open = (ef: number): Graph => (hnsw ? hnsw.graph(ef) : (gc?.(), openUsearch(study, c.quantization, file, mode, ef)));
  const loaded = open(EF_SWEEP[0] as number);
  const afterLoad = residentMemory();
  answersOf(study, (q) => loaded.search(q, K));
  const afterSweep = residentMemory(); // what one pass over the queries touched (mapped pages included)
  const reference = hnsw ? undefined : (JSON.parse(readFileSync(referencePath(dir), "utf8")) as Reference);
  const refGraph = reference ? openHnsw(study, hnswPath(dir)).graph(reference.ef) : undefined;
  const points: SweepPoint[] = [];
  for (const ef of EF_SWEEP) {
    const graph = ef === EF_SWEEP[0] ? loaded : open(ef);
    const search = (q: Float32Array) => graph.search(q, K);
    const recall = recallAt10(study.truth.none, answersOf(study, search));
    if (refGraph) {
      const timed = qpsRatio(study, search, (q) => refGraph.search(q, K));
      points.push({ ef, recall, qps: timed.qps, ratio: timed.ratio, wallRatio: timed.wallRatio });
    } else {
      points.push({ ef, recall, qps: qpsRatio(study, search, search, 0.4, 3).qps });
    }
    console.error(`    ${c.library} ${c.quantization} ${mode} ef ${ef}: recall ${fmt(recall)}${points.at(-1)?.ratio ? ` ×${fmt(points.at(-1)!.ratio!, 2)} of hnswlib` : ` ${fmt(points.at(-1)!.qps, 0)} queries per CPU s`}`);
    const earlier = points.at(-3);
    if (recall >= ENOUGH_RECALL || (earlier && ef >= 64 && recall - earlier.recall < 0.002)) break;
  }
  if (hnsw) {
    const chosen = points.find((p) => p.recall >= RECALL_TARGET) ?? points.at(-1)!;
    writeFileSync(referencePath(dir), JSON.stringify({ ef: chosen.ef, recall: chosen.recall } satisfies Reference));
  }
  result({
    loadAnonPerVector: (afterLoad.anon - before.anon) / study.rows,
    loadFilePerVector: (afterLoad.file - before.file) / study.rows,
    servingAnonPerVector: (afterSweep.anon - before.anon) / study.rows,
    servingFilePerVector: (afterSweep.file - before.file) / study.rows,
    reference,
    points,
  });
}

function runChild(args: string[]): Record<string, unknown> {
  const script = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", script, ...args], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8", maxBuffer: 1 << 26 });
  const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (child.status !== 0 || !line) throw new Error(`child ${args.join(" ")} failed (${child.status})`);
  return JSON.parse(line.slice("RESULT ".length)) as Record<string, unknown>;
}

interface Serve {
  servingAnonPerVector: number;
  servingFilePerVector: number;
  points: SweepPoint[];
}
interface Report {
  started: string;
  finished?: string;
  rows: number;
  dimension: number;
  node: string;
  configs: (Config & { built: Record<string, number>; serves: Record<string, Serve> })[];
}

function parent(rows: number, dimension: number, out: string | undefined): void {
  const report: Report = { started: new Date().toISOString(), rows, dimension, node: process.version, configs: [] };
  for (const c of CONFIGS) {
    const name = `${c.library}-${c.quantization}`;
    console.error(`${name}: build`);
    const built = runChild(["--child", "build", String(rows), String(dimension), c.library, c.quantization]) as Record<string, number>;
    console.error(`  ${fmt(built.buildSeconds!, 1)} CPU s, file ${fmt(built.fileBytesPerVector!, 0)} B/vector`);
    const modes: Mode[] = c.library === "usearch" ? ["memory", "mmap"] : ["memory"];
    const serves: Record<string, Serve> = {};
    for (const mode of modes) {
      console.error(`${name}: serve ${mode}`);
      serves[mode] = runChild(["--child", "serve", String(rows), String(dimension), c.library, c.quantization, mode]) as unknown as Serve;
    }
    report.configs.push({ ...c, built, serves });
  }
  report.finished = new Date().toISOString();
  if (out) writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
  printSummary(report);
}

function printSummary(report: Report): void {
  console.log(`\n${report.rows} x ${report.dimension}, ${report.started}`);
  console.log("| library | vectors | mode | build CPU s | file B/vec | anon B/vec | mapped B/vec | ef @0.95 | recall | QPS × hnswlib f32 |");
  console.log("|---|---|---|---|---|---|---|---|---|---|");
  for (const c of report.configs) {
    for (const [mode, s] of Object.entries(c.serves)) {
      const p = s.points.find((point) => point.recall >= RECALL_TARGET);
      const best = s.points.reduce((a, b) => (b.recall > a.recall ? b : a));
      const shown = p ?? best;
      console.log(`| ${c.library} | ${c.quantization} | ${mode} | ${fmt(c.built.buildSeconds!, 1)} | ${fmt(c.built.fileBytesPerVector!, 0)} | ${fmt(s.servingAnonPerVector, 0)} | ${fmt(s.servingFilePerVector, 0)} | ${p ? p.ef : `none (max ${fmt(best.recall)} at ef ${best.ef})`} | ${fmt(shown.recall)} | ${shown.ratio === undefined ? `1 (${fmt(shown.qps, 0)}/CPU s)` : fmt(shown.ratio, 2)} |`);
    }
  }
}

const args = process.argv.slice(2);
if (args[0] === "--child") {
  const [, role, rowsArg, dimArg, library, quantization, mode] = args;
  const study = loadStudy(Number(rowsArg), Number(dimArg));
  const dir = workDir(study.rows, study.dimension);
  const c = { library: library as Library, quantization: quantization as Quantization };
  if (role === "build") childBuild(study, dir, c);
  else childServe(study, dir, c, mode as Mode);
} else {
  parent(Number(args[0] ?? 200_000), Number(args[1] ?? 128), args[2]);
}
