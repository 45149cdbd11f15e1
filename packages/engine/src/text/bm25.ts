// Okapi BM25, the scoring of full-text matches (docs/fusion.md#scoring), shared by the memtable's
// index (keyed-text.ts) and the segments' postings (field-postings.ts): a document scores the same
// whichever of them holds it.

/** BM25's usual parameters (Lucene's and Elasticsearch's defaults); the service documents none. */
export const BM25 = { k1: 1.2, b: 0.75 } as const;

export type { TextMatch } from "../base/types.ts";

/** What BM25 needs of a whole field: documents with at least one term, and their terms in all. */
export interface FieldStats {
  documents: number;
  totalLength: number;
}

export function addStats(a: FieldStats, b: FieldStats): FieldStats {
  return { documents: a.documents + b.documents, totalLength: a.totalLength + b.totalLength };
}

/** A term's weight among `documents` documents of which `frequency` contain it (Lucene's smoothed idf, never negative). */
export function inverseDocumentFrequency(documents: number, frequency: number): number {
  return Math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
}

/** One term's share of a document's score: it occurs `frequency` times among the document's `length` terms. */
export function termScore(idf: number, frequency: number, length: number, averageLength: number): number {
  const norm = frequency + BM25.k1 * (1 - BM25.b + BM25.b * (length / averageLength));
  return idf * (frequency * (BM25.k1 + 1)) / norm;
}
