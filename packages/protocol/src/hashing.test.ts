import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as portable from "./hashing.ts";
import * as native from "./hashing.node.ts";

// Known answers, so neither twin can agree with the other by being wrong the same way.
test("sha256Hex and md5Base64 give the standard digests in both implementations", () => {
  for (const impl of [portable, native]) {
    assert.equal(impl.sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert.equal(impl.sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert.equal(impl.md5Base64(new TextEncoder().encode("abc")), "kAFQmDzST7DWlj99KOF/cg==");
  }
});

test("hmacSha256 matches RFC 4231 test case 2 in both implementations", () => {
  const key = new TextEncoder().encode("Jefe");
  const expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
  for (const impl of [portable, native]) {
    assert.equal(impl.hmacSha256Hex(key, "what do ya want for nothing?"), expected);
    assert.equal(Buffer.from(impl.hmacSha256(key, "what do ya want for nothing?")).toString("hex"), expected);
  }
});

test("the portable and node:crypto twins agree on random keys, texts (non-ASCII included) and bodies", () => {
  const alphabet = ["a", "Z", "0", "/", "\n", "é", "漢", "😀", " ", "%"];
  for (let round = 0; round < 200; round++) {
    const text = Array.from({ length: round % 97 }, (_, i) => alphabet[(i * 7 + round) % alphabet.length]).join("");
    const key = randomBytes(round % 80); // shorter and longer than SHA-256's 64-byte block
    assert.equal(native.sha256Hex(text), portable.sha256Hex(text));
    assert.equal(native.hmacSha256Hex(key, text), portable.hmacSha256Hex(key, text));
    assert.deepEqual(new Uint8Array(native.hmacSha256(key, text)), portable.hmacSha256(key, text));
    const body = randomBytes(round * 37);
    assert.equal(native.md5Base64(body), portable.md5Base64(body));
  }
});
