// Reading members of decoded answers: exact names first, then any casing, never inherited members.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readField, readNumber, readString } from "./json.ts";

test("readField finds a member by its exact name or in any casing, and nothing else", () => {
  const wire = { Key: "k1", distance: 0.5, METADATA: { a: 1 }, keys: ["x"] };
  assert.equal(readString(wire, "key"), "k1");
  assert.equal(readNumber(wire, "distance"), 0.5);
  assert.deepEqual(readField(wire, "metadata"), { a: 1 });
  assert.deepEqual(readField(wire, "Keys"), ["x"], "a longer name with the same prefix is another member");
  assert.equal(readField(wire, "data"), undefined);
  assert.equal(readField(wire, "ke"), undefined);
});

test("readField ignores inherited members and non-objects", () => {
  const inherited = Object.create({ data: "from the prototype" }) as Record<string, unknown>;
  inherited["other"] = 1;
  assert.equal(readField(inherited, "data"), undefined);
  assert.equal(readField(inherited, "DATA"), undefined);
  assert.equal(readField({}, "constructor"), undefined);
  assert.equal(readField(null, "key"), undefined);
  assert.equal(readField(["key"], "key"), undefined);
  assert.equal(readField("key", "key"), undefined);
});
