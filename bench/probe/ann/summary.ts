// Prints the Markdown tables of docs/ann-choice.md from the probes' result files, every run of a cell
// side by side ("a / b"), so the spread between runs shows.
// Usage: npx tsx bench/probe/ann/summary.ts [results dir, default bench/results/ann-study]
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? new URL("../../results/ann-study", import.meta.url).pathname;
const RECALL_TARGET = 0.95;

interface Point { ef: number; recall: number; ratio?: number }
interface Serve { servingAnonPerVector: number; servingFilePerVector: number; points: Point[] }
interface LibrariesRun { started: string; rows: number; dimension: number; configs: { library: string; quantization: string; built: { buildSeconds: number; fileBytesPerVector: number }; serves: Record<string, Serve> }[] }
interface RerankRun { started: string; rows: number; dimension: number; reference: { ef: number; recall: number }; rerank: { quantization: string; candidates: number; recallQuantized: number; recallReranked: number; ramRatio: number; fileRatio: number }[]; filtered: { system: string; fetch: number; recall: number; ratio: number }[]; cold?: { graph: string; firstQueryMs: number; coldMsPerQuery: number; hotMsPerQuery: number }[] }
interface ScanRun { started: string; rows: number; dimension: number; figures: { rows: number; graphRecall: number; graphMsPerQuery: number; exactF32Ratio: number; int8: { candidates: number; recall: number; wasmRatio: number }[]; int8JsRatio: number }[] }

function runs<T extends { rows: number; dimension: number }>(prefix: string): Map<string, T[]> {
  const byShape = new Map<string, T[]>();
  for (const name of readdirSync(dir).filter((n) => n.startsWith(prefix) && n.endsWith(".json")).sort()) {
    const run = JSON.parse(readFileSync(join(dir, name), "utf8")) as T;
    const shape = `${run.rows} x ${run.dimension}`;
    byShape.set(shape, [...(byShape.get(shape) ?? []), run]);
  }
  return byShape;
}

const f = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? "–" : value.toFixed(digits));
const each = <T>(items: T[], show: (item: T) => string) => items.map(show).join(" / ");

function libraries(): void {
  for (const [shape, list] of runs<LibrariesRun>("libraries-")) {
    console.log(`\n#### ${shape}: libraries (${list.length} runs: ${list.map((r) => r.started.slice(0, 16)).join(", ")})\n`);
    console.log("| library | vectors | mode | build CPU s | file B/vec | anon RSS B/vec | mapped RSS B/vec | smallest ef ≥ 0.95 | recall there | QPS × hnswlib f32 there | QPS × hnswlib f32 at hnswlib's ef |");
    console.log("|---|---|---|---|---|---|---|---|---|---|---|");
    const first = list[0]!;
    const refEf = first.configs[0]!.serves.memory!.points.find((p) => p.recall >= RECALL_TARGET)?.ef;
    first.configs.forEach((c, index) => {
      for (const mode of Object.keys(c.serves)) {
        const cells = list.map((run) => ({ built: run.configs[index]!.built, serve: run.configs[index]!.serves[mode]! }));
        const reached = cells.map((cell) => cell.serve.points.find((p) => p.recall >= RECALL_TARGET));
        const best = cells.map((cell) => cell.serve.points.reduce((a, b) => (b.recall > a.recall ? b : a)));
        const atRef = cells.map((cell) => cell.serve.points.find((p) => p.ef === refEf));
        console.log(`| ${c.library} | ${c.quantization} | ${mode} | ${each(cells, (x) => f(x.built.buildSeconds, 1))} | ${f(c.built.fileBytesPerVector, 0)} | ${each(cells, (x) => f(x.serve.servingAnonPerVector, 0))} | ${each(cells, (x) => f(x.serve.servingFilePerVector, 0))} | ${reached[0] ? each(reached, (p) => String(p?.ef ?? "–")) : `never (best ${each(best, (p) => `${f(p.recall, 3)} at ef ${p.ef}`)})`} | ${reached[0] ? each(reached, (p) => f(p?.recall, 3)) : "–"} | ${c.library === "hnswlib" ? "1" : reached[0] ? each(reached, (p) => f(p?.ratio, 2)) : "–"} | ${c.library === "hnswlib" ? "1" : each(atRef, (p) => `${f(p?.ratio, 2)}`)} (recall ${f(atRef[0]?.recall, 3)}) |`);
      }
    });
  }
}

function rerank(): void {
  for (const [shape, list] of runs<RerankRun>("rerank-")) {
    const ref = list[0]!.reference;
    console.log(`\n#### ${shape}: quantized graph + float32 re-rank (${list.length} runs; reference hnswlib f32 ef ${ref.ef}, recall ${f(ref.recall, 3)})\n`);
    console.log("| usearch graph | candidates C | recall@10 before re-rank | after re-rank | QPS × ref, rows in RAM | QPS × ref, rows by pread |");
    console.log("|---|---|---|---|---|---|");
    for (const cell of list[0]!.rerank) {
      const same = list.map((run) => run.rerank.find((c) => c.quantization === cell.quantization && c.candidates === cell.candidates));
      console.log(`| ${cell.quantization} | ${cell.candidates} | ${f(cell.recallQuantized, 3)} | ${f(cell.recallReranked, 3)} | ${each(same, (c) => f(c?.ramRatio, 2))} | ${each(same, (c) => f(c?.fileRatio, 2))} |`);
    }
    console.log(`\n| filtered, category = c3 (10 % of rows) | fetched | recall@10 | QPS × unfiltered ref |`);
    console.log("|---|---|---|---|");
    for (const cell of list[0]!.filtered) {
      const same = list.map((run) => run.filtered.find((c) => c.system === cell.system && c.fetch === cell.fetch));
      console.log(`| ${cell.system} | ${cell.fetch} | ${f(cell.recall, 3)} | ${each(same, (c) => f(c?.ratio, 2))} |`);
    }
    for (const run of list) for (const c of run.cold ?? []) console.log(`\nCold page cache (${run.started.slice(0, 16)}), ${c.graph}: first answer ${f(c.firstQueryMs, 0)} ms after opening; ${f(c.coldMsPerQuery, 2)} ms/query cold against ${f(c.hotMsPerQuery, 3)} hot (wall clock).`);
  }
}

function scan(): void {
  for (const [shape, list] of runs<ScanRun>("scan-")) {
    const candidates = list[0]!.figures[0]!.int8.map((c) => c.candidates);
    console.log(`\n#### ${shape}: brute force against a same-size hnswlib graph (${list.length} runs)\n`);
    console.log(`| rows | graph recall | graph ms/query (CPU) | f32 exact scan (WebAssembly) × graph | ${candidates.map((c) => `int8 scan + re-rank C ${c}: recall; × graph`).join(" | ")} | int8 plain JS, C 40: × graph |`);
    console.log(`|---|---|---|---|${candidates.map(() => "---").join("|")}|---|`);
    list[0]!.figures.forEach((fig, index) => {
      const same = list.map((run) => run.figures[index]!);
      console.log(`| ${fig.rows} | ${f(fig.graphRecall, 3)} | ${each(same, (x) => f(x.graphMsPerQuery, 3))} | ${each(same, (x) => f(x.exactF32Ratio, 2))} | ${fig.int8.map((c, i) => `${f(c.recall, 3)}; ${each(same, (x) => f(x.int8[i]?.wasmRatio, 2))}`).join(" | ")} | ${each(same, (x) => f(x.int8JsRatio, 3))} |`);
    });
  }
}

libraries();
rerank();
scan();
