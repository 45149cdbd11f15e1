// The stdout table (Markdown, so the README can quote it): one row per figure, one column per system,
// then the ratios ossv / LanceDB and ossv / raw hnswlib. A cell a system cannot fill says "n/a", and
// the reasons are listed under the table.
import { isNotAvailable, type DatasetReport, type Measurement, type SystemReport } from "../lib/report-types.ts";

type Value = number[] | { na: string } | undefined;

interface RowSpec {
  label: string;
  measurement: string;
  /** Figures of the measurement shown in the cell (several are joined with " / "). */
  fields: string[];
  digits: number;
}

const PEERS = { lancedb: "ossv/LanceDB", hnswlib: "ossv/raw" } as const;
/** ossv run another way, against ossv's default in the same run, and against raw hnswlib. */
const VARIANTS: { system: string; against: string; label: string }[] = [
  { system: "ossv-int8", against: "ossv", label: "int8/float32" },
  { system: "ossv-int8", against: "hnswlib", label: "int8/raw" },
];

function queryRows(prefix: string, kind: string, clients: number): RowSpec[] {
  const name = `${prefix}_${kind}_c${clients}`;
  const title = `${prefix === "query" ? "" : "after delete: "}${kind} filter, ${clients} client${clients > 1 ? "s" : ""}`;
  return [
    { label: `${title}: q/s`, measurement: name, fields: ["qps"], digits: 1 },
    { label: `${title}: p50 / p99 ms`, measurement: name, fields: ["p50_ms", "p99_ms"], digits: 2 },
    { label: `${title}: recall@10`, measurement: name, fields: ["recall_at_10"], digits: 3 },
    { label: `${title}: short answers`, measurement: name, fields: ["short_results"], digits: 0 },
  ];
}

