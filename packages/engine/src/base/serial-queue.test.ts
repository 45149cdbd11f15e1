import { test } from "node:test";
import assert from "node:assert/strict";
import { fullCollection } from "./memory-reclaimer.ts";
import { SerialQueue } from "./serial-queue.ts";

test("tasks run one after another, in order, and a failure does not stop the next", async () => {
  const queue = new SerialQueue();
  const log: string[] = [];
  const slow = queue.run(async () => {
    log.push("a start");
    await new Promise((resolve) => setImmediate(resolve));
    log.push("a end");
    return 1;
  });
  const failing = queue.run(async () => {
    log.push("b");
    throw new Error("b failed");
  });
  const last = queue.run(async () => {
    log.push("c");
    return 3;
  });
  assert.equal(await slow, 1);
  await assert.rejects(failing, /b failed/);
  assert.equal(await last, 3);
  await queue.drain();
  assert.deepEqual(log, ["a start", "a end", "b", "c"]);
});

test("the queue keeps no task's result once the caller lets it go", async () => {
  const gc = fullCollection();
  assert.ok(gc, "a full collection is available");
  const queue = new SerialQueue();
  let result: WeakRef<object> | undefined;
  await queue.run(async () => {
    const big = { bytes: new Uint8Array(1 << 20) };
    result = new WeakRef(big);
    return big;
  });
  await queue.drain();
  // Collected across turns: a WeakRef target is kept until the current job ends.
  for (let i = 0; i < 3 && result!.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  assert.equal(result!.deref(), undefined, "the last result was collected");
});
