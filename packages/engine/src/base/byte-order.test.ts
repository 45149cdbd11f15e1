import { test } from "node:test";
import assert from "node:assert/strict";
import { compareKeys } from "./byte-order.ts";
import { seededRandom } from "../testing/test-support.ts";

const utf8Order = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

test("compareKeys() agrees with UTF-8 byte order, including astral characters", () => {
  const random = seededRandom(3);
  const alphabet = ["a", "z", "A", "0", "-", "é", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{1f600}", "\u{10ffff}"];
  const words = Array.from({ length: 300 }, () =>
    Array.from({ length: Math.floor(random() * 4) }, () => alphabet[Math.floor(random() * alphabet.length)]).join(""),
  );
  for (const a of words.slice(0, 60)) {
    for (const b of words) assert.equal(Math.sign(compareKeys(a, b)), Math.sign(utf8Order(a, b)), `${a} vs ${b}`);
  }
});
