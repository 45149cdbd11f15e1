// Sizes for --memory-budget: every unit and spelling, percentages, and what is refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { defaultMemoryBudget, parseMemorySize } from "./memory-budget.ts";

const MACHINE = 24 * 2 ** 30;
const seed = Number(process.env["OSSV_SEED"] ?? Date.now() % 2 ** 31);
const SCALES: Array<[string, number]> = [
  ["", 1], ["B", 1], ["k", 1024], ["KiB", 1024], ["KB", 1000], ["m", 2 ** 20], ["MiB", 2 ** 20], ["MB", 1e6],
  ["G", 2 ** 30], ["gib", 2 ** 30], ["GB", 1e9], ["T", 2 ** 40], ["TiB", 2 ** 40], ["tb", 1e12],
];

test("a whole amount with any unit, in any case and with spaces, is that many bytes (or refused under 1 MiB)", () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), fc.constantFrom(...SCALES), fc.constantFrom("", " "), (amount, [unit, scale], gap) => {
    const bytes = amount * scale;
    const expected = bytes >= 2 ** 20 && Number.isSafeInteger(bytes) ? bytes : undefined;
    assert.equal(parseMemorySize(`${amount}${gap}${unit}`, MACHINE), expected);
  }), { seed, numRuns: 2_000 });
});

test("fractions and percentages of the machine", () => {
  assert.equal(parseMemorySize("1.5GiB", MACHINE), 1.5 * 2 ** 30);
  assert.equal(parseMemorySize("50%", MACHINE), MACHINE / 2);
  assert.equal(parseMemorySize("100%", MACHINE), MACHINE);
  assert.equal(parseMemorySize("12.5 %", MACHINE), MACHINE / 8);
  assert.equal(defaultMemoryBudget(MACHINE), MACHINE / 2);
});

test("anything else is refused", () => {
  for (const text of ["", "GiB", "-1GiB", "1 2", "1PB", "101%", "0%", "1e9", "0x10", "8 GiB extra", "512KiB", "1GiBs", "%"]) {
    assert.equal(parseMemorySize(text, MACHINE), undefined, text);
  }
});
