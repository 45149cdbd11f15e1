// A reader's reload after a checkpoint that adds one small segment to a large index: how long the
// reload takes and how much memory the process holds on top of the reader's state right after it
// (before a GC: the old state, or whatever it no longer shares, is still allocated then, so this is
// the reload's peak). Writer and reader in one process over a local-directory store, as in
// index-reader.test.ts; the writer's own state is in the baseline too. Also the longest the event loop
// was blocked during the reload (queries wait that long).
// Run: node --expose-gc --import tsx packages/engine/bench/reader-reload.ts [rows] [dimension] [segments] [added] [reloads]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { LocalBlobStore } from "../src/storage/local-blob-store.ts";
import { CollectionLayout } from "../src/storage/collection-layout.ts";
import { IndexReader } from "../src/cluster/index-reader.ts";
import { MANUAL_POLICY, TestCluster, testIndex } from "../src/testing/cluster-nodes.ts";
import { seededRandom } from "../src/base/seeded-random.mjs";
import type { SharedCollection } from "../src/cluster/shared-collection.ts";

const ROWS = Number(process.argv[2] ?? 50_000);
const DIMENSION = Number(process.argv[3] ?? 64);
const SEGMENTS = Number(process.argv[4] ?? 5);
const ADDED = Number(process.argv[5] ?? 100);
const RELOADS = Number(process.argv[6] ?? 3);
const MB = 1024 * 1024;

const gc = (globalThis as { gc?: () => void }).gc ?? ((): never => {
  throw new Error("run with node --expose-gc");
});
const random = seededRandom(7);

async function putRows(writer: SharedCollection, prefix: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += 1000) {
    const rows = Array.from({ length: Math.min(1000, count - from) }, (_, i) => {
      const data = new Float32Array(DIMENSION);
      for (let d = 0; d < DIMENSION; d++) data[d] = random() * 2 - 1;
      return { key: `${prefix}${from + i}`, data, metadata: {} };
    });
    await writer.put(rows);
  }
}

/** Bytes the process holds: JS heap plus what lives outside it (buffers, WebAssembly, hnswlib). */
function held(): { rss: number; js: number } {
  const use = process.memoryUsage();
  return { rss: use.rss, js: use.heapUsed + use.external };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-reader-reload-"));
  const index = testIndex("00000000000000aa", DIMENSION);
  const store = new LocalBlobStore(dir);
  // Each flush its own segment, so the index has SEGMENTS segments of ROWS / SEGMENTS rows.
  const cluster = new TestCluster(store, { ...MANUAL_POLICY, freezeMergeRatio: 0 });
  try {
    const writer = await (await cluster.join("writer")).open(index);
    await writer.maintain();
    const started = performance.now();
    for (let s = 0; s < SEGMENTS; s++) {
      await putRows(writer, `s${s}-`, ROWS / SEGMENTS);
      await writer.flush();
    }
    console.log(`built ${ROWS} x ${DIMENSION} in ${SEGMENTS} segments in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const reader = await IndexReader.open(store, new CollectionLayout(index.id), index);
    for (let r = 0; r < RELOADS; r++) {
      await putRows(writer, `added${r}-`, ADDED);
      await writer.flush();
      gc();
      const before = held();
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const t0 = performance.now();
      await reader.poll();
      const ms = performance.now() - t0;
      delay.disable();
      const after = held();
      gc();
      const settled = held();
      console.log(`reload ${r + 1}: ${ms.toFixed(0)} ms, event loop blocked ${(delay.max / 1e6).toFixed(0)} ms at most; right after it +${((after.rss - before.rss) / MB).toFixed(0)} MB rss, `
        + `+${((after.js - before.js) / MB).toFixed(0)} MB heap+external; after a GC +${((settled.rss - before.rss) / MB).toFixed(0)} MB rss; `
        + `reader holds ${reader.state.segments.length} segments, ${reader.state.count} rows`);
    }
  } finally {
    await cluster.close();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
