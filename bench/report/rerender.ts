// Re-draws the charts and reprints the table from a results file, without measuring again:
// `npx tsx bench/report/rerender.ts [bench/results/latest.json]`.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DatasetReport } from "../lib/report-types.ts";
import { renderChart } from "./chart.ts";
import { formatTables } from "./table.ts";

const path = process.argv[2] ?? new URL("../results/latest.json", import.meta.url).pathname;
const results = JSON.parse(readFileSync(path, "utf8")) as { datasets: DatasetReport[]; run_settings: { highConcurrency: number } };
for (const report of results.datasets) if (report.chart) renderChart(report, join(dirname(path), report.chart));
process.stdout.write(formatTables(results.datasets, results.run_settings.highConcurrency) + "\n");
