import { test } from "node:test";
import assert from "node:assert/strict";
import { DecodeError } from "../base/errors.ts";
import { decodeWalObject, decodeWalRecord, encodeWalObject, encodeWalRecord, type WalRecord } from "./wal-format.ts";
import { vector } from "../testing/test-support.ts";

const records: WalRecord[] = [
  { type: "put", vectors: [vector("ключ-😀", [1.5, -0, 3.4028234663852886e38], { a: [1, "x", true], b: "é" }), vector("k", [NaN, 1e-45, 2])] },
  { type: "delete", keys: ["a", "", "ключ-😀"] },
  { type: "put", vectors: [] },
];

test("WAL objects round-trip, float32 bits included", () => {
  const object = encodeWalObject(records.map((record) => encodeWalRecord(record, 3)));
  const decoded = decodeWalObject(object);
  assert.deepEqual(decoded, records);
  const first = decoded[0];
  assert.ok(first?.type === "put");
  assert.ok(Object.is(first.vectors[0]?.data[1], -0));
  assert.ok(Number.isNaN(first.vectors[1]?.data[0]));
  assert.deepEqual(decodeWalRecord(encodeWalRecord(records[1] as WalRecord, 3)), records[1]);
});

test("a WAL object cut at any byte, or with any single byte flipped, does not decode", () => {
  const object = encodeWalObject(records.map((record) => encodeWalRecord(record, 3)));
  for (let offset = 0; offset < object.length; offset++) {
    assert.throws(() => decodeWalObject(object.subarray(0, offset)), DecodeError, `cut at ${offset}`);
    const flipped = object.slice();
    flipped[offset] = (flipped[offset] as number) ^ 0x10;
    assert.throws(() => decodeWalObject(flipped), DecodeError, `flip at ${offset}`);
  }
  const extended = new Uint8Array(object.length + 1);
  extended.set(object);
  assert.throws(() => decodeWalObject(extended), DecodeError);
});

test("encoding refuses a vector of the wrong dimension", () => {
  assert.throws(() => encodeWalRecord({ type: "put", vectors: [vector("k", [1, 2])] }, 3), RangeError);
});

test("keys that begin with U+FEFF (a byte order mark) keep it", () => {
  // TextDecoder drops a leading BOM unless told not to, which turned the key "\uFEFFR" into "R".
  const put: WalRecord = { type: "put", vectors: [vector("\uFEFFR", [1, 2, 3], { "\uFEFFm": "\uFEFFv" })] };
  const del: WalRecord = { type: "delete", keys: ["\uFEFF", "\uFEFF\uFEFFx"] };
  assert.deepEqual(decodeWalRecord(encodeWalRecord(put, 3)), put);
  assert.deepEqual(decodeWalRecord(encodeWalRecord(del, 3)), del);
});
