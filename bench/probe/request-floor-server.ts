// The server half of request-floor.ts: the least a query server on node:http and hnswlib-node can do.
// It holds the bench's graph (same data, M 16, efConstruction 128, as bench/systems/hnswlib.ts) and
// answers POST /search (a raw float32 query, no JSON, no auth) with the ten labels, and POST /echo with
// a fixed answer. Before it listens it measures its own in-process search rate, as the bench's raw
// hnswlib peer does. Prints one JSON line to stdout: {"port": N, "inProcessQps": Q}.
// Usage (spawned by request-floor.ts): request-floor-server.ts <rows> <dimension> <ef>
import { createServer } from "node:http";
import hnswlib from "hnswlib-node";
import { generateDataset, queryVector, rowVector } from "../lib/dataset.ts";
import { datasetSpec } from "../lib/profile.ts";

const [rows, dimension, ef] = process.argv.slice(2).map(Number) as [number, number, number];
const data = generateDataset(datasetSpec("floor", rows, dimension, 300));
const index = new hnswlib.HierarchicalNSW("ip", dimension);
index.initIndex(rows, 16, 128, 100);
for (let row = 0; row < rows; row++) index.addPoint(Array.from(rowVector(data, row)), row);
index.setEf(ef);

function inProcessQps(seconds: number): number {
  let done = 0;
  const started = performance.now();
  const end = started + seconds * 1000;
  while (performance.now() < end) index.searchKnn(Array.from(queryVector(data, done++ % data.spec.queries)), 10);
  return done / ((performance.now() - started) / 1000);
}

inProcessQps(2); // warm-up
const rawQps = inProcessQps(5);

const ECHO_ANSWER = JSON.stringify({ vectors: [] });

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    let answer = ECHO_ANSWER;
    if (request.url === "/search") {
      const body = Buffer.concat(chunks);
      const query = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
      answer = JSON.stringify(index.searchKnn(Array.from(query), 10).neighbors);
    }
    response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(answer) });
    response.end(answer);
  });
});

server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port, inProcessQps: rawQps })}\n`);
});
