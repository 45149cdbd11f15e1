// Raw hnswlib's memory, measured the way a server's is: in a process of its own, as the growth of its
// RSS from before the graph to after it (ossv's figure is its server's RSS above the idle server's).
// Measured inside the bench process instead, the growth was net of whatever earlier cells freed
// meanwhile: at 200k x 128 it came out at 598 B a vector, below the 652 B of the graph's own elements
// (level-0 links, vector, label) before hnswlib's per-element lock and label map, which no measurement
// of the library can be below.
//
// Run by the bench as a child: `tsx --expose-gc bench/systems/hnswlib-memory.ts SPEC_JSON build FILE`
// builds the graph from the data set (regenerated from its spec, before the first reading) and saves it
// to FILE; `... load FILE` reads a saved graph, the library's restart. Prints one line of JSON.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import hnswlib from "hnswlib-node";
import { generateDataset, rowVector, type DatasetSpec } from "../lib/dataset.ts";
import type { Measurement } from "../lib/report-types.ts";
import { settledOwnRss } from "../lib/system-stats.ts";

export const HNSWLIB_BUILD = { m: 16, efConstruction: 128, randomSeed: 100 };

/** How long the child waits after its last GC before reading its RSS (freed pages go back meanwhile). */
const SETTLE_MS = 1_000;

/** The RSS after a GC, a pause and another GC (settledOwnRss collects only when the GC is exposed). */
async function settledRss(): Promise<number> {
  if (!(globalThis as { gc?: () => void }).gc) throw new Error("run with --expose-gc");
  settledOwnRss();
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return settledOwnRss();
}

async function child(specJson: string, mode: string, file: string): Promise<void> {
  const spec = JSON.parse(specJson) as DatasetSpec;
  const data = mode === "build" ? generateDataset(spec) : undefined;
  const before = await settledRss();
  const index = new hnswlib.HierarchicalNSW("ip", spec.dimension);
  if (data) {
    index.initIndex(spec.count, HNSWLIB_BUILD.m, HNSWLIB_BUILD.efConstruction, HNSWLIB_BUILD.randomSeed);
    for (let row = 0; row < spec.count; row++) index.addPoint(Array.from(rowVector(data, row)), row);
  } else {
    index.readIndexSync(file);
  }
  const after = await settledRss();
  if (data) index.writeIndexSync(file);
  console.log(JSON.stringify({ before, after, vectors: index.getCurrentCount() }));
}

/**
 * Runs the child and returns its reading as a measurement: `build` (after ingest) saves the graph to
 * `file`, which `load` (after restart) reads back.
 */
export function rawHnswlibMemory(spec: DatasetSpec, mode: "build" | "load", file: string): Measurement {
  const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
  const args = ["--expose-gc", fileURLToPath(import.meta.url), JSON.stringify(spec), mode, file];
  // The allocator setting ossv's server runs with in the bench (docs/production.md#memory).
  const env = { ...process.env, MALLOC_ARENA_MAX: "2" };
  const result = spawnSync(tsx, args, { encoding: "utf8", env, maxBuffer: 1 << 20 });
  const line = result.stdout.trim().split("\n").pop() ?? "";
  if (result.status !== 0 || !line.startsWith("{")) throw new Error(`raw hnswlib memory child failed (${result.status}): ${result.stderr.slice(-2000)}`);
  const { before, after, vectors } = JSON.parse(line) as { before: number; after: number; vectors: number };
  return {
    rss_bytes: after,
    rss_bytes_before_graph: before,
    rss_bytes_per_vector: (after - before) / vectors,
    vectors,
    note: `growth of a process of its own from before the graph to after it (${mode === "build" ? "built by addPoint" : "read by readIndexSync"}), read ${SETTLE_MS / 1000} s after a GC, MALLOC_ARENA_MAX=2`,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [specJson, mode, file] = process.argv.slice(2);
  if (!specJson || (mode !== "build" && mode !== "load") || !file) throw new Error("usage: hnswlib-memory.ts SPEC_JSON build|load FILE");
  await child(specJson, mode, file);
}
