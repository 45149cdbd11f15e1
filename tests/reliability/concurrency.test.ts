// 64 SDK clients for 60 seconds against a real `ossv serve` process: puts, deletes, gets, lists and
// queries on 256 shared keys, writes to one key overlapping freely. Every request and what it saw is
// recorded (load/history.ts) and each key's history must be linearizable (load/register-checker.ts);
// no request may fail; and the server's memory must hold steady: the mean RSS of the last 10 seconds
// within 20 % of the mean of the 10 seconds after a 10-second warm-up. The same size runs in CI and
// under `npm run torture`: 64 clients for 60 seconds is the requirement itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { History } from "./load/history.ts";
import { KeyChooser } from "./load/key-chooser.ts";
import { deleteSome, getSome, listAll, putSome, querySome } from "./load/load-ops.ts";
import { runLoad } from "./load/load-runner.ts";
import { checkHistory } from "./load/register-checker.ts";
import { meanKib, sampleRss } from "./load/rss-sampler.ts";
import { createBucketAndIndex, sdkClient, startServe, stopServe } from "./load/serve-fixture.ts";
import { testSeed } from "./scale.ts";

const CLIENTS = 64;
const RUN_MS = 60_000;
const KEYS = 256;
const RSS_INTERVAL_MS = 500;
const WARM_UP_MS = 10_000;
const WINDOW_MS = 10_000;
const RSS_TOLERANCE = 0.2;
/**
 * Small segments, so flushes, graph builds, merges and checkpoints keep running under the load: that
 * is where a race or a leak would be.
 */
const POLICY = { segmentRows: 256, maxWalObjects: 32, maxSegments: 4, idleFlushMs: 500, idleFlushRows: 32, idleMergeMs: 2000 };

test(`${CLIENTS} clients for ${RUN_MS / 1000} s on overlapping keys: linearizable, no errors, steady memory`, { timeout: 5 * 60_000 }, async () => {
  const seed = testSeed("concurrency");
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-concurrency-"));
  const history = new History();
  const server = await startServe(dataDir, POLICY);
  try {
    await createBucketAndIndex(sdkClient(server.port));
    const rss = sampleRss(server.child.pid as number, RSS_INTERVAL_MS);
    const stats = await runLoad({
      clients: Array.from({ length: CLIENTS }, () => sdkClient(server.port)), history, keys: new KeyChooser(KEYS, false),
      mix: {
        put: [30, (ctx) => putSome(ctx, 3)],
        delete: [10, (ctx) => deleteSome(ctx, 2)],
        get: [30, (ctx) => getSome(ctx, 5)],
        list: [2, (ctx) => listAll(ctx, 100)],
        query: [28, (ctx) => querySome(ctx, 10)],
      },
      seed, maxOpsPerClient: 1_000_000, deadlineMs: RUN_MS, shouldStop: () => false, serverGone: () => false,
    });
    const samples = await rss.stop();
    const result = checkHistory(history);
    const first = meanKib(samples, WARM_UP_MS, WARM_UP_MS + WINDOW_MS);
    const last = meanKib(samples, RUN_MS - WINDOW_MS, RUN_MS);
    const total = Object.values(stats.ops).reduce((sum, count) => sum + count, 0);
    console.log(`# concurrency: ${total} operations ${JSON.stringify(stats.ops)}; ${history.writesAcknowledged} key writes acknowledged; `
      + `${result.reads} reads of ${result.keys} keys checked, ${result.violationCount} linearizability violations; `
      + `${stats.errors.length} errors, ${stats.problems.length} wrong answers; server RSS mean ${(first / 1024).toFixed(1)} MiB `
      + `at ${WARM_UP_MS / 1000}-${(WARM_UP_MS + WINDOW_MS) / 1000} s, ${(last / 1024).toFixed(1)} MiB in the last ${WINDOW_MS / 1000} s `
      + `(${samples.length} samples, peak ${(Math.max(...samples.map((sample) => sample.kib)) / 1024).toFixed(1)} MiB)`);
    assert.deepEqual(stats.errors, [], "no request failed");
    assert.deepEqual(stats.problems, [], "no wrong answers");
    assert.deepEqual(result.violations, [], "every read is explained by a linearization");
    assert.ok(Math.abs(last - first) <= RSS_TOLERANCE * first, `server RSS went from ${first} KiB to ${last} KiB`);
  } finally {
    assert.equal(await stopServe(server), 0, "the server stops cleanly");
    await rm(dataDir, { recursive: true, force: true });
  }
});
