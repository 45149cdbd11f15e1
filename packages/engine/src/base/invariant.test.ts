import { test } from "node:test";
import assert from "node:assert/strict";
import { invariant, InvariantError } from "./invariant.ts";

function messageOf(run: () => void): string {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof InvariantError, "a failed invariant throws InvariantError");
    return error.message;
  }
  assert.fail("the invariant did not fail");
}

test("a holding invariant returns quietly", () => {
  invariant(true, "never shown");
  invariant(1, "never shown", { row: 1 });
});

test("a failed invariant's message says what was expected and the values involved", () => {
  assert.equal(messageOf(() => invariant(false, "a live key has a row")), "a live key has a row");
  const message = messageOf(() => invariant(undefined, "a live key has a row", {
    key: "k1", row: undefined, rows: 12, big: 5n, gone: null, live: false, at: { segment: 3 },
  }));
  assert.equal(message, 'a live key has a row (key="k1", row=undefined, rows=12, big=5n, gone=null, live=false, at={"segment":3})');
  assert.equal(new InvariantError("x").name, "InvariantError");
});

test("long strings and objects are cut, and values JSON cannot show are named", () => {
  const message = messageOf(() => invariant(false, "cut", { key: "k".repeat(200), list: Array.from({ length: 100 }, (_, i) => i) }));
  assert.ok(message.includes(`key="${"k".repeat(80)}…"`), message);
  assert.ok(!message.includes("k".repeat(81)));
  const list = message.slice(message.indexOf("list=") + "list=".length, -1);
  assert.equal(list.length, 121); // 120 characters of JSON and the ellipsis
  assert.ok(list.endsWith("…"));
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.equal(messageOf(() => invariant(false, "odd", { cyclic })), "odd (cyclic=[object Object])");
});

test("invariant() narrows the type of what it checks", () => {
  const rows = new Map([["a", 1]]);
  const row = rows.get("a");
  invariant(row !== undefined, "a has a row", { row });
  const next: number = row + 1; // compiles only because invariant() narrowed number | undefined to number
  assert.equal(next, 2);
  const value: unknown = "text";
  invariant(typeof value === "string", "a string");
  assert.equal(value.toUpperCase(), "TEXT");
});