function rowSpecs(highClients: number): RowSpec[] {
  const rows: RowSpec[] = [
    { label: "ingest, 1 writer: vectors/s", measurement: "ingest_1_writer", fields: ["vectors_per_s"], digits: 0 },
    { label: "ingest, concurrent writers: vectors/s", measurement: "ingest_concurrent_writers", fields: ["vectors_per_s"], digits: 0 },
    { label: "ingest of the whole set into a fresh index, concurrent writers: vectors/s", measurement: "ingest_whole_set", fields: ["vectors_per_s"], digits: 0 },
    { label: "ossv vectors import, JSON Lines: vectors/s", measurement: "import_jsonl", fields: ["vectors_per_s"], digits: 0 },
    { label: "import JSON Lines / SDK ingest of the same rows", measurement: "import_jsonl", fields: ["ratio_to_sdk_whole_set"], digits: 2 },
    { label: "import JSON Lines / SDK concurrent-writers ingest", measurement: "import_jsonl", fields: ["ratio_to_sdk_ingest"], digits: 2 },
    { label: "index build s (after ingest)", measurement: "index_build", fields: ["seconds"], digits: 1 },
  ];
  for (const kind of ["none", "category", "tenant"]) for (const c of [1, highClients]) rows.push(...queryRows("query", kind, c));
  rows.push({ label: "delete: keys/s", measurement: "delete", fields: ["keys_per_s"], digits: 0 });
  for (const kind of ["none", "category"]) for (const c of [1, highClients]) rows.push(...queryRows("after_delete_query", kind, c));
  for (const kind of ["none", "category", "tenant"]) {
    for (const c of [1, highClients]) {
      const clients = `${c} client${c > 1 ? "s" : ""}`;
      rows.push({ label: `int8 / float32 in pairs (ossv-int8-paired.ts), after delete: ${kind} filter, ${clients}`, measurement: `paired_${kind}_c${c}`, fields: ["int8_over_float32"], digits: 2 });
    }
  }
  rows.push(
    { label: "deleted keys returned (none 1 client)", measurement: "after_delete_query_none_c1", fields: ["deleted_returned"], digits: 0 },
    { label: "bytes on disk after ingest", measurement: "disk_after_ingest", fields: ["bytes_on_disk"], digits: 0 },
    { label: "bytes on disk after delete", measurement: "disk_after_delete", fields: ["bytes_on_disk"], digits: 0 },
    { label: "bytes on disk after compaction", measurement: "disk_after_compaction", fields: ["bytes_on_disk"], digits: 0 },
    { label: "bytes on disk after restart", measurement: "disk_after_restart", fields: ["bytes_on_disk"], digits: 0 },
    { label: "restart to first query s", measurement: "restart", fields: ["seconds_to_first_query"], digits: 2 },
    { label: "RSS bytes per vector (after ingest)", measurement: "memory_after_ingest", fields: ["rss_bytes_per_vector"], digits: 0 },
    { label: "RSS bytes per vector (after restart)", measurement: "memory_after_restart", fields: ["rss_bytes_per_vector"], digits: 0 },
    // ossv-capacity: an index three times its memory budget, against the same index in memory.
    { label: "capacity: in memory, none filter, 1 client: q/s", measurement: "in_memory_query_none_c1", fields: ["qps"], digits: 1 },
    { label: `capacity: in memory, none filter, ${highClients} clients: q/s`, measurement: `in_memory_query_none_c${highClients}`, fields: ["qps"], digits: 1 },
    { label: "capacity: in memory, category filter, 1 client: q/s", measurement: "in_memory_query_category_c1", fields: ["qps"], digits: 1 },
    { label: "capacity: under the budget / in memory, none filter, 1 client: q/s", measurement: "capacity", fields: ["qps_ratio_none_c1"], digits: 2 },
    { label: `capacity: under the budget / in memory, none filter, ${highClients} clients: q/s`, measurement: "capacity", fields: [`qps_ratio_none_c${highClients}`], digits: 2 },
    { label: "capacity: under the budget / in memory, category filter, 1 client: q/s", measurement: "capacity", fields: ["qps_ratio_category_c1"], digits: 2 },
    { label: "capacity: memory budget bytes", measurement: "capacity", fields: ["memory_budget_bytes"], digits: 0 },
    { label: "capacity: server's own memory (anonymous RSS) / budget", measurement: "capacity", fields: ["anonymous_to_budget"], digits: 2 },
    { label: "capacity: mapped segment pages resident (file RSS) bytes", measurement: "capacity", fields: ["file_rss_after_queries"], digits: 0 },
    // ossv-s3: the object store against the local directory, same run.
    { label: "object store: ingest, 8 writers: vectors/s", measurement: "s3_ingest", fields: ["vectors_per_s"], digits: 0 },
    { label: "object store / local: ingest, 8 writers", measurement: "s3_to_local", fields: ["ingest_vectors_per_s"], digits: 2 },
    { label: "object store / local: warm q/s, 1 client", measurement: "s3_to_local", fields: ["query_qps_c1"], digits: 2 },
    { label: `object store / local: warm q/s, ${highClients} clients`, measurement: "s3_to_local", fields: [`query_qps_c${highClients}`], digits: 2 },
    { label: "object store: fresh node to first query s", measurement: "s3_start_to_first_query", fields: ["seconds"], digits: 2 },
    { label: "object store: that node restarted with its disk cache, to first query s", measurement: "s3_restart_with_cache_to_first_query", fields: ["seconds"], digits: 2 },
    // ossv-fusion: QueryVectorsFusion on a hybrid index.
    { label: "Fusion: ingest of documents, 4 writers: documents/s", measurement: "fusion_ingest", fields: ["vectors_per_s"], digits: 0 },
    { label: "Fusion: hybrid RRF (knn + text), 1 client: q/s", measurement: "fusion_hybrid_rrf_c1", fields: ["qps"], digits: 1 },
    { label: "Fusion: hybrid RRF, 1 client: p99 ms", measurement: "fusion_hybrid_rrf_c1", fields: ["p99_ms"], digits: 1 },
    { label: `Fusion: hybrid RRF, ${highClients} clients: q/s`, measurement: `fusion_hybrid_rrf_c${highClients}`, fields: ["qps"], digits: 1 },
    { label: `Fusion: hybrid RRF, ${highClients} clients: p99 ms`, measurement: `fusion_hybrid_rrf_c${highClients}`, fields: ["p99_ms"], digits: 1 },
    { label: "Fusion: text only, 1 client: q/s", measurement: "fusion_text_only_c1", fields: ["qps"], digits: 1 },
    { label: "Fusion: knn only, 1 client: q/s", measurement: "fusion_knn_only_c1", fields: ["qps"], digits: 1 },
    { label: "Fusion: knn only: recall@10", measurement: "fusion_knn_only_c1", fields: ["recall_at_10"], digits: 3 },
    { label: "Fusion: knn, category filter (10 %), 1 client: q/s", measurement: "fusion_knn_category_c1", fields: ["qps"], digits: 1 },
    { label: "Fusion: knn, category filter: recall@10", measurement: "fusion_knn_category_c1", fields: ["recall_at_10"], digits: 3 },
    { label: "Fusion: knn, tenant filter (1 %), 1 client: q/s", measurement: "fusion_knn_tenant_c1", fields: ["qps"], digits: 1 },
    { label: "Fusion: knn, tenant filter: recall@10", measurement: "fusion_knn_tenant_c1", fields: ["recall_at_10"], digits: 3 },
    { label: "Fusion: merge and graph builds: s", measurement: "fusion_index_build", fields: ["seconds"], digits: 1 },
    { label: "Fusion: restart to first text query: s", measurement: "fusion_restart_first_text_query", fields: ["seconds"], digits: 2 },
  );
  return rows;
}

