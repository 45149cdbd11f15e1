// What one GET /-/metrics costs as indexes grow: an in-process server with N indexes of a few vectors
// each, then the engine's indexStats() alone and whole scrapes over HTTP (exposition text included),
// median and worst of many, next to a /-/healthz round trip as the floor. Wall time on a shared
// machine is mostly waiting to be scheduled, so CPU time per call (client and server, one process)
// is given too. The per-index gauges are read from counters the engine keeps, so the cost should
// grow with the number of indexes and not with the vectors they hold.
// Usage: npx tsx bench/probe/metrics-scrape.ts [indexes=100] [vectorsPerIndex=200] [scrapes=50]
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { startServer } from "@ossv/server";

const [indexes = 100, perIndex = 200, scrapes = 50] = process.argv.slice(2).map(Number);
const dataDir = await mkdtemp(join(tmpdir(), "ossv-scrape-"));
const server = await startServer({ dataDir, port: 0, host: "127.0.0.1" });
const client = new VectorsClient({
  region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials, retry: false,
});

const buckets = Math.ceil(indexes / 100); // at most 100 indexes a bucket
for (let b = 0; b < buckets; b++) await client.putVectorBucket({ bucket: `scrape-${b}` });
for (let i = 0; i < indexes; i++) {
  const bucket = `scrape-${Math.floor(i / 100)}`;
  await client.putVectorIndex({ bucket, indexName: `idx${i}`, dataType: "float32", dimension: 16, distanceMetric: "cosine" });
  const vectors = Array.from({ length: perIndex }, (_, k) => ({ key: `k${k}`, data: { float32: Array.from({ length: 16 }, () => Math.random()) } }));
  await client.putVectors({ bucket, indexName: `idx${i}`, vectors });
}

function summary(ms: number[], cpuMicros: number): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const cpu = (cpuMicros / 1000 / ms.length).toFixed(3);
  return `median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} ms, max ${sorted.at(-1)!.toFixed(3)} ms, CPU ${cpu} ms a call`;
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return used.user + used.system;
}

let cpu = process.cpuUsage();
const statsMs: number[] = [];
for (let n = 0; n < scrapes; n++) {
  const started = performance.now();
  server.engine.indexStats();
  statsMs.push(performance.now() - started);
}
const statsCpu = cpuSince(cpu);
cpu = process.cpuUsage();
const scrapeMs: number[] = [];
let bytes = 0;
for (let n = 0; n < scrapes; n++) {
  const started = performance.now();
  const text = await (await fetch(`${server.url}/-/metrics`)).text();
  scrapeMs.push(performance.now() - started);
  bytes = Buffer.byteLength(text);
}
const scrapeCpu = cpuSince(cpu);
cpu = process.cpuUsage();
const healthMs: number[] = [];
for (let n = 0; n < scrapes; n++) {
  const started = performance.now();
  await (await fetch(`${server.url}/-/healthz`)).text();
  healthMs.push(performance.now() - started);
}
const healthCpu = cpuSince(cpu);
console.log(`${indexes} indexes x ${perIndex} vectors, ${scrapes} scrapes`);
console.log(`  engine.indexStats(): ${summary(statsMs, statsCpu)}`);
console.log(`  GET /-/metrics:      ${summary(scrapeMs, scrapeCpu)}, ${(bytes / 1024).toFixed(1)} KiB of text`);
console.log(`  GET /-/healthz:      ${summary(healthMs, healthCpu)} (the same HTTP round trip without the metrics)`);
await server.close();
await rm(dataDir, { recursive: true, force: true });
