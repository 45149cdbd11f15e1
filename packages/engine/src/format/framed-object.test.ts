import { test } from "node:test";
import assert from "node:assert/strict";
import { ByteWriter } from "./binary.ts";
import { FramedObject, type FrameLayout } from "./framed-object.ts";
import { DecodeError, NewerFormatError } from "../base/errors.ts";
import { InvariantError } from "../base/invariant.ts";
import { runAtOnce } from "../base/event-loop-steps.ts";

type TestField = "width" | "position";

const layout: FrameLayout<TestField> = {
  what: "test object",
  magic: "OVTS",
  version: 3,
  fields: [["width", "u32"], ["position", "u64"]],
  bodyLength: "u64",
  bodyChecksum: true,
};
const frame = new FramedObject(layout);
const fields = { width: 7, position: 2 ** 40 + 1 };
const body = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 0xff);

function sealed(frameToUse: FramedObject<TestField> = frame, bodyBytes: Uint8Array = body): Uint8Array {
  const writer = new ByteWriter(16);
  frameToUse.begin(writer, fields);
  writer.bytes(bodyBytes);
  return frameToUse.seal(writer).slice();
}

const decodeError = (pattern: RegExp) => (error: unknown): boolean =>
  error instanceof DecodeError && pattern.test(error.message);

test("the header is magic, version, the declared fields, body length, body and header checksums", () => {
  assert.equal(frame.headerBytes, 4 + 4 + 4 + 8 + 8 + 4 + 4);
  const bytes = sealed();
  assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "OVTS");
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  assert.equal(view.getUint32(4, true), 3);
  assert.equal(view.getUint32(8, true), 7);
  assert.equal(view.getBigUint64(12, true), BigInt(2 ** 40 + 1));
  assert.equal(view.getBigUint64(20, true), 300n);
  assert.deepEqual(bytes.subarray(frame.headerBytes), body);
});

test("a header written for a body in parts equals the one sealed in a single writer", () => {
  const parts = [body.subarray(0, 10), new Uint8Array(0), body.subarray(10)];
  const header = runAtOnce(frame.headerInSteps(fields, parts));
  assert.deepEqual(header, sealed().subarray(0, frame.headerBytes));
});

test("open returns the fields and a reader of exactly the body", () => {
  const { fields: read, body: reader } = frame.open(sealed());
  assert.deepEqual(read, fields);
  assert.equal(reader.offset, frame.headerBytes);
  assert.deepEqual(reader.bytesView(reader.remaining), body);
});

test("each way an object can be wrong is a DecodeError that says which", () => {
  const bytes = sealed();
  assert.throws(() => frame.open(bytes.subarray(0, frame.headerBytes - 1)), decodeError(/shorter than its 36-byte header/));
  assert.throws(() => frame.open(bytes.subarray(0, bytes.length - 1)), decodeError(/is 335 bytes, its header says 336/));
  const bodyFlipped = bytes.slice();
  bodyFlipped[bytes.length - 1] = (bodyFlipped[bytes.length - 1] as number) ^ 1;
  assert.throws(() => frame.open(bodyFlipped), decodeError(/body checksum mismatch/));
  const headerFlipped = bytes.slice();
  headerFlipped[9] = (headerFlipped[9] as number) ^ 1;
  assert.throws(() => frame.open(headerFlipped), decodeError(/header checksum mismatch/));
  // Intact objects of another kind or version: their header checksums match.
  assert.throws(() => frame.open(sealed(new FramedObject({ ...layout, magic: "OVXX" }))), decodeError(/not a test object: .* not "OVTS"/));
  assert.throws(() => frame.open(sealed(new FramedObject({ ...layout, version: 2 }))), decodeError(/format version 2; this build reads version 3/));
});

test("an intact object of a higher version is a NewerFormatError, not damage", () => {
  const newer = sealed(new FramedObject({ ...layout, version: 4 }));
  assert.throws(() => frame.open(newer), (error: unknown) =>
    error instanceof NewerFormatError && !(error instanceof DecodeError) && error.found === 4 && error.known === 3
    && /test object has format version 4, but this ossv reads version 3 at most: it was written by a newer ossv/.test(error.message));
  // With its version field damaged instead, the header checksum says so first.
  const flipped = sealed();
  flipped[4] = (flipped[4] as number) ^ 4;
  assert.throws(() => frame.open(flipped), decodeError(/header checksum mismatch/));
});

test("a cut anywhere or a flipped bit anywhere is refused", () => {
  const bytes = sealed();
  for (let offset = 0; offset < bytes.length; offset++) {
    assert.throws(() => frame.open(bytes.subarray(0, offset)), DecodeError, `cut at ${offset}`);
    const flipped = bytes.slice();
    flipped[offset] = (flipped[offset] as number) ^ (1 << (offset % 8));
    assert.throws(() => frame.open(flipped), DecodeError, `flip at ${offset}`);
  }
});

test("without a body checksum the frame leaves the body to the codec", () => {
  const unchecked = new FramedObject({ ...layout, bodyChecksum: false });
  assert.equal(unchecked.headerBytes, frame.headerBytes - 4);
  const bytes = sealed(unchecked);
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  assert.equal(unchecked.open(bytes).body.remaining, body.length);
});

test("a field that does not fit its width is a bug, not a silently wrapped header", () => {
  const writer = new ByteWriter();
  assert.throws(() => frame.begin(writer, { width: 2 ** 32, position: 0 }), InvariantError);
  assert.throws(() => frame.begin(new ByteWriter(), { width: -1, position: 0 }), InvariantError);
  assert.throws(() => frame.begin(new ByteWriter(), { width: 1, position: 0.5 }), InvariantError);
  const started = new ByteWriter();
  started.u8(1);
  assert.throws(() => frame.begin(started, fields), InvariantError);
});
