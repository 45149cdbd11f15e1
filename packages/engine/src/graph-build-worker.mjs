// Builds one HNSW graph off the event loop (design §3: index builds never block queries or writes).
// Plain JavaScript on purpose: Node 20 does not pass a worker's entry module through the tsx loader,
// so a TypeScript worker would not start under `node --import tsx`.
//
// In:  workerData = { space, dimension, rows, m, efConstruction, seed, vectors (ArrayBuffer, row-major) }
// Out: one message, the serialised graph bytes (hnswlib's own file format) as a transferred buffer.
import { parentPort, workerData } from "node:worker_threads";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hnswlib from "hnswlib-node";

const { space, dimension, rows, m, efConstruction, seed } = workerData;
const vectors = new Float32Array(workerData.vectors);
const graph = new hnswlib.HierarchicalNSW(space, dimension);
graph.initIndex({ maxElements: Math.max(rows, 1), m, efConstruction, randomSeed: seed });
for (let row = 0; row < rows; row++) {
  graph.addPoint(Array.from(vectors.subarray(row * dimension, (row + 1) * dimension)), row);
}
// hnswlib serialises only to a file; the bytes then travel through the blob store like any object.
const dir = mkdtempSync(join(tmpdir(), "ossv-graph-"));
try {
  const path = join(dir, "graph.hnsw");
  graph.writeIndexSync(path);
  const bytes = new Uint8Array(readFileSync(path));
  parentPort.postMessage(bytes, [bytes.buffer]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
