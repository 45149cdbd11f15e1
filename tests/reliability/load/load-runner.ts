// Runs concurrent clients, each its own VectorsClient (own connections, no retries), each drawing
// operations from a weighted mix until told to stop, a per-client operation budget is spent, or a
// deadline passes. An error while the server is up is a failure to report; once the caller has
// declared the server gone (it is about to be killed), errors only end that client's run.
import type { VectorsClient } from "@ossv/sdk";
import { seededRandom } from "../../../packages/engine/src/base/seeded-random.mjs";
import type { History } from "./history.ts";
import type { KeyChooser } from "./key-chooser.ts";
import type { IndexKind, LoadContext } from "./index-kind.ts";

export type Operation = (ctx: LoadContext) => Promise<unknown>;

export interface LoadOptions {
  clients: VectorsClient[];
  kind: IndexKind;
  history: History;
  keys: KeyChooser;
  /** Operation name -> [weight, operation]. */
  mix: Record<string, [number, Operation]>;
  seed: number;
  maxOpsPerClient: number;
  deadlineMs: number;
  /** Checked before each operation. */
  shouldStop: () => boolean;
  /** True once the server is being killed: errors from then on are expected. */
  serverGone: () => boolean;
}

export interface LoadStats {
  /** Operations answered, by name (an operation cut off by a kill is counted in `started` only). */
  ops: Record<string, number>;
  started: Record<string, number>;
  errors: string[];
  problems: string[];
  /** Requests cut off by the kill. */
  cut: number;
}

const MAX_ERRORS = 20;

export async function runLoad(options: LoadOptions): Promise<LoadStats> {
  const stats: LoadStats = { ops: {}, started: {}, errors: [], problems: [], cut: 0 };
  const deadline = performance.now() + options.deadlineMs;
  await Promise.all(options.clients.map((client, i) => runClient(options, stats, deadline, {
    client, kind: options.kind, history: options.history, keys: options.keys, random: seededRandom(options.seed + i * 7919), problems: stats.problems,
  })));
  return stats;
}

async function runClient(options: LoadOptions, stats: LoadStats, deadline: number, ctx: LoadContext): Promise<void> {
  const entries = Object.entries(options.mix);
  const total = entries.reduce((sum, [, [weight]]) => sum + weight, 0);
  for (let n = 0; n < options.maxOpsPerClient && performance.now() < deadline; n++) {
    if (options.shouldStop() || stats.errors.length >= MAX_ERRORS) return;
    const [name, operation] = pick(entries, total, ctx.random());
    count(stats.started, name);
    try {
      await operation(ctx);
      count(stats.ops, name);
    } catch (error) {
      if (options.serverGone()) {
        stats.cut++;
        return;
      }
      stats.errors.push(`${name}: ${describeError(error)}`);
    }
  }
}

function count(counts: Record<string, number>, name: string): void {
  counts[name] = (counts[name] ?? 0) + 1;
}

function pick(entries: Array<[string, [number, Operation]]>, total: number, draw: number): [string, Operation] {
  let left = draw * total;
  for (const [name, [weight, operation]] of entries) {
    left -= weight;
    if (left < 0) return [name, operation];
  }
  const [name, [, operation]] = entries.at(-1) as [string, [number, Operation]];
  return [name, operation];
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { statusCode?: number }).statusCode;
  return `${error.name}${status ? ` ${status}` : ""}: ${error.message}`;
}
