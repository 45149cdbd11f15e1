// What idle nodes cost an object store: `ossv_object_store_requests_total` of two nodes, read over a
// few seconds with one index in use, with four, and once the four have gone idle. Every index is
// written through node A (its writer) and read through node B (a reader of it). A reader polls an
// index's WAL while the index is in use, mostly by asking for the next object by name (a GET) and
// every fourth poll by listing it, and stops once no request has used it for the idle time (here
// 3 s, by default 60): the next read looks at the store first, so it still sees every write
// acknowledged before it (docs/scale-out.md#costs-of-polling). The rates are printed as a
// measurement; the test asserts that the counter is exposed, that four indexes in use cost the
// reader more than one, mostly in GETs, and idle ones less than in use, and that a read after the
// idle time sees a write made meanwhile.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as pause } from "node:timers/promises";
import { VectorsClient } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT } from "../e2e/serve-process.ts";
import { newBucket, useTestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const IDLE_MS = 4_000;
/** OSSV_CLUSTER_TIMINGS idleAfterMs: short, so the test sees indexes go idle. */
const IDLE_AFTER_MS = 3_000;

/** The request counts the node reports, by operation. */
async function storeRequests(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/-/metrics`)).text();
  const counts: Record<string, number> = {};
  for (const match of text.matchAll(/^ossv_object_store_requests_total\{operation="([a-z_]+)"\} (\d+)$/gm)) counts[match[1]!] = Number(match[2]);
  return counts;
}

/** Requests per second, by operation, over `ms` of doing nothing, after `settleMs`. */
async function idleRates(port: number, settleMs: number, ms = IDLE_MS): Promise<Record<string, number>> {
  await pause(settleMs); // what the last change set off (a catalog look, the new index's first polls) settles
  const before = await storeRequests(port);
  await pause(ms);
  const after = await storeRequests(port);
  return Object.fromEntries(Object.entries(after).map(([operation, count]) => [operation, (count - (before[operation] ?? 0)) / (ms / 1000)]));
}

const describe = (rates: Record<string, number>) => Object.entries(rates).filter(([, rate]) => rate > 0).map(([op, rate]) => `${rate.toFixed(1)} ${op}/s`).join(", ");

const MASTER_KEY = Buffer.alloc(32, 7).toString("base64");

test("idle nodes' requests to the store, with one index in use and with four", { skip }, async () => {
  const endpoint = await s3();
  const bucket = await newBucket(endpoint);
  const dirs = [await mkdtemp(join(tmpdir(), "ossv-polling-a-")), await mkdtemp(join(tmpdir(), "ossv-polling-b-"))];
  const nodes = await Promise.all(dirs.map((dataDir) => spawnServe(
    ["--data-dir", dataDir, "--store", `s3://${bucket}/ossv`, "--s3-endpoint", endpoint.endpoint, "--s3-path-style", "--quiet"],
    {
      ...TEST_ACCOUNT, OSSV_MASTER_KEY: MASTER_KEY, OSSV_CLUSTER_TIMINGS: JSON.stringify({ idleAfterMs: IDLE_AFTER_MS }), AWS_ACCESS_KEY_ID: endpoint.accessKeyId, AWS_SECRET_ACCESS_KEY: endpoint.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  )));
  try {
    const [writer, reader] = nodes.map((node) => new VectorsClient({
      region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${node.port}`,
      credentials: { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET },
    })) as [VectorsClient, VectorsClient];
    assert.ok(((await storeRequests(nodes[0]!.port))["list"] ?? 0) > 0, "the node lists the store from its start, and says so");
    await writer.putVectorBucket({ bucket: "idle" });
    const use = async (indexName: string) => {
      await writer.putVectorIndex({ bucket: "idle", indexName, dataType: "float32", dimension: 4, distanceMetric: "cosine" });
      await writer.putVectors({ bucket: "idle", indexName, vectors: [{ key: "k", data: { float32: [1, 2, 3, 4] } }] });
      // The reader sees the catalog change at its next look (within a second): ask until it has the index.
      for (let attempt = 0; ; attempt++) {
        const answer = await reader.getVectors({ bucket: "idle", indexName, keys: ["k"] }).catch((error: unknown) => error);
        if (!(answer instanceof Error)) break;
        assert.ok(attempt < 50, `the reader never served ${indexName}: ${answer.message}`);
        await pause(100);
      }
    };
    await use("i0");
    const one = await Promise.all(nodes.map((node) => idleRates(node.port, 500, 2_000)));
    for (const name of ["i1", "i2", "i3"]) await use(name);
    const four = await Promise.all(nodes.map((node) => idleRates(node.port, 500, 2_000)));
    const idle = await Promise.all(nodes.map((node) => idleRates(node.port, IDLE_AFTER_MS)));
    console.log(`# default timings, idle after ${IDLE_AFTER_MS / 1000} s: writer node with 1 index in use ${describe(one[0]!)}, with 4 ${describe(four[0]!)}, `
      + `4 idle ${describe(idle[0]!)}; reader node with 1 index in use ${describe(one[1]!)}, with 4 ${describe(four[1]!)}, 4 idle ${describe(idle[1]!)}`);
    assert.ok((four[1]!["list"] ?? 0) > (one[1]!["list"] ?? 0), `the reader must list 4 indexes (${describe(four[1]!)}) more than 1 (${describe(one[1]!)})`);
    assert.ok((idle[1]!["list"] ?? 0) < (four[1]!["list"] ?? 0), `idle indexes (${describe(idle[1]!)}) must cost the reader less than in use (${describe(four[1]!)})`);
    // (Before polls asked by name, each index in use cost the reader 5 LISTs a second and 1 GET.)
    assert.ok((four[1]!["list"] ?? 0) < (four[1]!["get"] ?? 0), `a reader polls mostly by GET, not LIST (${describe(four[1]!)})`);
    // A write while the reader is idle is seen by the reader's next read all the same.
    await writer.putVectors({ bucket: "idle", indexName: "i2", vectors: [{ key: "late", data: { float32: [4, 3, 2, 1] } }] });
    const { vectors } = await reader.getVectors({ bucket: "idle", indexName: "i2", keys: ["late"] });
    assert.deepEqual(vectors.map((vector) => vector.key), ["late"], "the idle reader's first read sees the write");
  } finally {
    for (const node of nodes) node.child.kill("SIGTERM");
    await Promise.all(nodes.map((node) => node.exited));
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  }
});
