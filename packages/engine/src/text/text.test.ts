// The analyzers on examples and generated text, and full-text search against a brute-force BM25 over
// the same documents: the memtable's keyed index after random upserts and removals, and segments'
// postings built, deleted from, merged, encoded and decoded.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FusionTextSettings } from "@ossv/protocol";
import { analyze } from "./analyzer.ts";
import { bruteForceBm25 } from "../testing/bm25-model.ts";
import { KeyedFieldText } from "./keyed-text.ts";
import { searchText, type SegmentPostings } from "./text-search.ts";
import { buildSegmentText, mergeSegmentTexts, type SegmentText } from "./segment-text.ts";
import { decodeSegmentText, encodeSegmentText } from "../format/text-section.ts";
import { runAtOnce } from "../base/event-loop-steps.ts";
import type { TextField } from "./text-fields.ts";
import { DecodeError } from "../base/errors.ts";

const standard: FusionTextSettings = { analyzer: "standard", caseSensitive: false, delimitWord: false };

test("standard: words in any script, one term per Han/Kana character, lower-cased", () => {
  assert.deepEqual(analyze("Wireless headphones, MP3-player!", standard), ["wireless", "headphones", "mp3", "player"]);
  assert.deepEqual(analyze("无线降噪耳机 2024年", standard), ["无", "线", "降", "噪", "耳", "机", "2024", "年"]);
  assert.deepEqual(analyze("東京タワー", standard), ["東", "京", "タ", "ワ", "ー"]);
  assert.deepEqual(analyze("한국어 café Ελληνικά", standard), ["한국어", "café", "ελληνικά"]);
  assert.deepEqual(analyze("Mixed CASE", { ...standard, caseSensitive: true }), ["Mixed", "CASE"]);
  assert.deepEqual(analyze("mp3player x86", { ...standard, delimitWord: true }), ["mp", "3", "player", "x", "86"]);
  assert.deepEqual(analyze("", standard), []);
});

test("split: pieces between delimiters, trimmed, empty ones dropped", () => {
  const split: FusionTextSettings = { analyzer: "split", caseSensitive: false, delimitWord: false, delimiter: "," };
  assert.deepEqual(analyze("Red, green,,BLUE ,", split), ["red", "green", "blue"]);
  assert.deepEqual(analyze("a||b|c", { ...split, delimiter: "||", caseSensitive: true }), ["a", "b|c"]);
});

test("standard on any text: terms are non-empty, hold no space or punctuation, and concatenation commutes", () => {
  fc.assert(fc.property(fc.string({ unit: "grapheme" }), fc.string({ unit: "binary" }), (a, b) => {
    const terms = analyze(`${a} ${b}`, standard);
    for (const term of terms) assert.match(term, /^[\p{L}\p{M}\p{N}]+$/u);
    assert.deepEqual(terms, [...analyze(a, standard), ...analyze(b, standard)]);
  }));
});

type Docs = Map<string, string[]>;

test("search equals brute-force BM25 after random upserts and removals", () => {
  const word = fc.constantFrom("a", "b", "c", "d", "e");
  const key = fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6");
  const step = fc.oneof(
    fc.record({ key, terms: fc.array(word, { maxLength: 8 }) }),
    fc.record({ key, remove: fc.constant(true) }),
  );
  fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.array(word, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (steps, query, minimumMatch) => {
    const index = new KeyedFieldText();
    const docs: Docs = new Map();
    for (const s of steps) {
      if ("remove" in s) { index.remove(s.key); docs.delete(s.key); }
      else { index.set(s.key, s.terms); if (s.terms.length > 0) docs.set(s.key, s.terms); else docs.delete(s.key); }
    }
    const got = searchText({ memtable: index, segments: [] }, { terms: query, minimumMatch });
    assertScores(got, bruteForceBm25(docs, query, minimumMatch));
    assert.equal(index.stats.documents, docs.size);
  }));
});

function assertScores(got: Map<string, number>, expected: Map<string, number>): void {
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
  for (const [k, score] of expected) assert.ok(Math.abs(got.get(k)! - score) < 1e-9, `${k}: ${got.get(k)} vs ${score}`);
}

const FIELD: TextField[] = [{ name: "body", settings: standard }];

