// Builds one HNSW graph off the event loop (docs/architecture.md#never-blocks: index builds never block
// queries or writes), then calibrates the query beam (ef) for it. Plain JavaScript on purpose: Node 20
// does not pass a worker's entry module through the tsx loader, so a TypeScript worker would not start
// under `node --import tsx`.
//
// In:  workerData = { space, dimension, rows, m, efConstruction, seed, vectors (ArrayBuffer, row-major),
//       base? ({ bytes, rows }: a serialised graph whose labels are rows 0..base.rows-1, to extend) }
// Out: one message { graph: Uint8Array (hnswlib's own file format, transferred), searchEf: number }.
import { parentPort, workerData } from "node:worker_threads";
import { setPriority } from "node:os";
import { HnswIndex } from "@ossv/hnsw";
import { seededRandom } from "../base/seeded-random.mjs";

/** Recall@10 the calibrated beam must reach on the sample (above the 0.95 promise, for margin). */
const TARGET_RECALL = 0.97;
const SAMPLE_QUERIES = 48;
const K = 10;
// Steps of an eighth to a quarter of the beam: on the coarser ladder (32, 48, 64, ...) a graph just
// short of the target at one step paid up to a third more beam at the next.
const EF_STEPS = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 256, 320, 384, 512, 768, 1024];

/**
 * Builds yield to request handling: on Linux a nice value is per thread, so this lowers only this
 * worker. At 10 it still gets about a tenth of a core that requests want, so graphs keep coming
 * under steady load, but a burst of writes or queries is no longer slowed by a build beside it.
 * Elsewhere (macOS) the call would renice the whole server, so it is made on Linux only.
 */
const BUILD_NICENESS = 10;
if (process.platform === "linux") {
  try {
    setPriority(BUILD_NICENESS);
  } catch {
    // Not permitted in some sandboxes; the build just runs at normal priority.
  }
}

const { space, dimension, rows, m, efConstruction, seed, base } = workerData;
const vectors = new Float32Array(workerData.vectors);
const rowOf = (row) => vectors.subarray(row * dimension, (row + 1) * dimension);

/**
 * A new graph, or the base graph grown by the rows after it. HNSW is built by insertion anyway, so
 * extending a graph costs only the new rows' insertions: a merge pays for its smaller inputs, not
 * for all of its rows again.
 */
function build() {
  const graph = new HnswIndex(space, dimension);
  let first = 0;
  if (base) {
    graph.load(base.bytes, undefined, space === "cosine-raw" ? vectors.subarray(0, base.rows * dimension) : undefined);
    if (graph.count() !== base.rows) throw new Error(`base graph holds ${graph.count()} rows, expected ${base.rows}`);
    graph.resize(Math.max(rows, 1));
    first = base.rows;
  } else {
    graph.init(Math.max(rows, 1), m, efConstruction, seed);
  }
  for (let row = first; row < rows; row++) graph.addPoint(rowOf(row), row);
  return graph;
}

/** Distance as the graph's space defines it, for the brute-force ground truth. */
function distance(a, b, normA, normB) {
  let sum = 0;
  if (space === "l2") {
    for (let i = 0; i < dimension; i++) sum += (a[i] - b[i]) ** 2;
    return sum;
  }
  if (space === "ip") {
    for (let i = 0; i < dimension; i++) sum += a[i] * b[i];
    return 1 - sum;
  }
  for (let i = 0; i < dimension; i++) sum += a[i] * b[i];
  return normA * normB === 0 ? 1 : 1 - sum / (normA * normB);
}

/**
 * The exact K nearest rows of each query, nearest first, in one pass over the rows: each row is read
 * from memory once for all the queries instead of once per query.
 */
function exactNeighboursOfAll(queries, norms) {
  const queryNorms = queries.map((query) => Math.hypot(...query));
  const best = queries.map(() => []); // [distance, row] pairs, nearest first, at most K
  for (let row = 0; row < rows; row++) {
    const vector = rowOf(row);
    for (let q = 0; q < queries.length; q++) {
      const d = distance(queries[q], vector, queryNorms[q], norms[row]);
      const list = best[q];
      if (list.length === K && d >= list[K - 1][0]) continue;
      let at = Math.min(list.length, K - 1);
      while (at > 0 && list[at - 1][0] > d) at--;
      list.splice(at, 0, [d, row]);
      if (list.length > K) list.pop();
    }
  }
  return best.map((list) => list.map(([, row]) => row));
}

/**
 * A query like a new point near `row` rather than the stored row itself (which the graph finds
 * trivially, overstating recall): the row moved in a random direction by its distance to its nearest
 * neighbour, as the graph finds it (a step size needs no exact answer).
 */
function probeNear(graph, row, random) {
  const base = rowOf(row);
  const neighbors = graph.search(base, 2, EF_STEPS[EF_STEPS.length - 1]);
  const other = rowOf(neighbors.find((label) => label !== row) ?? row);
  let step = 0;
  for (let i = 0; i < dimension; i++) step += (base[i] - other[i]) ** 2;
  const direction = Float32Array.from({ length: dimension }, () => random() * 2 - 1);
  const scale = Math.sqrt(step) / Math.hypot(...direction);
  return Float32Array.from(base, (value, i) => value + direction[i] * scale);
}

/** The smallest beam whose recall@10 on probe queries near sampled rows reaches the target. */
function calibrate(graph) {
  if (rows <= K * 4) return EF_STEPS[0];
  const norms = Array.from({ length: rows }, (_, row) => Math.hypot(...rowOf(row)));
  const random = seededRandom(seed); // a fixed seed: the same rows always calibrate to the same beam
  const stride = Math.max(1, Math.floor(rows / SAMPLE_QUERIES));
  const queries = [];
  for (let row = 0; row < rows && queries.length < SAMPLE_QUERIES; row += stride) queries.push(probeNear(graph, row, random));
  const truths = exactNeighboursOfAll(queries, norms).map((rowsFound) => new Set(rowsFound));
  for (const ef of EF_STEPS) {
    let found = 0;
    queries.forEach((query, q) => {
      found += graph.search(query, K, ef).filter((label) => truths[q].has(label)).length;
    });
    if (found / (queries.length * K) >= TARGET_RECALL) return ef;
  }
  return EF_STEPS[EF_STEPS.length - 1];
}

const graph = build();
const searchEf = calibrate(graph);
// The bytes travel through the blob store like any object; their buffer is the graph's alone.
const bytes = graph.serialize();
parentPort.postMessage({ graph: bytes, searchEf }, [bytes.buffer]);
