// Probe: what do unsigned uploads cost the server? `ossv serve` runs as a child process; eight clients
// send unsigned 60 MiB PutVectors bodies (streamed, to an existing bucket and index) over and over
// for a while, all at once, while another client sends signed small GetVectors back to back. Prints
// the server's peak RSS (VmRSS from /proc, sampled every 20 ms), how the uploads were answered, and
// the other client's latency p50/p99/max.
// Usage: npx tsx bench/probe/unauthenticated-load.ts [seconds]
import { readFile, mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT } from "../../tests/e2e/serve-process.ts";
import { describeCalls, timeCallsWhile } from "./timed-calls.ts";

const SECONDS = Number(process.argv[2] ?? 15);
const UPLOADERS = 8;
const BODY_BYTES = 60 * 1024 * 1024;
const PIECE = Buffer.alloc(64 * 1024, 0x20); // JSON whitespace: a body that would parse if it were read
const BUCKET = "target";

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

/** Samples the process's RSS until `done` settles; resolves to the peak in MiB. */
async function peakRss(pid: number, done: Promise<unknown>): Promise<number> {
  let finished = false;
  void done.finally(() => (finished = true));
  let peak = 0;
  while (!finished) {
    peak = Math.max(peak, await rssKiB(pid).catch(() => 0));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return peak / 1024;
}

interface Upload { status: number; sentMiB: number }

/**
 * One unsigned upload. Like a hostile client, it keeps writing after the server's answer, until the
 * server closes the connection or all 60 MiB are sent.
 */
function unsignedUpload(port: number): Promise<Upload> {
  const headers = { "content-type": "application/json", "content-length": String(BODY_BYTES) };
  return new Promise((resolve) => {
    let sent = 0;
    let status = 0;
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      resolve({ status, sentMiB: sent / 2 ** 20 });
    };
    const req = request({ host: "127.0.0.1", port, method: "POST", path: `/${BUCKET}/?putVectors`, headers }, (res) => {
      status = res.statusCode ?? 0;
      res.resume().on("error", finish);
    });
    req.on("error", finish).on("close", finish);
    const write = () => {
      while (sent < BODY_BYTES && !req.destroyed) {
        sent += PIECE.length;
        if (!req.write(PIECE)) return void req.once("drain", write);
      }
      if (sent >= BODY_BYTES) req.end();
    };
    write();
  });
}

async function uploadUntil(port: number, deadline: number, outcomes: Map<string, number>): Promise<number> {
  let sentMiB = 0;
  while (performance.now() < deadline) {
    const upload = await unsignedUpload(port);
    const name = upload.status === 0 ? "connection closed" : String(upload.status);
    outcomes.set(name, (outcomes.get(name) ?? 0) + 1);
    sentMiB += upload.sentMiB;
  }
  return sentMiB;
}

const dataDir = await mkdtemp(join(tmpdir(), "ossv-probe-unauth-"));
const serve = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
try {
  const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${serve.port}`, credentials, retry: false,
  });
  await client.putVectorBucket({ bucket: BUCKET });
  await client.putVectorIndex({ bucket: BUCKET, indexName: "idx", dataType: "float32", dimension: 8, distanceMetric: "euclidean" });
  await client.putVectors({ bucket: BUCKET, indexName: "idx", vectors: [{ key: "a", data: { float32: [1, 2, 3, 4, 5, 6, 7, 8] }, metadata: { m: "x" } }] });
  const smallRead = () => client.getVectors({ bucket: BUCKET, indexName: "idx", keys: ["a"], returnData: true, returnMetadata: true });
  const warmEnd = performance.now() + 2000;
  await timeCallsWhile(smallRead, () => performance.now() < warmEnd); // warm the path
  const idleRss = await rssKiB(serve.child.pid!) / 1024;
  const deadline = performance.now() + SECONDS * 1000;
  const outcomes = new Map<string, number>();
  const load = Promise.all([
    Promise.all(Array.from({ length: UPLOADERS }, () => uploadUntil(serve.port, deadline, outcomes))),
    timeCallsWhile(smallRead, () => performance.now() < deadline),
  ]);
  const peak = await peakRss(serve.child.pid!, load);
  const [sent, reads] = await load;
  const totalSent = sent.reduce((a, b) => a + b, 0);
  console.log(`${UPLOADERS} unsigned uploaders for ${SECONDS} s: ${[...outcomes].map(([k, v]) => `${v} x ${k}`).join(", ")}; ${totalSent.toFixed(0)} MiB handed to their sockets in all`);
  console.log(`server RSS: ${idleRss.toFixed(0)} MiB before, peak ${peak.toFixed(0)} MiB during`);
  console.log(describeCalls("signed small GetVectors", reads));
} finally {
  serve.child.kill("SIGTERM");
  await serve.exited;
  await rm(dataDir, { recursive: true, force: true });
}
