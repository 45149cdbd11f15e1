// The analyzers on examples and generated text, and the inverted index against a brute-force BM25 over
// the same documents after random upserts and removals.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { FusionTextSettings } from "@ossv/protocol";
import { analyze } from "./analyzer.ts";
import { BM25, TextIndex } from "./text-index.ts";

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

function bruteForce(docs: Docs, terms: string[], minimumMatch: number): Map<string, number> {
  const unique = [...new Set(terms)];
  const count = docs.size;
  let total = 0;
  for (const doc of docs.values()) total += doc.length;
  const scores = new Map<string, number>();
  for (const [key, doc] of docs) {
    let score = 0;
    let matched = 0;
    for (const term of unique) {
      const frequency = doc.filter((t) => t === term).length;
      if (frequency === 0) continue;
      matched++;
      const df = [...docs.values()].filter((d) => d.includes(term)).length;
      const idf = Math.log(1 + (count - df + 0.5) / (df + 0.5));
      score += idf * frequency * (BM25.k1 + 1) / (frequency + BM25.k1 * (1 - BM25.b + BM25.b * doc.length / (total / count)));
    }
    if (matched >= minimumMatch && matched > 0) scores.set(key, score);
  }
  return scores;
}

test("search equals brute-force BM25 after random upserts and removals", () => {
  const word = fc.constantFrom("a", "b", "c", "d", "e");
  const key = fc.constantFrom("k1", "k2", "k3", "k4", "k5", "k6");
  const step = fc.oneof(
    fc.record({ key, terms: fc.array(word, { maxLength: 8 }) }),
    fc.record({ key, remove: fc.constant(true) }),
  );
  fc.assert(fc.property(fc.array(step, { maxLength: 30 }), fc.array(word, { minLength: 1, maxLength: 4 }), fc.integer({ min: 1, max: 4 }), (steps, query, minimumMatch) => {
    const index = new TextIndex();
    const docs: Docs = new Map();
    for (const s of steps) {
      if ("remove" in s) { index.remove(s.key); docs.delete(s.key); }
      else { index.set(s.key, s.terms); if (s.terms.length > 0) docs.set(s.key, s.terms); else docs.delete(s.key); }
    }
    const got = index.search({ terms: query, minimumMatch });
    const expected = bruteForce(docs, query, minimumMatch);
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort());
    for (const [k, score] of expected) assert.ok(Math.abs(got.get(k)! - score) < 1e-9, `${k}: ${got.get(k)} vs ${score}`);
    assert.equal(index.size, docs.size);
  }));
});
