// The int8 / float32 query rate measured in pairs (issue 21: int8 at least 0.8x of float32). The
// matrix cells of `ossv` and `ossv-int8` run minutes apart, and on this shared 2-core machine one
// build's cell moved by a third and more between runs (bench/README.md, "Query figures"), so the ratio
// of two such cells says as much about the machine as about int8. Here one data directory is served
// twice at once, with int8 codes and, from a copy, with float32 graphs, and every cell is measured on
// both in alternating order (A B, then B A): drift falls on both sides alike, and each figure is the
// median of the rounds' ratios.
import { cpSync, rmSync } from "node:fs";
import { FILTER_KINDS } from "../lib/dataset.ts";
import { measureQueries, warmUpSystem, type QueryFigures } from "../lib/measure.ts";
import type { Measurement } from "../lib/report-types.ts";
import { planFor, type BenchContext, type FilteredSearch } from "../lib/suite.ts";
import { clientFor, searchWith, waitForGraphs } from "./ossv-calls.ts";
import { startOssvServer, type RunningServer } from "./ossv-server.ts";

/** Rounds per cell; each measures both servers, in turn first. */
const ROUNDS = 2;

type Side = "int8" | "float32";

/**
 * Measures the query cells on `dataDir` (an ingested, stopped ossv-int8 directory) served with int8
 * codes and, from a copy, with float32 graphs; adds `paired_<filter>_c<clients>` to `m`.
 */
export async function pairedInt8Cells(ctx: BenchContext, dataDir: string, m: Record<string, Measurement>): Promise<void> {
  const copy = `${dataDir}-float32-copy`;
  cpSync(dataDir, copy, { recursive: true });
  const servers: Partial<Record<Side, RunningServer>> = {};
  try {
    servers.int8 = await startOssvServer(dataDir, { args: ["--quantization", "int8"] });
    servers.float32 = await startOssvServer(copy, { args: ["--quantization", "off"] });
    const search: Record<Side, FilteredSearch> = { int8: await ready(ctx, servers.int8), float32: await ready(ctx, servers.float32) };
    for (const side of ["int8", "float32"] as const) {
      await warmUpSystem(search[side]("none"), planFor(ctx, "none", 1, true), ctx.profile.systemWarmupSeconds);
    }
    for (const kind of FILTER_KINDS) {
      for (const clients of [1, ctx.profile.highConcurrency]) {
        const plan = planFor(ctx, kind, clients, true);
        const rounds: Record<Side, QueryFigures>[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const order: Side[] = round % 2 === 0 ? ["int8", "float32"] : ["float32", "int8"];
          const figures: Partial<Record<Side, QueryFigures>> = {};
          for (const side of order) figures[side] = await measureQueries(search[side](kind), plan);
          rounds.push(figures as Record<Side, QueryFigures>);
        }
        const cell = summarize(rounds);
        m[`paired_${kind}_c${clients}`] = cell;
        ctx.log(`    paired ${kind} c${clients}: int8 ${Math.round(cell.int8_qps)} q/s, float32 ${Math.round(cell.float32_qps)} q/s, ratio ${cell.int8_over_float32.toFixed(2)} (rounds ${cell.min_ratio.toFixed(2)}-${cell.max_ratio.toFixed(2)})`);
      }
    }
  } finally {
    await Promise.all(Object.values(servers).map((server) => server.stop()));
    rmSync(copy, { recursive: true, force: true });
  }
}

/** Started from its directory, placed (waitForGraphs), and searched through the SDK. */
async function ready(ctx: BenchContext, server: RunningServer): Promise<FilteredSearch> {
  await waitForGraphs(server);
  return searchWith(ctx, clientFor(server));
}

/** The median, the two middle values averaged when there is an even number of them. */
function middle(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const half = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

function summarize(rounds: Record<Side, QueryFigures>[]) {
  const ratios = rounds.map((round) => round.int8.qps / round.float32.qps);
  const recall = (side: Side) => rounds.reduce((sum, round) => sum + round[side].recall_at_10, 0) / rounds.length;
  return {
    int8_over_float32: middle(ratios), min_ratio: Math.min(...ratios), max_ratio: Math.max(...ratios),
    int8_qps: middle(rounds.map((round) => round.int8.qps)), float32_qps: middle(rounds.map((round) => round.float32.qps)),
    recall_int8: recall("int8"), recall_float32: recall("float32"), rounds: rounds.length,
    note: `after the delete phase and a restart; ${rounds.length} rounds, each cell measured on both servers in turn (int8 first, then float32 first)`,
  };
}
