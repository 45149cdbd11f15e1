// A segment's encoded keys and metadata against a plain model: the arrays they were made from, with
// metadata as JSON gives it back. Keys cover any well-formed UTF-8 from 1 character to the API's 1,024;
// lookups of absent keys include near misses (a prefix, one more character), which share most bytes.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteReader } from "./binary.ts";
import { RowRecords, RowRecordsBuilder } from "./row-records.ts";
import { DecodeError } from "../base/errors.ts";
import type { Metadata } from "../base/types.ts";
import { seedFromEnv } from "../testing/test-support.ts";

const keyArb = fc.oneof(
  fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 }),
  fc.string({ unit: "binary", minLength: 1, maxLength: 40 }),
  fc.string({ unit: "binary-ascii", minLength: 1000, maxLength: 1024 }),
);
const scalarArb = fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean());
const metadataArb: fc.Arbitrary<Metadata> = fc.dictionary(
  fc.string({ unit: "grapheme", maxLength: 10 }),
  fc.oneof(scalarArb, fc.array(fc.string({ unit: "grapheme", maxLength: 8 }), { maxLength: 4 })),
  { maxKeys: 5 },
);
const rowsArb = fc.uniqueArray(fc.tuple(keyArb, metadataArb), { maxLength: 150, selector: ([key]) => key });

/** Metadata as a segment gives it back: through JSON, as it is stored. */
const stored = (metadata: Metadata): Metadata => JSON.parse(JSON.stringify(metadata)) as Metadata;

test("records give back every row's key and metadata, and find each key's row", () => {
  const seed = seedFromEnv("row records model");
  fc.assert(fc.property(rowsArb, fc.array(keyArb, { maxLength: 20 }), (rows, others) => {
    const keys = rows.map(([key]) => key);
    const records = RowRecords.fromValues(keys, rows.map(([, metadata]) => metadata));
    assert.equal(records.rows, rows.length);
    rows.forEach(([key, metadata], row) => {
      assert.equal(records.keyAt(row), key);
      assert.deepEqual(records.metadataAt(row), stored(metadata));
      assert.equal(records.rowOf(key), row);
    });
    const held = new Set(keys);
    const misses = [...others, ...keys.map((key) => key.slice(0, -1)), ...keys.map((key) => `${key}x`)];
    for (const miss of misses) if (!held.has(miss)) assert.equal(records.rowOf(miss), undefined, JSON.stringify(miss));
  }), { seed, numRuns: 150 });
});

test("records copied row by row into a builder, in any order, are the same rows", () => {
  const seed = seedFromEnv("row records copy");
  fc.assert(fc.property(rowsArb.chain((rows) => fc.tuple(fc.constant(rows), fc.shuffledSubarray(rows.map((_, row) => row)))), ([rows, order]) => {
    const source = RowRecords.fromValues(rows.map(([key]) => key), rows.map(([, metadata]) => metadata));
    const builder = new RowRecordsBuilder();
    for (const row of order) builder.addEncoded(source.encodedRow(row));
    const copy = builder.finish();
    const expected = RowRecords.fromValues(order.map((row) => rows[row]![0]), order.map((row) => rows[row]![1]));
    assert.deepEqual(copy.bytes, expected.bytes);
    order.forEach((from, row) => assert.equal(copy.rowOf(rows[from]![0]), row));
  }), { seed, numRuns: 100 });
});

test("records read from a body take exactly their bytes, copied, and a body cut short does not read", () => {
  const seed = seedFromEnv("row records read");
  fc.assert(fc.property(rowsArb, fc.uint8Array({ maxLength: 9 }), fc.uint8Array({ maxLength: 9 }), fc.boolean(), (rows, before, after, asBuffer) => {
    const written = RowRecords.fromValues(rows.map(([key]) => key), rows.map(([, metadata]) => metadata));
    // Objects come from files as Buffers, whose slice() is a view: the records must copy either way.
    const bytes = [...before, ...written.bytes, ...after];
    const body = asBuffer ? Buffer.from(bytes) : Uint8Array.from(bytes);
    const reader = new ByteReader(body, before.length);
    const read = RowRecords.read(reader, rows.length);
    assert.equal(reader.offset, before.length + written.bytes.length);
    assert.deepEqual(read.bytes, written.bytes);
    assert.notEqual(read.bytes.buffer, body.buffer, "the records do not hold the body they were read from");
    rows.forEach(([key], row) => assert.equal(read.rowOf(key), row));
    if (written.bytes.length > 0) {
      const cut = new ByteReader(written.bytes.subarray(0, written.bytes.length - 1));
      assert.throws(() => RowRecords.read(cut, rows.length), DecodeError);
    }
  }), { seed, numRuns: 100 });
});

test("records hold a row of the bench's shape in under 80 bytes, where JS values took about 230", () => {
  const rows = 20_000;
  const keys = Array.from({ length: rows }, (_, row) => `v${row + 100_000}`);
  const metadata = keys.map((_, row) => ({ category: `c${row % 10}`, tenant: `t${row % 100}`, year: 2000 + (row % 25) }));
  const records = RowRecords.fromValues(keys, metadata);
  assert.ok(records.memoryBytes() / rows < 80, `${records.memoryBytes() / rows} bytes a row`);
  assert.equal(records.rowOf("v100000"), 0);
  assert.equal(records.rowOf(`v${rows + 99_999}`), rows - 1);
});

test("verify passes records as written and names the first row whose key or metadata is damaged", () => {
  const records = RowRecords.fromValues(["a", "\uFEFFb", "ключ"], [{ x: 1 }, {}, { y: ["z"] }]);
  records.verify();
  const badKey = RowRecords.fromValues(["a", "b"], [{}, {}]);
  badKey.bytes[badKey.bytes.indexOf(0x62)] = 0xff; // "b" -> an invalid UTF-8 byte
  assert.throws(() => badKey.verify(), /row 1's key is not UTF-8/);
  const badMetadata = RowRecords.fromValues(["a"], [{ x: 1 }]);
  badMetadata.bytes[badMetadata.bytes.indexOf(0x7b)] = 0x5b; // "{" -> "["
  assert.throws(() => badMetadata.verify(), /row 0's metadata is not/);
});
