// Probe: int8 codes against float32 graphs on the same data directory, in-process, run in pairs so that
// the machine's drift falls on both sides alike (ABBA order), for the QPS ratio that single bench runs
// on this shared machine cannot settle (bench/README.md: a cell moved by up to 0.4 between runs).
// Each run is bench/probe/engine-query.ts in a process of its own; the first builds the directory.
//
//   npx tsx bench/probe/int8-paired.ts [rows] [dimension] [pairs] [queries per filter]
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const [rows = "200000", dimension = "128", pairsArg = "4", queries = "3000"] = process.argv.slice(2);
const pairs = Number(pairsArg);
const probe = fileURLToPath(new URL("./engine-query.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "ossv-int8-paired-"));

interface Figures { qps: Record<string, number>; recall: Record<string, number> }

function run(quantization: "int8" | "off"): Figures {
  const out = execFileSync(process.execPath, ["--import", "tsx", probe, rows, dimension], {
    env: { ...process.env, PROBE_DIR: dir, PROBE_QUANTIZATION: quantization, PROBE_QUERIES: queries }, encoding: "utf8", maxBuffer: 1 << 26,
  });
  const figures: Figures = { qps: {}, recall: {} };
  for (const [, name, qps, recall] of out.matchAll(/^(\w+): [\d.]+ ms\/query, (\d+) q\/s, recall@10 ([\d.]+)$/gm)) {
    figures.qps[name!] = Number(qps);
    figures.recall[name!] = Number(recall);
  }
  return figures;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

try {
  run("off"); // builds the directory; not counted
  const ratios: Record<string, number[]> = {};
  const seen: Record<string, { int8: Figures[]; off: Figures[] }> = { all: { int8: [], off: [] } };
  for (let pair = 0; pair < pairs; pair++) {
    const order: ("int8" | "off")[] = pair % 2 === 0 ? ["int8", "off"] : ["off", "int8"];
    const [first, second] = order.map(run) as [Figures, Figures];
    const int8 = order[0] === "int8" ? first : second;
    const off = order[0] === "int8" ? second : first;
    seen.all!.int8.push(int8);
    seen.all!.off.push(off);
    for (const name of Object.keys(int8.qps)) (ratios[name] ??= []).push(int8.qps[name]! / off.qps[name]!);
  }
  for (const [name, values] of Object.entries(ratios)) {
    const int8Qps = seen.all!.int8.map((f) => f.qps[name]!);
    const offQps = seen.all!.off.map((f) => f.qps[name]!);
    console.log(JSON.stringify({
      filter: name, rows: Number(rows), dimension: Number(dimension), pairs,
      int8_over_float32: { median: +median(values).toFixed(2), min: +Math.min(...values).toFixed(2), max: +Math.max(...values).toFixed(2) },
      qps_median: { int8: median(int8Qps), float32: median(offQps) },
      recall: { int8: seen.all!.int8[0]!.recall[name], float32: seen.all!.off[0]!.recall[name] },
    }));
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
