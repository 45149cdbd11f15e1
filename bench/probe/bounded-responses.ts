// Probe: does one client's very large read stall everyone else? An ossv server in its own process
// holds 1,000 maximal vectors (4,096 dimensions, ~40 KB of metadata each). Four clients each list the
// whole index with maxResults 1000, returnData and returnMetadata, all at once, while another client
// sends small GetVectors (one key of an 8-dimension index) back to back. Prints that client's latency
// p50/p99/max and the longest the server's event loop was blocked (monitorEventLoopDelay).
// The four listers only count the bytes they receive (and find nextToken at the end), so their own
// parsing does not delay the small client, which shares their process.
// Usage: npx tsx bench/probe/bounded-responses.ts [vectors]
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { ListVectorsCommand, VectorsClient } from "@ossv/sdk";
import { describeCalls, timeCallsWhile } from "./timed-calls.ts";

const VECTORS = Number(process.argv[2] ?? 1000);
const DIMENSION = 4096;
const LISTERS = 4;
const ACCOUNT = { accountId: "1234567890123456", accessKeyId: "LTAIprobekey0000000000", accessKeySecret: "probe-secret-000000000000000" };
const BUCKET = "probe";

interface ServerChild { port: number; ask(line: string): Promise<string>; stop(): Promise<void> }

async function startServerChild(dataDir: string): Promise<ServerChild> {
  const script = fileURLToPath(new URL("./bounded-responses-server.ts", import.meta.url));
  const child = spawn(process.execPath, [...(process.env["PROBE_SERVER_NODE_ARGS"]?.split(" ") ?? []), "--import", "tsx", script, dataDir], { stdio: ["pipe", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => (await lines.next()).value as string;
  const { port } = JSON.parse(await next()) as { port: number };
  return {
    port,
    ask: async (line) => { child.stdin.write(`${line}\n`); return line === "reset" ? "" : next(); },
    stop: () => {
      child.stdin.end();
      return exited;
    },
  };
}

function maximalVector(i: number) {
  const data = Float32Array.from({ length: DIMENSION }, (_, d) => Math.sin(i * 7919 + d * 104729) * 0.999);
  // 40 KiB of compact JSON at most: leave room for the key names and quotes.
  return { key: `v${String(i).padStart(5, "0")}`, data: { float32: data }, metadata: { tag: `t${i % 10}`, blob: "x".repeat(40_900) } };
}

async function populate(client: VectorsClient): Promise<void> {
  await client.putVectorBucket({ bucket: BUCKET });
  await client.putVectorIndex({ bucket: BUCKET, indexName: "big", dataType: "float32", dimension: DIMENSION, distanceMetric: "euclidean", metadata: { nonFilterableMetadataKeys: ["blob"] } });
  await client.putVectorIndex({ bucket: BUCKET, indexName: "small", dataType: "float32", dimension: 8, distanceMetric: "euclidean" });
  await client.putVectors({ bucket: BUCKET, indexName: "small", vectors: [{ key: "s", data: { float32: [1, 2, 3, 4, 5, 6, 7, 8] }, metadata: { a: "b" } }] });
  for (let start = 0; start < VECTORS; start += 50) {
    const vectors = Array.from({ length: Math.min(50, VECTORS - start) }, (_, j) => maximalVector(start + j));
    await client.putVectors({ bucket: BUCKET, indexName: "big", vectors });
  }
}

/** Lists the whole big index as one client, counting bytes; returns [pages, bytes, largest page]. */
async function listAll(client: VectorsClient): Promise<[number, number, number]> {
  let token: string | undefined;
  let pages = 0, bytes = 0, largest = 0;
  do {
    const input = { bucket: BUCKET, indexName: "big", maxResults: 1000, returnData: true, returnMetadata: true, ...(token ? { nextToken: token } : {}) };
    const signed = await client.presign(new ListVectorsCommand(input));
    const response = await request(signed.url, { method: "POST", headers: signed.headers, body: signed.body ?? "" });
    if (response.statusCode !== 200) throw new Error(`ListVectors answered ${response.statusCode}: ${await response.body.text()}`);
    let size = 0;
    let tail = "";
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length;
      tail = (tail + (chunk as Buffer).toString("latin1")).slice(-4096);
    }
    token = /"nextToken":"([^"]+)"/.exec(tail)?.[1];
    pages++; bytes += size; largest = Math.max(largest, size);
  } while (token);
  return [pages, bytes, largest];
}

const dataDir = await mkdtemp(join(tmpdir(), "ossv-probe-bounded-"));
const server = await startServerChild(dataDir);
try {
  const endpoint = `http://127.0.0.1:${server.port}`;
  const config = { region: "cn-hangzhou", accountId: ACCOUNT.accountId, endpoint, credentials: ACCOUNT, retry: false as const };
  const small = new VectorsClient(config);
  const big = new VectorsClient(config);
  console.log(`putting ${VECTORS} vectors of ${DIMENSION} dimensions with ~40 KB metadata...`);
  await populate(big);
  await server.ask("settle");
  // Warm both paths a little so the figures are not of the first, unoptimised runs.
  for (let i = 0; i < 200; i++) await small.getVectors({ bucket: BUCKET, indexName: "small", keys: ["s"], returnData: true, returnMetadata: true });
  await server.ask("reset");
  const started = performance.now();
  const listing = Promise.all(Array.from({ length: LISTERS }, () => listAll(big)));
  let listed = false;
  void listing.finally(() => { listed = true; });
  const smallRun = await timeCallsWhile(
    () => small.getVectors({ bucket: BUCKET, indexName: "small", keys: ["s"], returnData: true, returnMetadata: true }), () => !listed);
  const [pages, bytes, largest] = (await listing)[0]!;
  const seconds = (performance.now() - started) / 1000;
  const loop = JSON.parse(await server.ask("report")) as { maxMs: number; p99Ms: number; maxCpuMs: number; maxGcMs: number; rssMiB: number };
  console.log(`${LISTERS} listers, each: ${pages} pages, ${(bytes / 2 ** 20).toFixed(1)} MiB, largest page ${(largest / 2 ** 20).toFixed(2)} MiB; ${seconds.toFixed(1)} s in all`);
  console.log(describeCalls("small GetVectors", smallRun));
  console.log(`server event loop: longest delay ${loop.maxMs.toFixed(1)} ms, p99 delay ${loop.p99Ms.toFixed(1)} ms, `
    + `most CPU between two 5 ms ticks ${loop.maxCpuMs.toFixed(1)} ms, longest GC pause ${loop.maxGcMs.toFixed(1)} ms; RSS ${loop.rssMiB.toFixed(0)} MiB`);
  console.log(`machine load average ${loadavg().map((l) => l.toFixed(1)).join(" ")} on ${availableParallelism()} cores`);
} finally {
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
