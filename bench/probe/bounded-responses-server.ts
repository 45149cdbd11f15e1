// The server half of bounded-responses.ts: an ossv server in its own process, so that the event-loop
// delay it reports is the server's alone (the probe's clients parse responses in another process).
// Prints {"port": N} once listening; then answers each line on stdin: "reset" clears the delay
// histogram, "report" prints {"maxMs", "p99Ms", "rssMiB"}.
// Usage (spawned by bounded-responses.ts): bounded-responses-server.ts <dataDir>
import { monitorEventLoopDelay } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { startServer } from "@ossv/server";

const ACCOUNT = { accountId: "1234567890123456", accessKeyId: "LTAIprobekey0000000000", accessKeySecret: "probe-secret-000000000000000" };

const server = await startServer({ dataDir: process.argv[2]!, port: 0, host: "127.0.0.1", account: ACCOUNT });
const delay = monitorEventLoopDelay({ resolution: 5 });
delay.enable();
process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);

const toMs = (ns: number) => ns / 1e6;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "reset") delay.reset();
  if (line === "report") {
    const figures = { maxMs: toMs(delay.max), p99Ms: toMs(delay.percentile(99)), rssMiB: process.memoryUsage().rss / 2 ** 20 };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
  }
}
await server.close();
