// ByteWriter against a plain model: any sequence of writes, from any starting capacity, must read back
// as the concatenation of the values' bytes. The writer grows by doubling, so the sequences are long
// enough to cross several growth points, and values are up to a few times the starting capacity.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ByteReader, ByteWriter } from "./binary.ts";
import { seedFromEnv } from "../testing/test-support.ts";

type Write =
  | { kind: "u8"; value: number }
  | { kind: "u32"; value: number }
  | { kind: "u64"; value: number }
  | { kind: "bytes"; value: Uint8Array }
  | { kind: "floats"; value: Float32Array }
  | { kind: "u32s"; value: Uint32Array }
  | { kind: "string"; value: string };

const writeArb: fc.Arbitrary<Write> = fc.oneof(
  fc.record({ kind: fc.constant("u8" as const), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("u32" as const), value: fc.integer({ min: 0, max: 0xffffffff }) }),
  fc.record({ kind: fc.constant("u64" as const), value: fc.maxSafeNat() }),
  fc.record({ kind: fc.constant("bytes" as const), value: fc.uint8Array({ maxLength: 300 }) }),
  fc.record({ kind: fc.constant("floats" as const), value: fc.float32Array({ maxLength: 80 }) }),
  // A view past its buffer's start, as a segment's postings arrays may be.
  fc.record({ kind: fc.constant("u32s" as const), value: fc.uint32Array({ maxLength: 80 }).map((values) => values.subarray(Math.min(1, values.length))) }),
  fc.record({ kind: fc.constant("string" as const), value: fc.string({ unit: "grapheme", maxLength: 60 }) }),
);

/** The bytes a write must produce, built without the writer (Buffer's own little-endian writes). */
function expectedBytes(write: Write): Buffer {
  switch (write.kind) {
    case "u8": return Buffer.from([write.value]);
    case "u32": { const b = Buffer.alloc(4); b.writeUInt32LE(write.value); return b; }
    case "u64": { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(write.value)); return b; }
    case "bytes": return Buffer.from(write.value);
    case "floats": {
      const b = Buffer.alloc(write.value.length * 4);
      write.value.forEach((value, i) => b.writeFloatLE(value, i * 4));
      return b;
    }
    case "u32s": {
      const b = Buffer.alloc(write.value.length * 4);
      write.value.forEach((value, i) => b.writeUInt32LE(value, i * 4));
      return b;
    }
    case "string": {
      const text = Buffer.from(write.value, "utf8");
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return Buffer.concat([length, text]);
    }
  }
}

function apply(writer: ByteWriter, write: Write): void {
  if (write.kind === "u8") writer.u8(write.value);
  else if (write.kind === "u32") writer.u32(write.value);
  else if (write.kind === "u64") writer.u64(write.value);
  else if (write.kind === "bytes") writer.bytes(write.value);
  else if (write.kind === "floats") writer.floats(write.value);
  else if (write.kind === "u32s") writer.u32s(write.value);
  else writer.string(write.value);
}

test("any sequence of writes from any starting capacity reads back as the concatenated bytes", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 64 }), fc.array(writeArb, { minLength: 1, maxLength: 40 }), (capacity, writes) => {
      const writer = new ByteWriter(capacity);
      for (const write of writes) apply(writer, write);
      assert.deepEqual(Buffer.from(writer.finish()), Buffer.concat(writes.map(expectedBytes)));
    }),
    { seed: seedFromEnv("byte-writer model"), numRuns: 2000 },
  );
});

// The sizes at which users first met the bug: each method's value lands on or past a growth point.
for (const kind of ["u8", "u32", "u64", "bytes", "floats"] as const) {
  test(`${kind} written at every offset around the first growth point keeps its bytes`, () => {
    for (let before = 0; before <= 40; before++) {
      const writer = new ByteWriter(16);
      writer.bytes(new Uint8Array(before).fill(0xaa));
      const write: Write = kind === "bytes" ? { kind, value: Uint8Array.from({ length: 20 }, (_, i) => i + 1) }
        : kind === "floats" ? { kind, value: Float32Array.from([1.5, -2.25, 3.4028234663852886e38, 1e-45, -0]) }
        : { kind, value: kind === "u8" ? 0x7f : 0x12345678 };
      apply(writer, write);
      const written = Buffer.from(writer.finish());
      assert.deepEqual(written.subarray(before), expectedBytes(write), `${kind} after ${before} bytes`);
    }
  });
}

test("patched lengths land in the grown buffer and a reader gets every value back", () => {
  const writer = new ByteWriter(16);
  writer.u32(0); // patched below, after the buffer has grown several times
  writer.string("k".repeat(80));
  writer.floats(Float32Array.from({ length: 33 }, (_, i) => i / 3));
  writer.u32s(Uint32Array.from({ length: 9 }, (_, i) => 0xffffffff - i));
  writer.patchU32(0, writer.length);
  const reader = new ByteReader(writer.finish());
  assert.equal(reader.u32(), writer.length);
  assert.equal(reader.string(), "k".repeat(80));
  assert.deepEqual(reader.floats(33), Float32Array.from({ length: 33 }, (_, i) => i / 3));
  assert.deepEqual(reader.u32s(9), Uint32Array.from({ length: 9 }, (_, i) => 0xffffffff - i));
});
