// Probe: the fastest a query can be answered over HTTP on this machine, whatever the server does, set
// against issue 5's query targets. A bare node:http server in its own process (request-floor-server.ts)
// holding the bench's hnswlib graph is driven by an undici client, the SDK's transport, with raw
// float32 bodies and no signing, JSON or engine work on either side: a lower bound on any ossv request.
// The targets come from the LanceDB and raw hnswlib figures in a bench results file.
// Usage: npx tsx bench/probe/request-floor.ts [results.json] [rows] [dimension] [ef]
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { generateDataset, queryVector } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";

const resultsFile = process.argv[2] ?? "bench/results/latest.json";
const rows = Number(process.argv[3] ?? 200_000);
const dimension = Number(process.argv[4] ?? 128);
// The beam the bench's raw hnswlib peer needed for recall@10 0.95 on std-200k-128 (ef 32, recall 0.957).
const ef = Number(process.argv[5] ?? 32);
const WARM_UP_SECONDS = 8;
const MEASURE_SECONDS = 5;

interface Figures { lancedbC1: number; lancedbC8: number; hnswlibC1: number }

function peerFigures(file: string): Figures {
  const results = JSON.parse(readFileSync(file, "utf8")) as { datasets: { spec: { count: number; dimension: number }; systems: { system: string; measurements: Record<string, { qps?: number }> }[] }[] };
  const dataset = results.datasets.find((d) => d.spec.count === rows && d.spec.dimension === dimension);
  if (!dataset) throw new Error(`${file} has no ${rows} x ${dimension} data set`);
  const qps = (system: string, cell: string) => dataset.systems.find((s) => s.system === system)?.measurements[cell]?.qps ?? NaN;
  return { lancedbC1: qps("lancedb", "query_none_c1"), lancedbC8: qps("lancedb", "query_none_c8"), hnswlibC1: qps("hnswlib", "query_none_c1") };
}

async function startServer(): Promise<{ port: number; inProcessQps: number; stop: () => void }> {
  const script = fileURLToPath(new URL("./request-floor-server.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, String(rows), String(dimension), String(ef)], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) {
    const ready = JSON.parse(line) as { port: number; inProcessQps: number };
    return { ...ready, stop: () => child.kill() };
  }
  throw new Error("the floor server exited before listening");
}

// Only the queries are needed here: they depend on the seed, not on the count of rows.
const data = generateDataset(datasetSpec("floor", 1, dimension, 300));
const bodies = Array.from({ length: data.spec.queries }, (_, q) => Buffer.from(queryVector(data, q).slice().buffer));

async function rate(agent: Agent, origin: string, path: string, clients: number, seconds: number): Promise<number> {
  let done = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < end) {
      const response = await agent.request({ origin, path, method: "POST", body: bodies[done++ % bodies.length] });
      await response.body.arrayBuffer();
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

const peers = peerFigures(resultsFile);
console.log(`building the ${rows} x ${dimension} graph in the server process...`);
const server = await startServer();
const agent = new Agent();
const origin = `http://127.0.0.1:${server.port}`;
const measured: Record<string, number> = {};
try {
  await rate(agent, origin, "/search", 1, WARM_UP_SECONDS);
  for (const path of ["/echo", "/search"]) {
    for (const clients of [1, 8]) measured[`${path} c${clients}`] = await rate(agent, origin, path, clients, MEASURE_SECONDS);
  }
} finally {
  await agent.close();
  server.stop();
}

const row = (name: string, value: number) => console.log(`| ${name} | ${Math.round(value).toLocaleString("en-US")} |`);
console.log(`\n| ${rows} x ${dimension}, ef ${ef} | q/s |\n|---|---|`);
row("raw hnswlib in the server process, 1 client (this run)", server.inProcessQps);
for (const [name, value] of Object.entries(measured)) row(`bare HTTP ${name}`, value);
row(`target: 20x LanceDB, 1 client (${resultsFile})`, 20 * peers.lancedbC1);
row(`target: 20x LanceDB, 8 clients (${resultsFile})`, 20 * peers.lancedbC8);
row(`target: half of raw hnswlib (${resultsFile})`, peers.hnswlibC1 / 2);
row("target: half of raw hnswlib (this run)", server.inProcessQps / 2);