function valueOf(system: SystemReport | undefined, row: RowSpec): Value {
  const measurement: Measurement | undefined = system?.measurements[row.measurement];
  if (measurement === undefined) return undefined;
  if (isNotAvailable(measurement)) return measurement;
  const figures = row.fields.map((field) => (measurement as unknown as Record<string, unknown>)[field]);
  return figures.every((f) => typeof f === "number") ? figures : undefined;
}

function formatNumber(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "-";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function cell(value: Value, digits: number, notes: string[]): string {
  if (value === undefined) return "";
  if (!Array.isArray(value)) {
    if (!notes.includes(value.na)) notes.push(value.na);
    return `n/a [${notes.indexOf(value.na) + 1}]`;
  }
  return value.map((v) => formatNumber(v, digits)).join(" / ");
}

function ratio(ours: Value, theirs: Value): string {
  if (!Array.isArray(ours) || !Array.isArray(theirs)) return "";
  // Two significant digits below 1, so that 0.0033x does not print as 0.00x.
  const format = (r: number) => (Math.abs(r) < 1 ? r.toPrecision(2) : r.toFixed(2));
  return ours.map((v, i) => (theirs[i] ? `${format(v / theirs[i])}x` : "-")).join(" / ");
}

/** Marks a recall cell whose most accurate tried setting still stayed below the recall target. */
function targetMissed(system: SystemReport | undefined, row: RowSpec): string {
  if (row.fields[0] !== "recall_at_10") return "";
  const measurement = system?.measurements[row.measurement] as { recall_target_reached?: boolean } | undefined;
  return measurement?.recall_target_reached === false ? " (target not reached at the most accurate setting tried)" : "";
}

export function formatTable(report: DatasetReport, highClients: number): string {
  const bySystem = new Map(report.systems.map((s) => [s.system, s]));
  const names = report.systems.map((s) => s.system);
  const notes: string[] = [];
  const variants = VARIANTS.filter(({ system }) => bySystem.has(system));
  const header = ["figure", ...names, ...Object.values(PEERS), ...variants.map(({ label }) => label)];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const row of rowSpecs(highClients)) {
    const values = names.map((name) => valueOf(bySystem.get(name), row));
    if (values.every((v) => v === undefined)) continue;
    const ours = valueOf(bySystem.get("ossv"), row);
    const ratios = Object.keys(PEERS).map((peer) => ratio(ours, valueOf(bySystem.get(peer), row)));
    for (const { system, against } of variants) ratios.push(ratio(valueOf(bySystem.get(system), row), valueOf(bySystem.get(against), row)));
    const cells = names.map((name, i) => cell(values[i], row.digits, notes) + targetMissed(bySystem.get(name), row));
    lines.push(`| ${[row.label, ...cells, ...ratios].join(" | ")} |`);
  }
  const { spec } = report;
  const title = `### ${spec.name}: ${spec.count.toLocaleString("en-US")} x ${spec.dimension}, ${spec.clusters} clusters, ${spec.queries} queries`;
  return [title, "", ...lines, "", ...notes.map((note, i) => `[${i + 1}] n/a: ${note}`)].join("\n");
}

/** Each system's settings, and per query cell the search setting it ran with. */
export function formatSettings(report: DatasetReport): string {
  return report.systems.map((system) => {
    const fixed = Object.entries(system.settings).map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    const chosen = Object.entries(system.measurements)
      .filter(([name, m]) => name.endsWith("_c1") && typeof (m as { setting?: unknown }).setting === "string")
      .map(([name, m]) => `${name.replace(/_c1$/, "")}: ${(m as { setting: string }).setting}`);
    return `- ${system.system}: ${fixed.join("; ")}` + (chosen.length ? `\n  - chosen per cell: ${chosen.join("; ")}` : "");
  }).join("\n");
}

export function formatTables(reports: DatasetReport[], highClients: number): string {
  return reports.map((r) => `${formatTable(r, highClients)}\n\nSettings:\n${formatSettings(r)}`).join("\n\n");
}
