// The server half of bounded-responses.ts: an ossv server in its own process, so that the event-loop
// delay it reports is the server's alone (the probe's clients parse responses in another process).
// Prints {"port": N} once listening; then answers each line on stdin: "reset" clears the delay
// histogram, "settle" waits for background flushes and merges of every index and prints "{}",
// "report" prints {"maxMs", "p99Ms", "maxCpuMs", "maxGcMs", "rssMiB"}.
// On a shared machine a timer can also be late because the process was not running at all, so
// besides the delay histogram (maxMs, p99Ms) it reports maxCpuMs: the most CPU time the process used
// between two ticks of a 5 ms timer, which only the server's own work (or its GC) can make large.
// Usage (spawned by bounded-responses.ts): bounded-responses-server.ts <dataDir>
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { createInterface } from "node:readline";
import type { DurableCollection } from "@ossv/engine";
import { startServer } from "@ossv/server";

const ACCOUNT = { accountId: "1234567890123456", accessKeyId: "LTAIprobekey0000000000", accessKeySecret: "probe-secret-000000000000000" };

const server = await startServer({ dataDir: process.argv[2]!, port: 0, host: "127.0.0.1", account: ACCOUNT });
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

const toMs = (ns: number) => ns / 1e6;

let maxCpuMs = 0;
let maxGcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) maxGcMs = Math.max(maxGcMs, entry.duration);
}).observe({ entryTypes: ["gc"] });
let lastCpu = process.cpuUsage();
setInterval(() => {
  const used = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  maxCpuMs = Math.max(maxCpuMs, (used.user + used.system) / 1000);
}, 5).unref();

/** Background work (segment flushes after the puts) would otherwise be measured with the reads. */
async function settle(): Promise<void> {
  const { catalog } = server.engine;
  for (const bucket of catalog.listBuckets(ACCOUNT.accountId)) {
    for (const index of catalog.listIndexes(ACCOUNT.accountId, bucket.name)) {
      await (server.engine.collection(index) as DurableCollection).settleBackground();
    }
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line === "reset") {
    delay.reset();
    maxCpuMs = 0;
    maxGcMs = 0;
  }
  if (line === "settle") {
    await settle();
    process.stdout.write("{}\n");
  }
  if (line === "report") {
    const figures = { maxMs: toMs(delay.max), p99Ms: toMs(delay.percentile(99)), maxCpuMs, maxGcMs, rssMiB: process.memoryUsage().rss / 2 ** 20 };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
}
await server.close();
