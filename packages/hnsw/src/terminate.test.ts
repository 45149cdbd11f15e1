// A worker thread stopped while it is inside the addon must end only that worker. The engine stops a
// graph build by terminating its worker (shutdown, a dropped index, a writer that steps down), and a
// build spends nearly all of its time in addPoint. Before the addon was built with
// NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS, the call that noticed the termination could not throw its
// error into JavaScript, threw a C++ exception instead, and std::terminate aborted the whole process:
// servers that ended by SIGABRT on SIGTERM, and a fenced writer that died instead of stepping down.
// The workers run in a child process, so that an abort fails this test rather than the test runner.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const ADDON = fileURLToPath(new URL("./index.js", import.meta.url));
const ROUNDS = 60;

// Each worker builds a graph (with a search now and then) until it is terminated 5-60 ms after it has
// loaded the addon: long enough to be inside addPoint or search, short enough that no build finishes
// first. The clock starts at the worker's "loaded" message: terminating a worker while it is still
// loading modules is a different matter (on a busy machine Node 20 itself aborted there, inside its
// require of an ES module), and not what this test is about.
const WORKER = `
const { HnswIndex } = require(${JSON.stringify(ADDON)});
require("node:worker_threads").parentPort.postMessage("loaded");
const dimension = 64, rows = 50000;
const graph = new HnswIndex("cosine", dimension);
graph.init(rows, 16, 100, 1);
const vector = new Float32Array(dimension);
for (let row = 0; row < rows; row++) {
  for (let i = 0; i < dimension; i++) vector[i] = Math.sin(row * 31 + i);
  graph.addPoint(vector, row);
  if (row % 200 === 0) graph.search(vector, 10, 50);
}`;

const PARENT = `
const { Worker } = require("node:worker_threads");
(async () => {
  for (let round = 0; round < ${ROUNDS}; round++) {
    const worker = new Worker(${JSON.stringify(WORKER)}, { eval: true });
    worker.on("error", () => {});
    await new Promise((resolve) => worker.once("message", resolve));
    await new Promise((resolve) => setTimeout(resolve, 5 + ((round * 37) % 56)));
    await worker.terminate();
  }
  console.log("all ${ROUNDS} workers terminated");
})();`;

test(`${ROUNDS} workers terminated inside addPoint and search leave the process running`, () => {
  const run = spawnSync(process.execPath, ["-e", PARENT], { encoding: "utf8", timeout: 120_000 });
  assert.equal(run.signal, null, `the process ended by ${run.signal}: ${run.stderr.slice(-500)}`);
  assert.equal(run.status, 0, run.stderr.slice(-500));
  assert.match(run.stdout, new RegExp(`all ${ROUNDS} workers terminated`));
});
