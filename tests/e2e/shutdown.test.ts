// SIGTERM stops a real `ossv serve` promptly while a graph build runs in the background: the build is
// abandoned (nothing it would have written is named by a manifest), every acknowledged write is there
// after a restart, and the abandoned work is done again then.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AdminClient, VectorsClient } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";

const ROWS = 24_000;
const DIMENSION = 96;
const BATCH = 500;
/** The requirement is 3 s; the test allows more because the machine may be busy with other tests. */
const EXIT_WITHIN_MS = 3_000 * 1.5;

// One segment of every row, frozen only once all are written: its graph takes many seconds to build.
const POLICY = JSON.stringify({ segmentRows: ROWS, segmentBytes: 1024 * 1024 * 1024, idleFlushMs: 600_000, idleMergeMs: 0 });
const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };

interface Described {
  count: number;
  backgroundTasks: number;
  segments: Array<{ rows: number; graph: boolean }>;
}

function clientsOf(serve: ServeProcess) {
  const endpoint = `http://127.0.0.1:${serve.port}`;
  return {
    sdk: new VectorsClient({ region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint, credentials, retry: false }),
    admin: new AdminClient({ endpoint, region: "cn-hangzhou", credentials }),
  };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("SIGTERM during a graph build exits within 3 s, loses nothing acknowledged, and the build completes after restart", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-shutdown-"));
  const env = { ...TEST_ACCOUNT, OSSV_CHECKPOINT_POLICY: POLICY };
  try {
    const first = await spawnServe(["--data-dir", dataDir, "--quiet"], env);
    const { sdk, admin } = clientsOf(first);
    await sdk.putVectorBucket({ bucket: "stop" });
    await sdk.putVectorIndex({ bucket: "stop", indexName: "idx", dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean" });
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let start = 0; start < ROWS; start += BATCH) {
      const vectors = Array.from({ length: BATCH }, (_, i) => ({
        key: `k${start + i}`, data: { float32: Array.from({ length: DIMENSION }, random) },
      }));
      await sdk.putVectors({ bucket: "stop", indexName: "idx", vectors });
    }
    // The last batch filled the memtable: the flush froze it and is building its graph. The frozen
    // segment shows without a graph until the build is done, so this is the moment to stop.
    await waitFor("the graph build to start", async () => {
      const described = await admin.describeIndex("stop", "idx") as Described;
      return described.backgroundTasks > 0 && described.segments.some((segment) => !segment.graph);
    }, 30_000);

    const signalledAt = performance.now();
    first.child.kill("SIGTERM");
    const code = await first.exited;
    const exitMs = performance.now() - signalledAt;
    console.log(`ossv serve exited ${exitMs.toFixed(0)} ms after SIGTERM during a graph build of ${ROWS} rows`);
    assert.equal(code, 0, first.output());
    assert.ok(exitMs < EXIT_WITHIN_MS, `exit took ${exitMs.toFixed(0)} ms`);

    const second = await spawnServe(["--data-dir", dataDir, "--quiet"], { ...env, OSSV_CHECKPOINT_POLICY: JSON.stringify({ ...JSON.parse(POLICY), idleFlushMs: 200 }) });
    try {
      const again = clientsOf(second);
      const described = await again.admin.describeIndex("stop", "idx") as Described;
      assert.equal(described.count, ROWS, "every acknowledged write is back");
      const sample = await again.sdk.getVectors({ bucket: "stop", indexName: "idx", keys: ["k0", `k${ROWS / 2}`, `k${ROWS - 1}`] });
      assert.equal(sample.vectors.length, 3);
      // The abandoned flush runs again: the rows end in one segment with its graph.
      await waitFor("the flush to complete after restart", async () => {
        const now = await again.admin.describeIndex("stop", "idx") as Described;
        return now.backgroundTasks === 0 && now.segments.length === 1 && now.segments[0]!.graph && now.segments[0]!.rows === ROWS;
      }, 180_000);
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    } finally {
      second.child.kill("SIGKILL");
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
