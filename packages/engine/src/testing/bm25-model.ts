// BM25 by the book, the model full-text tests hold the engine to: every document scored from scratch
// against every other, with no index (text/bm25.ts has the formula the engine uses).
import { BM25 } from "../text/bm25.ts";

/** Scores of the documents (key → terms) holding at least `minimumMatch` distinct query terms. */
export function bruteForceBm25(docs: ReadonlyMap<string, readonly string[]>, terms: readonly string[], minimumMatch: number): Map<string, number> {
  const unique = [...new Set(terms)];
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
      const idf = Math.log(1 + (docs.size - df + 0.5) / (df + 0.5));
      score += idf * frequency * (BM25.k1 + 1) / (frequency + BM25.k1 * (1 - BM25.b + BM25.b * doc.length / (total / docs.size)));
    }
    if (matched >= minimumMatch && matched > 0) scores.set(key, score);
  }
  return scores;
}
