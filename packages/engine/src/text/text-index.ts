// An inverted index of one full-text field with Okapi BM25 scoring (docs/fusion.md#scoring). Kept in
// memory and derived from the documents, which are what the WAL, segments and compaction persist: it
// is built from the live documents when first needed after a start, then kept in step key by key.
//
// Hand-written rather than MiniSearch or lunr: lunr's index cannot change after it is built;
// MiniSearch scores with its own BM25+ variant, has no minimum-should-match, and ranks a whole index
// where a query here scores only the documents its filters and partition keys let through.

/** BM25's usual parameters (Lucene's and Elasticsearch's defaults); the service documents none. */
export const BM25 = { k1: 1.2, b: 0.75 } as const;

export interface TextMatch {
  /** Terms of the query, after the field's analyzer; repeats are ignored. */
  terms: readonly string[];
  /** How many distinct query terms a document must contain (≥ 1). */
  minimumMatch: number;
}

export class TextIndex {
  /** term → key → occurrences in that document. */
  private readonly postings = new Map<string, Map<string, number>>();
  /** key → its terms, to remove them again. */
  private readonly documents = new Map<string, string[]>();
  private totalLength = 0;

  get size(): number {
    return this.documents.size;
  }

  /** Sets a document's terms, replacing what it had (an upsert); no terms removes it. */
  set(key: string, terms: readonly string[]): void {
    this.remove(key);
    if (terms.length === 0) return;
    this.documents.set(key, [...terms]);
    this.totalLength += terms.length;
    for (const term of terms) {
      let byKey = this.postings.get(term);
      if (!byKey) this.postings.set(term, (byKey = new Map()));
      byKey.set(key, (byKey.get(key) ?? 0) + 1);
    }
  }

  remove(key: string): void {
    const terms = this.documents.get(key);
    if (!terms) return;
    this.documents.delete(key);
    this.totalLength -= terms.length;
    for (const term of new Set(terms)) {
      const byKey = this.postings.get(term)!;
      byKey.delete(key);
      if (byKey.size === 0) this.postings.delete(term);
    }
  }

  /**
   * BM25 scores of the documents that contain at least `minimumMatch` distinct query terms and pass
   * `accept`. Statistics (document count, average length, document frequencies) are the whole
   * field's, as in Lucene, so a filter does not change a document's score.
   */
  search(match: TextMatch, accept: (key: string) => boolean = () => true): Map<string, number> {
    const terms = [...new Set(match.terms)];
    const count = this.documents.size;
    const averageLength = count === 0 ? 0 : this.totalLength / count;
    const scores = new Map<string, number>();
    const matched = new Map<string, number>();
    for (const term of terms) {
      const byKey = this.postings.get(term);
      if (!byKey) continue;
      const idf = Math.log(1 + (count - byKey.size + 0.5) / (byKey.size + 0.5));
      for (const [key, frequency] of byKey) {
        if (!accept(key)) continue;
        const length = this.documents.get(key)!.length;
        const norm = frequency + BM25.k1 * (1 - BM25.b + BM25.b * (length / averageLength));
        scores.set(key, (scores.get(key) ?? 0) + idf * (frequency * (BM25.k1 + 1)) / norm);
        matched.set(key, (matched.get(key) ?? 0) + 1);
      }
    }
    for (const [key, n] of matched) if (n < match.minimumMatch) scores.delete(key);
    return scores;
  }
}
