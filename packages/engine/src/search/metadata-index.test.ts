import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluateFilter, type FilterNode } from "@ossv/protocol";
import { MetadataIndex } from "./metadata-index.ts";
import { RowRecords } from "../format/row-records.ts";
import { seededRandom } from "../testing/test-support.ts";
import type { Metadata, MetadataScalar } from "../base/types.ts";

const KEYS = ["genre", "year", "tags", "constructor", "flag"];
const SCALARS: MetadataScalar[] = ["drama", "2020", 2020, 2021, 0, -1.5, true, false, "true", "x", "dram", "😀", "😀!", "\ud83d"];
/** Prefixes of the strings above (a lone high surrogate among them), of none, and of everything (""). */
const PREFIXES = ["", "d", "dram", "drama", "dramas", "2", "202", "t", "😀", "\ud83d", "\ud83e", "x", "y"];

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

function randomMetadata(random: () => number): Metadata {
  const metadata: Metadata = {};
  for (const key of KEYS) {
    const roll = random();
    if (roll < 0.3) continue;
    if (roll < 0.5) metadata[key] = Array.from({ length: Math.floor(random() * 3) }, () => pick(random, SCALARS));
    else metadata[key] = pick(random, SCALARS);
  }
  return metadata;
}

function randomFilter(random: () => number, depth = 0): FilterNode {
  const key = pick(random, KEYS);
  const roll = random();
  if (depth < 2 && roll < 0.2) {
    const children = Array.from({ length: 1 + Math.floor(random() * 3) }, () => randomFilter(random, depth + 1));
    return { op: random() < 0.5 ? "and" : "or", children };
  }
  if (roll < 0.35) return { op: random() < 0.5 ? "eq" : "ne", key, value: pick(random, SCALARS) };
  if (roll < 0.55) return { op: random() < 0.5 ? "in" : "nin", key, values: [pick(random, SCALARS), pick(random, SCALARS)] };
  if (roll < 0.65) return { op: "exists", key, exists: random() < 0.5 };
  if (roll < 0.7) return { op: "all" };
  if (roll < 0.8) return { op: "startsWith", key, prefix: pick(random, PREFIXES) };
  return { op: pick(random, ["gt", "gte", "lt", "lte"] as const), key, value: pick(random, [2020, 0, -1.5, 2020.5]) };
}

test("evaluate() agrees with protocol's evaluateFilter on random metadata and filters, the metadata read back from a segment's records", () => {
  const random = seededRandom(11);
  const metadata = Array.from({ length: 300 }, () => randomMetadata(random));
  const records = RowRecords.fromValues(metadata.map((_, row) => `k${row}`), metadata);
  const index = new MetadataIndex(metadata.length, (row) => records.metadataAt(row), []);
  for (let i = 0; i < 400; i++) {
    const filter = randomFilter(random);
    const bitmap = index.evaluate(filter);
    for (const [row, entry] of metadata.entries()) {
      assert.equal(bitmap[row] === 1, evaluateFilter(filter, entry), `${JSON.stringify(filter)} on ${JSON.stringify(entry)}`);
    }
  }
});

test("matchingRows() lists exactly the rows evaluate() allows, ascending", () => {
  const random = seededRandom(12);
  const metadata = Array.from({ length: 300 }, () => randomMetadata(random));
  const index = new MetadataIndex(metadata.length, (row) => metadata[row], []);
  const filters = [...Array.from({ length: 200 }, () => randomFilter(random)), { op: "eq", key: "genre", value: "drama" }, { op: "in", key: "year", values: [2020] }, { op: "eq", key: "missing", value: 1 }] as FilterNode[];
  for (const filter of filters) {
    const expected = [...index.evaluate(filter).entries()].filter(([, allowed]) => allowed === 1).map(([row]) => row);
    assert.deepEqual([...index.matchingRows(filter)], expected, JSON.stringify(filter));
  }
});

test("non-filterable keys are not indexed", () => {
  const index = new MetadataIndex(2, (row) => [{ body: "a" }, { body: "b" }][row], ["body"]);
  assert.deepEqual([...index.evaluate({ op: "eq", key: "body", value: "a" })], [0, 0]);
});
