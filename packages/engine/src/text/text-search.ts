// A full-text match over a whole collection: the memtable's keyed index and every segment's postings
// scored as one field. BM25's statistics (documents, average length, each term's document frequency)
// are the collection's live ones, summed over the parts, so a document scores the same in whichever
// part it lies, and a filter or partition key that narrows the documents does not change a score
// (as in Lucene).
import { addStats, inverseDocumentFrequency, termScore, type FieldStats, type TextMatch } from "./bm25.ts";
import type { FieldPostings } from "./field-postings.ts";
import type { KeyedFieldText } from "./keyed-text.ts";

/** One segment's postings of the field, with what is needed to skip its deleted rows and name its hits. */
export interface SegmentPostings {
  postings: FieldPostings;
  deleted: Uint8Array;
  /** Whether no row is deleted (then a term's document frequency is its postings' count). */
  allLive: boolean;
  keyAt(row: number): string;
}

export interface TextSources {
  memtable: KeyedFieldText;
  segments: readonly SegmentPostings[];
}

/** Live rows among a term's postings in one segment. */
function liveFrequency(segment: SegmentPostings, ordinal: number): number {
  const { starts, rows } = segment.postings;
  const start = starts[ordinal] as number;
  const end = starts[ordinal + 1] as number;
  if (segment.allLive) return end - start;
  let live = 0;
  for (let at = start; at < end; at++) if (segment.deleted[rows[at] as number] === 0) live++;
  return live;
}

interface QueryTerm {
  idf: number;
  inMemtable: ReadonlyMap<string, number> | undefined;
  /** Per segment, the term's ordinal there (-1: absent). */
  ordinals: number[];
}

/**
 * BM25 scores of the live documents holding at least `minimumMatch` distinct query terms that
 * `accept` lets through, by key.
 */
export function searchText(sources: TextSources, match: TextMatch, accept: (key: string) => boolean = () => true): Map<string, number> {
  const { memtable, segments } = sources;
  const stats = segments.reduce<FieldStats>((sum, segment) => addStats(sum, segment.postings.stats), memtable.stats);
  if (stats.documents === 0) return new Map();
  const averageLength = stats.totalLength / stats.documents;
  const terms: QueryTerm[] = [...new Set(match.terms)].map((term) => {
    const inMemtable = memtable.postingsOf(term);
    let frequency = inMemtable?.size ?? 0;
    const ordinals = segments.map((segment) => {
      const ordinal = segment.postings.ordinalOf(term);
      if (ordinal >= 0) frequency += liveFrequency(segment, ordinal);
      return ordinal;
    });
    return { idf: inverseDocumentFrequency(stats.documents, frequency), inMemtable, ordinals };
  });
  const scores = new Map<string, number>();
  scoreMemtable(memtable, terms, averageLength, match.minimumMatch, accept, scores);
  segments.forEach((segment, i) => scoreSegment(segment, i, terms, averageLength, match.minimumMatch, accept, scores));
  return scores;
}

function scoreMemtable(
  memtable: KeyedFieldText, terms: readonly QueryTerm[], averageLength: number, minimumMatch: number,
  accept: (key: string) => boolean, scores: Map<string, number>,
): void {
  const found = new Map<string, { score: number; matched: number }>();
  for (const { idf, inMemtable } of terms) {
    for (const [key, frequency] of inMemtable ?? []) {
      const hit = found.get(key) ?? { score: 0, matched: 0 };
      hit.score += termScore(idf, frequency, memtable.lengthOf(key), averageLength);
      hit.matched++;
      found.set(key, hit);
    }
  }
  for (const [key, { score, matched }] of found) if (matched >= minimumMatch && accept(key)) scores.set(key, score);
}

function scoreSegment(
  segment: SegmentPostings, index: number, terms: readonly QueryTerm[], averageLength: number, minimumMatch: number,
  accept: (key: string) => boolean, scores: Map<string, number>,
): void {
  const { starts, rows, frequencies, lengths } = segment.postings;
  const found = new Map<number, { score: number; matched: number }>();
  for (const term of terms) {
    const ordinal = term.ordinals[index] as number;
    if (ordinal < 0) continue;
    for (let at = starts[ordinal] as number, end = starts[ordinal + 1] as number; at < end; at++) {
      const row = rows[at] as number;
      if (segment.deleted[row] === 1) continue;
      let hit = found.get(row);
      if (!hit) found.set(row, (hit = { score: 0, matched: 0 }));
      hit.score += termScore(term.idf, frequencies[at] as number, lengths[row] as number, averageLength);
      hit.matched++;
    }
  }
  for (const [row, { score, matched }] of found) {
    if (matched < minimumMatch) continue;
    const key = segment.keyAt(row);
    if (accept(key)) scores.set(key, score);
  }
}
