// The reclaimer's timing (coalescing, the longest wait) on mocked timers, and the real full
// collection giving a dropped buffer's memory back to the system.
import { test, mock } from "node:test";
import assert from "node:assert/strict";
import { fullCollection, MemoryReclaimer } from "./memory-reclaimer.ts";

function reclaimerOnMockedTime(settleMs: number, maxWaitMs: number) {
  mock.timers.enable({ apis: ["setTimeout"] });
  let now = 0;
  let collections = 0;
  const reclaimer = new MemoryReclaimer(settleMs, maxWaitMs, () => collections++, () => now);
  const advance = (ms: number) => {
    now += ms;
    mock.timers.tick(ms);
  };
  return { reclaimer, advance, collections: () => collections };
}

test("requests in a burst give one collection, once the burst has been quiet for the settle time", (t) => {
  t.after(() => mock.timers.reset());
  const { reclaimer, advance, collections } = reclaimerOnMockedTime(1_000, 30_000);
  for (let i = 0; i < 5; i++) {
    reclaimer.request();
    advance(500);
  }
  assert.equal(collections(), 0);
  advance(499);
  assert.equal(collections(), 0);
  advance(1);
  assert.equal(collections(), 1);
  advance(10_000);
  assert.equal(collections(), 1, "nothing more without a new request");
});

test("requests that never stop still get a collection after the longest wait, then again after the next", (t) => {
  t.after(() => mock.timers.reset());
  const { reclaimer, advance, collections } = reclaimerOnMockedTime(1_000, 5_000);
  for (let elapsed = 0; elapsed < 12_000; elapsed += 400) {
    reclaimer.request();
    advance(400);
  }
  assert.equal(collections(), 2, "one per 5 s of unbroken requests");
});

test("the C heap is trimmed a moment after the collection, once V8 has freed the buffers", (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ["setTimeout"] });
  const calls: string[] = [];
  const reclaimer = new MemoryReclaimer(1_000, 5_000, () => calls.push("collect"), () => 0, () => calls.push("trim"), 500);
  reclaimer.request();
  mock.timers.tick(1_000);
  assert.deepEqual(calls, ["collect"]);
  mock.timers.tick(499);
  assert.deepEqual(calls, ["collect"]);
  mock.timers.tick(1);
  assert.deepEqual(calls, ["collect", "trim"]);
  reclaimer.request();
  mock.timers.tick(1_000);
  reclaimer.cancel();
  mock.timers.tick(1_000);
  assert.deepEqual(calls, ["collect", "trim", "collect"], "cancel drops the pending trim");
});

test("cancel drops a pending collection", (t) => {
  t.after(() => mock.timers.reset());
  const { reclaimer, advance, collections } = reclaimerOnMockedTime(1_000, 5_000);
  reclaimer.request();
  reclaimer.cancel();
  advance(10_000);
  assert.equal(collections(), 0);
});

test("the process's full collection gives the memory of a dropped 256 MB buffer back", async () => {
  const collect = fullCollection();
  assert.ok(collect, "Node refused --expose-gc at run time");
  const rss = () => process.memoryUsage().rss;
  let buffer: Uint8Array | undefined = new Uint8Array(256 * 2 ** 20).fill(1);
  const holding = rss();
  assert.equal(buffer[buffer.length - 1], 1);
  buffer = undefined;
  collect();
  // V8 frees array buffers' memory off the main thread after the collection: poll, with a wide bound.
  for (let waited = 0; rss() > holding - 128 * 2 ** 20; waited += 50) {
    assert.ok(waited < 10_000, `RSS still ${Math.round(rss() / 2 ** 20)} MB, ${Math.round(holding / 2 ** 20)} MB while holding the buffer`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
