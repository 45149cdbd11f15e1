import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeSegment, encodeSegment } from "./segment-format.ts";
import { DecodeError } from "../base/errors.ts";
import { HOST_IS_LITTLE_ENDIAN } from "./binary.ts";
import { joinBody } from "../testing/test-support.ts";
import { RowRecords } from "./row-records.ts";

const keys = Array.from({ length: 5000 }, (_, i) => `key-${i}`);
const metadata = Array.from({ length: 5000 }, (_, i) => ({ i, tags: ["a", "ü"] }));
const contents = {
  dimension: 2,
  records: RowRecords.fromValues(keys, metadata),
  data: Float32Array.from({ length: 10_000 }, (_, i) => (i === 3 ? -0 : i / 7)),
  graph: Uint8Array.from({ length: 300 }, (_, i) => i & 0xff),
  searchEf: 96,
};

test("segments round-trip across encoding steps, float32 bits and graph bytes included", async () => {
  const decoded = decodeSegment(joinBody(await encodeSegment(contents)), 2);
  assert.deepEqual(keys.map((_, row) => decoded.records.keyAt(row)), keys);
  assert.deepEqual(keys.map((_, row) => decoded.records.metadataAt(row)), metadata);
  assert.deepEqual(decoded.data, contents.data);
  assert.ok(Object.is(decoded.data[3], -0));
  assert.deepEqual([...decoded.graph], [...contents.graph]);
  assert.equal(decoded.searchEf, 96);
});

test("a segment with a flipped header byte, of another dimension or cut short does not decode", async () => {
  const bytes = joinBody(await encodeSegment(contents));
  for (let offset = 0; offset < 48; offset++) {
    const flipped = bytes.slice();
    flipped[offset] = (flipped[offset] as number) ^ 0x01;
    assert.throws(() => decodeSegment(flipped, 2), DecodeError, `flip at ${offset}`);
  }
  assert.throws(() => decodeSegment(bytes, 3), DecodeError);
  assert.throws(() => decodeSegment(bytes.subarray(0, bytes.length - 1), 2), DecodeError);
});

test("encoding a segment copies neither its vectors (on little-endian hosts), its records nor its graph", async () => {
  const parts = await encodeSegment(contents);
  assert.ok(parts.some((part) => part.buffer === contents.graph.buffer), "graph part is the builder's buffer");
  assert.ok(parts.some((part) => part === contents.records.bytes), "keys and metadata part is the records' own bytes");
  if (HOST_IS_LITTLE_ENDIAN) assert.ok(parts.some((part) => part.buffer === contents.data.buffer), "vectors part is a view");
});
