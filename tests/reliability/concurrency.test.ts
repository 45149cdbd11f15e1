// 64 SDK clients for 60 seconds against a real `ossv serve` process: puts, deletes, gets, lists and
// queries on 256 shared keys, writes to one key overlapping freely. Every request and what it saw is
// recorded (load/history.ts) and each key's history must be linearizable (load/register-checker.ts);
// no request may fail; and the server's memory must hold steady: the mean RSS of the last 10 seconds
// within 20 % of the mean of the first 10 seconds after a warm-up of the same load (see WARM_UP_OPS).
// The same size runs in CI and under `npm run torture`: 64 clients for 60 seconds is the requirement.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History } from "./load/history.ts";
import { KeyChooser } from "./load/key-chooser.ts";
import { deleteSome, getSome, listAll, putSome, querySome } from "./load/load-ops.ts";
import { runLoad, type LoadOptions } from "./load/load-runner.ts";
import { checkHistory } from "./load/register-checker.ts";
import { meanKib, sampleRss } from "./load/rss-sampler.ts";
import { createBucketAndIndex, sdkClient, startServe, stopServe } from "./load/serve-fixture.ts";
import { standardKind } from "./load/standard-kind.ts";
import { testSeed } from "./scale.ts";

const CLIENTS = 64;
const RUN_MS = 60_000;
const KEYS = 256;
const RSS_INTERVAL_MS = 500;
/**
 * Warm-up: the same load for this many operations before the measured minute. The server's RSS climbs
 * while V8 sizes its heap and the first graph builds run, and that takes an amount of work, not of time:
 * alone on the machine the server had settled after about 10 seconds (some 11 000 operations), but
 * on a machine busy with other work it was still climbing after 60 seconds and 10 000 operations.
 */
const WARM_UP_OPS = 20_000;
const WARM_UP_LIMIT_MS = 180_000;
const WINDOW_MS = 10_000;
const RSS_TOLERANCE = 0.2;
/**
 * Small segments, so flushes, graph builds, merges and checkpoints keep running under the load: that
 * is where a race or a leak would be.
 */
const POLICY = { segmentRows: 256, maxWalObjects: 32, maxSegments: 4, idleFlushMs: 500, idleFlushRows: 32, idleMergeMs: 2000 };

const MIX: LoadOptions["mix"] = {
  put: [30, (ctx) => putSome(ctx, 3)],
  delete: [10, (ctx) => deleteSome(ctx, 2)],
  get: [30, (ctx) => getSome(ctx, 5)],
  list: [2, (ctx) => listAll(ctx, 100)],
  query: [28, (ctx) => querySome(ctx, 10)],
};

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, count) => total + count, 0);
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;

test(`${CLIENTS} clients for ${RUN_MS / 1000} s on overlapping keys: linearizable, no errors, steady memory`, { timeout: 6 * 60_000 }, async () => {
  const seed = testSeed("concurrency");
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-concurrency-"));
  const history = new History();
  const server = await startServe(dataDir, POLICY);
  try {
    await createBucketAndIndex(sdkClient(server.port), standardKind);
    const load = {
      clients: Array.from({ length: CLIENTS }, () => sdkClient(server.port)), kind: standardKind, history, keys: new KeyChooser(KEYS, false),
      mix: MIX, shouldStop: () => false, serverGone: () => false,
    };
    const warmUp = await runLoad({ ...load, seed, maxOpsPerClient: Math.ceil(WARM_UP_OPS / CLIENTS), deadlineMs: WARM_UP_LIMIT_MS });
    const rss = sampleRss(server.child.pid as number, RSS_INTERVAL_MS);
    const stats = await runLoad({ ...load, seed: seed + 1, maxOpsPerClient: 1_000_000, deadlineMs: RUN_MS });
    const samples = await rss.stop();
    const result = checkHistory(history);
    const first = meanKib(samples, 0, WINDOW_MS);
    const last = meanKib(samples, RUN_MS - WINDOW_MS, RUN_MS);
    console.log(`# concurrency: warm-up ${sum(warmUp.ops)} operations, then ${sum(stats.ops)} in ${RUN_MS / 1000} s ${JSON.stringify(stats.ops)}; `
      + `${history.writesAcknowledged} key writes acknowledged; ${result.reads} reads of ${result.keys} keys checked, `
      + `${result.violationCount} linearizability violations; ${warmUp.errors.length + stats.errors.length} errors, `
      + `${warmUp.problems.length + stats.problems.length} wrong answers; server RSS mean ${mib(first)} in the first ${WINDOW_MS / 1000} s after `
      + `warm-up, ${mib(last)} in the last ${WINDOW_MS / 1000} s (${samples.length} samples, peak ${mib(Math.max(...samples.map((sample) => sample.kib)))})`);
    assert.deepEqual([...warmUp.errors, ...stats.errors], [], "no request failed");
    assert.deepEqual([...warmUp.problems, ...stats.problems], [], "no wrong answers");
    assert.deepEqual(result.violations, [], "every read is explained by a linearization");
    assert.ok(Math.abs(last - first) <= RSS_TOLERANCE * first, `server RSS went from ${first} KiB to ${last} KiB`);
  } finally {
    assert.equal(await stopServe(server), 0, `the server stops cleanly:\n${server.output().slice(-4000)}`);
    await rm(dataDir, { recursive: true, force: true });
  }
});
