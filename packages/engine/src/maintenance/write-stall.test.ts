// Writes wait while too many rows have no graph yet (write-stall.ts): a write arriving then goes
// ahead only once a build has covered the rows before it, one that waits past stallMs is refused as
// UNAVAILABLE and changes nothing, and deletes never wait.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineError } from "../base/types.ts";
import { WriteGate } from "./write-stall.ts";
import { openTestEngine, randomVector, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";

const DIMENSION = 8;
// No flush of its own accord (segmentRows, idle timers): only the stall asks for one.
const QUIET = { segmentRows: 1_000_000, segmentBytes: 1 << 30, idleFlushMs: 3_600_000, idleMergeMs: 0 };

function rows(from: number, count: number) {
  const random = seededRandom(from + 1);
  return Array.from({ length: count }, (_, i) => ({ key: `k${from + i}`, data: randomVector(random, DIMENSION), metadata: {} }));
}

test("a write waits until the rows before it have a graph", async () => {
  await withTempDir(async (dir) => {
    // Any row without a graph stalls the next write.
    const engine = await openTestEngine(dir, { checkpoint: { ...QUIET, stallBytes: 1, stallMs: 60_000 } });
    const index = await setupIndex(engine, "stall", DIMENSION, "euclidean");
    const collection = engine.collection(index);
    await collection.put(rows(0, 300)); // nothing waits for a graph yet
    assert.equal(collection.describe().memtableRows, 300);
    await collection.put(rows(300, 10));
    const { memtableRows, segments } = collection.describe();
    assert.equal(memtableRows, 10, "the second write went into a fresh memtable");
    assert.deepEqual(segments.map(({ rows: count, graph }) => ({ count, graph })), [{ count: 300, graph: true }], "after the first write's rows got their graph");
    assert.equal(collection.count(), 310);
    await engine.close();
  });
});

test("a write that waits past stallMs is refused as UNAVAILABLE and changes nothing; deletes never wait", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: { ...QUIET, stallBytes: 1, stallMs: 0 } });
    const index = await setupIndex(engine, "stall", DIMENSION, "euclidean");
    const collection = engine.collection(index);
    await collection.put(rows(0, 50));
    await assert.rejects(collection.put(rows(50, 5)), (error: unknown) => {
      assert.ok(error instanceof EngineError && error.code === "UNAVAILABLE", String(error));
      assert.match(error.message, /vector index stall has 0 MiB of vectors waiting for their graphs to be built; retry after a moment/);
      return true;
    });
    assert.equal(collection.get(rows(50, 5).map(({ key }) => key)).length, 0, "the refused write is not there");
    await collection.delete(["k0", "k1"]);
    assert.equal(collection.count(), 48, "the delete went ahead");
    await collection.settleBackground(); // the refused write had asked for a flush
    await collection.put(rows(50, 5));
    assert.equal(collection.count(), 53, "once the graph is built, writes go ahead again");
    await engine.close();
  });
});

test("writes keep their order through a stall: a delete made after a waiting put applies after it", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: { ...QUIET, stallBytes: 1, stallMs: 60_000 } });
    const index = await setupIndex(engine, "stall", DIMENSION, "euclidean");
    const collection = engine.collection(index);
    await collection.put(rows(0, 100));
    const [late] = rows(1000, 1);
    // Made in one step: the put waits for a graph, the delete behind it only for its turn.
    const put = collection.put([late!]);
    const removed = collection.delete([late!.key]);
    await Promise.all([put, removed]);
    assert.deepEqual(collection.get([late!.key]), [], "deleted after it was put");
    // A delete with nothing waiting before it goes ahead at once, stall or not.
    await collection.delete(["k0"]);
    assert.equal(collection.count(), 99);
    await engine.close();
  });
});

test("a put queued behind waiting puts is refused stallMs after it arrived, not after its turn came", async () => {
  // The room never comes: each put waits until its deadline and is refused. Four writers whose puts
  // all wait used to be refused 20, 40, 60 and 80 s after they arrived (a client timed out first).
  const stallMs = 50;
  const deadlines: number[] = [];
  const waitedOut = async (deadline: number) => {
    deadlines.push(deadline);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
    throw new EngineError("UNAVAILABLE", "no room");
  };
  const gate = new WriteGate(() => true, waitedOut, () => stallMs);
  const arrived = performance.now();
  const puts = Array.from({ length: 4 }, () => gate.run(true, async () => "appended"));
  const settled = await Promise.allSettled(puts);
  assert.deepEqual(settled.map(({ status }) => status), ["rejected", "rejected", "rejected", "rejected"]);
  assert.equal(deadlines.length, 4);
  for (const deadline of deadlines) assert.ok(deadline <= performance.now() && deadline - arrived <= stallMs + 5, `deadline ${deadline - arrived} ms after arrival`);
});
