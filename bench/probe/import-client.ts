// Probe: the client's CPU per vector of `ossv vectors import` of a JSON Lines file against the SDK
// writing the same rows, both against a sink server (its own process: reads each body, answers 200)
// so that only the client's work is counted. Issue #19's import/SDK ratio is bounded by this when
// both runs keep every core busy.
// Usage: npx tsx bench/probe/import-client.ts [rows] [dimension] [--profile DIR]
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { VectorsClient } from "../../packages/sdk/src/index.ts";
import { generateDataset, metadataOf, rowVector, vectorKey } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";

const rows = Number(process.argv[2] ?? 200_000);
const dimension = Number(process.argv[3] ?? 128);
const profileDir = process.argv.includes("--profile") ? process.argv[process.argv.indexOf("--profile") + 1] : undefined;
const CLI = fileURLToPath(new URL("../../packages/cli/bin/ossv.js", import.meta.url));
const data = generateDataset(datasetSpec("import-client", rows, dimension, 300));
const file = `/tmp/import-client-${rows}x${dimension}.jsonl`;

if (!existsSync(file)) {
  const out = createWriteStream(file);
  for (let row = 0; row < rows; row++) {
    const line = JSON.stringify({ key: vectorKey(row), data: Array.from(rowVector(data, row)), metadata: metadataOf(data, row) }) + "\n";
    if (!out.write(line)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
}

const SINK = `
const http = require("node:http");
const server = http.createServer((req, res) => { req.on("data", () => {}); req.on("end", () => { res.writeHead(200, {"content-type": "application/json", "x-oss-request-id": "x"}); res.end("{}"); }); });
server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
const sink = spawn(process.execPath, ["-e", SINK], { stdio: ["ignore", "pipe", "inherit"] });
const [portLine] = await once(sink.stdout, "data") as [Buffer];
const port = Number(portLine.toString().trim());
const account = { accountId: "1234567890123456", accessKeyId: "LTAIprobe", accessKeySecret: "probe-secret" };

async function sdkRun(): Promise<number> {
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: account.accountId, endpoint: `http://127.0.0.1:${port}`,
    credentials: { accessKeyId: account.accessKeyId, accessKeySecret: account.accessKeySecret }, retry: false,
  });
  const before = process.cpuUsage();
  let next = 0;
  const writer = async () => {
    while (next < rows) {
      const start = next;
      next = Math.min(rows, next + 500);
      const vectors = [];
      for (let row = start; row < next; row++) vectors.push({ key: vectorKey(row), data: { float32: rowVector(data, row) }, metadata: metadataOf(data, row) });
      await client.putVectors({ bucket: "probe-bucket", indexName: "probeindex", vectors });
    }
  };
  await Promise.all([writer(), writer(), writer(), writer()]);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / rows;
}

function timedImport(): { cpuUs: number; seconds: number } {
  const args = [...(profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : []), CLI, "vectors", "import", file, "--bucket", "probe-bucket", "--index", "probeindex",
    "--endpoint", `http://127.0.0.1:${port}`, "--path-style", "--region", "cn-hangzhou", "--account-id", account.accountId, "--batch-size", "500", "--concurrency", "4"];
  return spawnSyncTimed(args);
}

function spawnSyncTimed(args: string[]): { cpuUs: number; seconds: number } {
  const run = spawnSync("/usr/bin/time", ["-f", "TIME %U %S %e", process.execPath, ...args], {
    env: { ...process.env, OSS_ACCESS_KEY_ID: account.accessKeyId, OSS_ACCESS_KEY_SECRET: account.accessKeySecret }, encoding: "utf8",
  });
  const match = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(run.stderr);
  if (!match || run.status !== 0) throw new Error(run.stderr.slice(-2000));
  return { cpuUs: ((Number(match[1]) + Number(match[2])) / rows) * 1e6, seconds: Number(match[3]) };
}

try {
  for (let round = 0; round < (profileDir ? 1 : 3); round++) {
    const sdk = await sdkRun();
    const imp = timedImport();
    console.log(`round ${round}: SDK client ${sdk.toFixed(1)} us/vector; import command ${imp.cpuUs.toFixed(1)} us/vector (${imp.seconds} s, start-up included)`);
  }
} finally {
  sink.kill();
}
