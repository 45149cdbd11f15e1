import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeError } from "../base/errors.ts";
import { decodeSnapshot, Memtable } from "./memtable.ts";
import { encodeSnapshot } from "../format/snapshot-format.ts";
import { vector } from "../testing/test-support.ts";

function sampleMemtable(): Memtable {
  const memtable = new Memtable(2);
  for (let i = 0; i < 40; i++) memtable.upsert(vector(`k${i}`, [i, -i], { i, tag: ["x", i % 2 === 0] }));
  for (let i = 0; i < 40; i += 3) memtable.remove(`k${i}`);
  memtable.upsert(vector("k0", [0.25, 0.5], { back: true })); // reuses a freed slot
  return memtable;
}

const rows = (memtable: Memtable): unknown[] => [...memtable.keys()].sort().map((key) => memtable.get(key));

test("a snapshot round-trips the rows and its WAL position", () => {
  const memtable = sampleMemtable();
  const decoded = decodeSnapshot(encodeSnapshot(memtable.capture(), 17), 2);
  assert.equal(decoded.walFrom, 17);
  assert.equal(decoded.memtable.count, memtable.count);
  assert.deepEqual(rows(decoded.memtable), rows(memtable));
});

test("a snapshot cut at any byte or with a flipped byte does not decode", () => {
  const bytes = encodeSnapshot(sampleMemtable().capture(), 3);
  for (let offset = 0; offset < bytes.length; offset += 7) {
    assert.throws(() => decodeSnapshot(bytes.subarray(0, offset), 2), DecodeError, `cut at ${offset}`);
    const flipped = bytes.slice();
    flipped[offset] = (flipped[offset] as number) ^ 1;
    assert.throws(() => decodeSnapshot(flipped, 2), DecodeError, `flip at ${offset}`);
  }
  assert.throws(() => decodeSnapshot(bytes, 3), DecodeError, "dimension mismatch");
});