/** A segment of rows (key, terms) as search sees it, with its own deletion bitmap. */
interface TestSegment {
  keys: string[];
  text: SegmentText;
  deleted: Uint8Array;
}

function segmentOf(rows: [string, string[]][]): TestSegment {
  const text = runAtOnce(buildSegmentText(FIELD, rows.length, (row) => [rows[row]![1]]));
  return { keys: rows.map(([key]) => key), text, deleted: new Uint8Array(rows.length) };
}

function postingsOf(segment: TestSegment): SegmentPostings {
  return { postings: segment.text.fields[0]!, deleted: segment.deleted, allLive: !segment.deleted.includes(1), keyAt: (row) => segment.keys[row]! };
}

function deleteRow(segment: TestSegment, row: number): void {
  if (segment.deleted[row] === 1) return;
  segment.deleted[row] = 1;
  segment.text.markDeleted(row);
}

test("segments' postings: built, deleted from, merged, encoded and decoded, they search as brute force does", () => {
  const word = fc.constantFrom("a", "b", "c", "d", "é", "日", "zz");
  const doc = fc.array(word, { maxLength: 6 });
  const rowsArb = (prefix: string) => fc.array(doc, { maxLength: 12 }).map((docs) => docs.map((terms, i): [string, string[]] => [`${prefix}${i}`, terms]));
  fc.assert(fc.property(
    rowsArb("s"), rowsArb("t"), rowsArb("m"), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(),
    fc.array(word, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 3 }),
    (first, second, memtableRows, deletions, merge, query, minimumMatch) => {
      let segments = [segmentOf(first), segmentOf(second)];
      deletions.forEach((pick, i) => {
        const segment = segments[i % 2]!;
        if (segment.keys.length > 0) deleteRow(segment, pick % segment.keys.length);
      });
      if (merge) {
        const keys: string[] = [];
        const inputs = segments.map((segment) => {
          const mergedRowOf = new Int32Array(segment.keys.length).fill(-1);
          segment.keys.forEach((key, row) => {
            if (segment.deleted[row] === 0) mergedRowOf[row] = keys.push(key) - 1;
          });
          return { text: segment.text, mergedRowOf };
        });
        const text = runAtOnce(mergeSegmentTexts(["body"], inputs, keys.length));
        segments = [{ keys, text, deleted: new Uint8Array(keys.length) }];
      }
      // What is written is what is read back.
      segments = segments.map((segment) => {
        const bytes = encodeSegmentText(segment.text);
        assert.equal(segment.text.sectionBytes(), bytes.length, "merges size their output by sectionBytes");
        const text = decodeSegmentText(bytes, segment.keys.length);
        text.fields[0]!.lengths.forEach((_, row) => {
          if (segment.deleted[row] === 1) text.markDeleted(row);
        });
        return { ...segment, text };
      });
      const memtable = new KeyedFieldText();
      for (const [key, terms] of memtableRows) memtable.set(key, terms);
      const docs: Docs = new Map();
      for (const segment of segments) segment.keys.forEach((key, row) => {
        const terms = segment.text.fields[0]!.lengths[row]! > 0 && segment.deleted[row] === 0 ? (first.concat(second).find(([k]) => k === key)![1]) : [];
        if (terms.length > 0) docs.set(key, terms);
      });
      for (const [key, terms] of memtableRows) if (terms.length > 0) docs.set(key, terms);
      const got = searchText({ memtable, segments: segments.map(postingsOf) }, { terms: query, minimumMatch });
      assertScores(got, bruteForceBm25(docs, query, minimumMatch));
    },
  ));
});

test("a damaged text section is refused", () => {
  const segment = segmentOf([["a", ["x", "y"]], ["b", ["y"]]]);
  const bytes = encodeSegmentText(segment.text);
  assert.doesNotThrow(() => decodeSegmentText(bytes, 2));
  assert.throws(() => decodeSegmentText(bytes, 3), DecodeError);
  assert.throws(() => decodeSegmentText(bytes.subarray(0, bytes.length - 1), 2), DecodeError);
  // Row 1's length says 2 where its postings say 1.
  const lengths = bytes.slice();
  new DataView(lengths.buffer).setUint32(lengths.length - 4, 2, true);
  assert.throws(() => decodeSegmentText(lengths, 2), /lengths do not match/);
});
