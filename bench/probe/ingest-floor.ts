// Probe: the fastest durable ingest over HTTP with vectors as JSON numbers on this machine, set against
// issue 5's ingest target (2x LanceDB). The wire protocol carries every value as a decimal number and
// every SDK signs a Content-MD5 of the body, so any client must write the decimals and hash them, and
// any server must hash and read them and make the batch durable before answering. This probe does only
// that: the client writes the bench's batches (500 x 128) as a bare JSON array of arrays with the SDK's
// float32 writer, the server (this file again, in its own process) checks the MD5, reads the numbers
// with the server's reader, appends them to a file and fdatasyncs it (one sync for all batches that
// arrived meanwhile), with no keys, metadata, auth, WAL framing, memtable or graph.
// Usage: npx tsx bench/probe/ingest-floor.ts [results.json] [vectors] [dimension]
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, open, rm, type FileHandle } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Agent } from "undici";
import { ByteWriter } from "../../packages/sdk/src/float32-decimal.ts";
import { liftFloat32Array } from "../../packages/server/src/float32-lift.ts";
import { generateDataset, rowVector } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";

const BATCH = 500;
const OPEN_BRACKET = 0x5b;

/** Appends batches to one file, syncing once for every group that arrived during the last sync. */
class GroupCommit {
  private waiting: { bytes: Uint8Array; done: () => void }[] = [];
  private syncing = false;
  constructor(private readonly file: FileHandle) {}

  append(bytes: Uint8Array): Promise<void> {
    return new Promise((done) => {
      this.waiting.push({ bytes, done });
      if (!this.syncing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.syncing = true;
    while (this.waiting.length > 0) {
      const group = this.waiting;
      this.waiting = [];
      for (const { bytes } of group) await this.file.write(bytes);
      await this.file.datasync();
      for (const { done } of group) done();
    }
    this.syncing = false;
  }
}

/** Reads `[[...],[...],...]` into float32 bytes; undefined when the body is not that. */
function readBatch(body: Uint8Array): Uint8Array | undefined {
  const parts: Float32Array[] = [];
  let at = 1;
  while (body[at] === OPEN_BRACKET) {
    const lifted = liftFloat32Array(body, at);
    if (!lifted) return undefined;
    parts.push(lifted.values);
    at = lifted.end + 1; // past the comma or the closing bracket
  }
  const out = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) { out.set(part, offset); offset += part.length; }
  return new Uint8Array(out.buffer);
}

async function serve(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-ingest-floor-"));
  const log = new GroupCommit(await open(join(dir, "log"), "a"));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks);
      const digest = createHash("md5").update(body).digest("base64");
      const values = digest === request.headers["content-md5"] ? readBatch(body) : undefined;
      if (!values) { response.writeHead(400).end(); return; }
      void log.append(values).then(() => response.writeHead(200, { "content-length": 0 }).end());
    });
  });
  process.on("SIGTERM", () => { server.close(); void rm(dir, { recursive: true, force: true }).then(() => process.exit(0)); });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
  });
}

async function startServer(): Promise<{ port: number; stop: () => void }> {
  const script = fileURLToPath(import.meta.url);
  const child = spawn(process.execPath, ["--import", "tsx", script, "serve"], { stdio: ["ignore", "pipe", "inherit"] });
  for await (const line of createInterface({ input: child.stdout })) return { port: Number(line), stop: () => child.kill("SIGTERM") };
  throw new Error("the floor server exited before listening");
}

function batchBody(vectors: Float32Array, dimension: number, first: number): Uint8Array {
  const writer = new ByteWriter();
  writer.byte(OPEN_BRACKET);
  for (let row = first; row < first + BATCH; row++) {
    if (row > first) writer.byte(0x2c);
    writer.float32List(vectors.subarray(row * dimension, (row + 1) * dimension));
  }
  writer.byte(0x5d);
  return writer.result();
}

async function ingest(agent: Agent, origin: string, vectors: Float32Array, dimension: number, writers: number): Promise<number> {
  const batches = vectors.length / dimension / BATCH;
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: writers }, async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const body = batchBody(vectors, dimension, batch * BATCH);
      const md5 = createHash("md5").update(body).digest("base64");
      const response = await agent.request({ origin, path: "/put", method: "POST", body, headers: { "content-md5": md5 } });
      await response.body.arrayBuffer();
      if (response.statusCode !== 200) throw new Error(`batch ${batch}: status ${response.statusCode}`);
    }
  }));
  return (batches * BATCH) / ((performance.now() - started) / 1000);
}

function lancedbIngest(file: string, dimension: number): { one: number; concurrent: number } {
  const results = JSON.parse(readFileSync(file, "utf8")) as { datasets: { spec: { dimension: number }; systems: { system: string; measurements: Record<string, { vectors_per_s?: number }> }[] }[] };
  const lancedb = results.datasets.find((d) => d.spec.dimension === dimension)?.systems.find((s) => s.system === "lancedb");
  return { one: lancedb?.measurements.ingest_1_writer?.vectors_per_s ?? NaN, concurrent: lancedb?.measurements.ingest_concurrent_writers?.vectors_per_s ?? NaN };
}

async function drive(): Promise<void> {
  const resultsFile = process.argv[2] ?? "bench/results/latest.json";
  const count = Number(process.argv[3] ?? 100_000);
  const dimension = Number(process.argv[4] ?? 128);
  const data = generateDataset(datasetSpec("floor", count, dimension, 1));
  const vectors = new Float32Array(count * dimension);
  for (let row = 0; row < count; row++) vectors.set(rowVector(data, row), row * dimension);
  const server = await startServer();
  const agent = new Agent();
  const origin = `http://127.0.0.1:${server.port}`;
  const measured: Record<string, number> = {};
  try {
    await ingest(agent, origin, vectors.subarray(0, 20 * BATCH * dimension), dimension, 1); // warm-up
    measured["1 writer"] = await ingest(agent, origin, vectors, dimension, 1);
    measured["4 writers"] = await ingest(agent, origin, vectors, dimension, 4);
  } finally {
    await agent.close();
    server.stop();
  }
  const peer = lancedbIngest(resultsFile, dimension);
  const row = (name: string, value: number) => console.log(`| ${name} | ${Math.round(value).toLocaleString("en-US")} |`);
  console.log(`\n| ${count} x ${dimension}, batches of ${BATCH} | vectors/s |\n|---|---|`);
  for (const [name, value] of Object.entries(measured)) row(`bare durable JSON ingest, ${name}`, value);
  row(`target: 2x LanceDB, 1 writer (${resultsFile})`, 2 * peer.one);
  row(`target: 2x LanceDB, 4 writers (${resultsFile})`, 2 * peer.concurrent);
}

if (process.argv[2] === "serve") await serve();
else await drive();
