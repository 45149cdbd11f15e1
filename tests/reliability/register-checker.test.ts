// The per-key linearizability checker on small hand-made histories: what it must accept (reads of
// writes in flight, the initial state) and what it must catch (stale reads, reads from the future,
// resurrected deletes, and reads that are each explainable alone but admit no single order).
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ReadEvent, Value, WriteEvent } from "./load/history.ts";
import { checkKey } from "./load/register-checker.ts";

const put = (id: number, invokedAt: number, respondedAt: number | undefined): WriteEvent => ({ id, key: "k", kind: "put", invokedAt, respondedAt });
const del = (id: number, invokedAt: number, respondedAt: number | undefined): WriteEvent => ({ id, key: "k", kind: "delete", invokedAt, respondedAt });
const read = (value: Value, invokedAt: number, respondedAt: number): ReadEvent => ({ key: "k", value, invokedAt, respondedAt, via: "read" });

test("a read after a put sees it; absent or an older put is stale", () => {
  const writes = [put(1, 0, 1), put(2, 2, 3)];
  assert.deepEqual(checkKey(writes, [read(2, 4, 5)]), []);
  assert.match(checkKey(writes, [read(1, 4, 5)]).join(), /stale/);
  assert.match(checkKey(writes, [read(null, 4, 5)]).join(), /put finished after every delete/);
});

test("a read overlapping a write may see either side of it, and nothing from the future", () => {
  const writes = [put(1, 0, 10)];
  assert.deepEqual(checkKey(writes, [read(1, 1, 2), read(null, 1, 2)]), []);
  assert.match(checkKey([put(1, 5, 6)], [read(1, 1, 2)]).join(), /invoked only after the read answered/);
  assert.match(checkKey(writes, [read(7, 1, 2)]).join(), /no put of this key wrote/);
});

test("an acknowledged delete hides the put before it; one in flight may or may not", () => {
  assert.match(checkKey([put(1, 0, 1), del(2, 2, 3)], [read(1, 4, 5)]).join(), /stale/);
  assert.deepEqual(checkKey([put(1, 0, 1), del(2, 2, 3)], [read(null, 4, 5)]), []);
  assert.deepEqual(checkKey([put(1, 0, 1), del(2, 2, 10)], [read(1, 4, 5), read(null, 4, 5)]), []);
});

test("an unanswered write (cut off by a kill) may take effect at any later time", () => {
  assert.deepEqual(checkKey([put(1, 0, 1), put(2, 2, undefined)], [read(1, 50, 51), read(2, 100, 101)]), []);
});

test("reads may flip once between two puts in flight, not back again", () => {
  const writes = [put(1, 0, 10), put(2, 0, 10)];
  assert.deepEqual(checkKey(writes, [read(2, 2, 3), read(1, 4, 5)]), [], "put 2 took effect, then put 1");
  assert.match(checkKey(writes, [read(2, 2, 3), read(1, 4, 5), read(2, 6, 7)]).join(), /must fall inside/);
});

test("reads that disagree on the order of two finished puts admit no order, though each alone is explained", () => {
  const writes = [put(1, 0, 1), put(2, 0, 1)];
  assert.deepEqual(checkKey(writes, [read(2, 2, 3)]), []);
  assert.deepEqual(checkKey(writes, [read(1, 4, 5)]), []);
  assert.match(checkKey(writes, [read(2, 2, 3), read(1, 4, 5)]).join(), /admit no order/);
});

test("a put wholly inside the span another put's reads force is caught", () => {
  // Put 1 is read at [2,3] and again at [8,9]: it must be the value throughout [3,8]; put 2 lies inside.
  assert.match(checkKey([put(1, 0, 1), put(2, 4, 5)], [read(1, 2, 3), read(1, 8, 9)]).join(), /stale|must fall inside/);
  // Zone test alone: a read of put 2 inside, and put 1 read again after, with put 2 concurrent to put 1.
  const writes = [put(1, 0, 1), put(2, 0.5, 5)];
  assert.match(checkKey(writes, [read(1, 2, 3), read(2, 4, 4.5), read(1, 8, 9)]).join(), /admit no order|must fall inside/);
});
