// Recall@10 vs single-client QPS, one panel per filter, one line per system (its tuning sweep; a
// system without settings is one point). Drawn as SVG by hand and rasterised with @resvg/resvg-js
// (prebuilt binary from npm, no browser). QPS is on a log scale: the systems differ by 1000x.
import { writeFileSync } from "node:fs";
import { Resvg } from "@resvg/resvg-js";
import type { DatasetReport, SweepPoint } from "../lib/report-types.ts";

const PANELS = [
  { key: "query_none", title: "no filter" },
  { key: "query_category", title: "category filter (10 %)" },
  { key: "query_tenant", title: "tenant filter (1 %)" },
];
const COLOURS: Record<string, string> = { ossv: "#d62728", lancedb: "#1f77b4", hnswlib: "#2ca02c" };
const PANEL = { width: 420, height: 340, left: 70, top: 60, gap: 40 };
const TARGET_RECALL = 0.95;

interface Scale {
  x(recall: number): number;
  y(qps: number): number;
  minRecall: number;
  qpsDecades: number[];
}

function allPoints(report: DatasetReport, keys: string[]): SweepPoint[] {
  return report.systems.flatMap((s) => keys.flatMap((key) => s.sweeps[key] ?? [])).filter((p) => p.qps > 0);
}

/** Recall range per panel (so a panel whose points are all near 1 is not squeezed); QPS range shared. */
function scaleFor(report: DatasetReport, originX: number, panelKey: string): Scale {
  const points = allPoints(report, PANELS.map((p) => p.key));
  const recalls = allPoints(report, [panelKey]).map((p) => p.recall_at_10);
  const minRecall = Math.min(0.9, Math.floor(Math.min(1, ...recalls) * 10) / 10);
  const lo = Math.floor(Math.log10(Math.min(...points.map((p) => p.qps))));
  const hi = Math.ceil(Math.log10(Math.max(...points.map((p) => p.qps))));
  const qpsDecades = Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
  return {
    minRecall, qpsDecades,
    x: (recall) => originX + ((recall - minRecall) / (1 - minRecall)) * PANEL.width,
    y: (qps) => PANEL.top + PANEL.height - ((Math.log10(qps) - lo) / Math.max(1, hi - lo)) * PANEL.height,
  };
}

function axes(scale: Scale, originX: number, title: string): string {
  const parts = [`<rect x="${originX}" y="${PANEL.top}" width="${PANEL.width}" height="${PANEL.height}" fill="#fff" stroke="#444"/>`,
    `<text x="${originX + PANEL.width / 2}" y="${PANEL.top - 12}" text-anchor="middle" font-size="16" font-weight="bold">${title}</text>`];
  const step = 1 - scale.minRecall > 0.3 ? 0.1 : 0.05;
  for (let r = scale.minRecall; r <= 1.0001; r += step) {
    const x = scale.x(r);
    parts.push(`<line x1="${x}" y1="${PANEL.top}" x2="${x}" y2="${PANEL.top + PANEL.height}" stroke="#ddd"/>`,
      `<text x="${x}" y="${PANEL.top + PANEL.height + 18}" text-anchor="middle" font-size="12">${r.toFixed(2)}</text>`);
  }
  for (const qps of scale.qpsDecades) {
    const y = scale.y(qps);
    parts.push(`<line x1="${originX}" y1="${y}" x2="${originX + PANEL.width}" y2="${y}" stroke="#ddd"/>`,
      `<text x="${originX - 6}" y="${y + 4}" text-anchor="end" font-size="12">${qps.toLocaleString("en-US")}</text>`);
  }
  const tx = scale.x(TARGET_RECALL);
  parts.push(`<line x1="${tx}" y1="${PANEL.top}" x2="${tx}" y2="${PANEL.top + PANEL.height}" stroke="#888" stroke-dasharray="5,4"/>`,
    `<text x="${originX + PANEL.width / 2}" y="${PANEL.top + PANEL.height + 38}" text-anchor="middle" font-size="13">recall@10</text>`);
  return parts.join("\n");
}

function series(scale: Scale, points: SweepPoint[], colour: string): string {
  const coords = points.filter((p) => p.qps > 0).map((p) => `${scale.x(Math.max(scale.minRecall, p.recall_at_10)).toFixed(1)},${scale.y(p.qps).toFixed(1)}`);
  const dots = coords.map((c) => `<circle cx="${c.split(",")[0]}" cy="${c.split(",")[1]}" r="4" fill="${colour}"/>`);
  return `<polyline points="${coords.join(" ")}" fill="none" stroke="${colour}" stroke-width="2"/>\n${dots.join("\n")}`;
}

function legend(report: DatasetReport, y: number): string {
  return report.systems.map((s, i) => {
    const x = PANEL.left + i * 170;
    return `<rect x="${x}" y="${y - 10}" width="14" height="14" fill="${COLOURS[s.system] ?? "#000"}"/><text x="${x + 20}" y="${y + 2}" font-size="14">${s.system}</text>`;
  }).join("\n") + `<text x="${PANEL.left + report.systems.length * 170}" y="${y + 2}" font-size="13" fill="#555">dashed: recall target ${TARGET_RECALL}; y: queries/s, 1 client, log scale</text>`;
}

export function chartSvg(report: DatasetReport): string {
  const width = PANEL.left + PANELS.length * (PANEL.width + PANEL.left + PANEL.gap);
  const height = PANEL.top + PANEL.height + 90;
  const body = PANELS.map((panel, i) => {
    const originX = PANEL.left + i * (PANEL.width + PANEL.left + PANEL.gap);
    const scale = scaleFor(report, originX, panel.key);
    const lines = report.systems.map((s) => series(scale, s.sweeps[panel.key] ?? [], COLOURS[s.system] ?? "#000"));
    return [axes(scale, originX, panel.title), ...lines].join("\n");
  });
  const { spec } = report;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="DejaVu Sans, sans-serif">
<rect width="100%" height="100%" fill="#fafafa"/>
<text x="${PANEL.left}" y="26" font-size="18" font-weight="bold">Recall@10 vs QPS: ${spec.name} (${spec.count.toLocaleString("en-US")} x ${spec.dimension})</text>
${body.join("\n")}
${legend(report, height - 20)}
</svg>`;
}

/** Writes the PNG and returns its path. */
export function renderChart(report: DatasetReport, path: string): string {
  const png = new Resvg(chartSvg(report), { font: { loadSystemFonts: true, defaultFontFamily: "DejaVu Sans" } }).render().asPng();
  writeFileSync(path, png);
  return path;
}
