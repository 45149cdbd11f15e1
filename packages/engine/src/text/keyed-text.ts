// The full-text index of one field over the memtable's rows, keyed by document key: rows there change
// in place (an upsert replaces a document's terms), so postings are kept per key. When the memtable
// freezes into segments, its documents' terms go into each segment's compact postings
// (segment-text.ts), which are written with the segment.
//
// Hand-written rather than MiniSearch or lunr: lunr's index cannot change after it is built;
// MiniSearch scores with its own BM25+ variant, has no minimum-should-match, and ranks a whole index
// where a query here scores only the documents its filters and partition keys let through.
import type { FieldStats } from "./bm25.ts";

export class KeyedFieldText {
  /** term → key → occurrences in that document. */
  private readonly postings = new Map<string, Map<string, number>>();
  /** key → its terms, to remove them again and to freeze them into a segment. */
  private readonly documents = new Map<string, string[]>();
  private totalLength = 0;

  get stats(): FieldStats {
    return { documents: this.documents.size, totalLength: this.totalLength };
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

  /** A document's terms in order (none when it has none in this field). */
  termsOf(key: string): readonly string[] {
    return this.documents.get(key) ?? [];
  }

  /** The documents holding `term`, each with its occurrences there. */
  postingsOf(term: string): ReadonlyMap<string, number> | undefined {
    return this.postings.get(term);
  }

  /** How many terms a document has (0 when it has none). */
  lengthOf(key: string): number {
    return this.documents.get(key)?.length ?? 0;
  }

  /** Estimated bytes held: each posting a map entry, each term list an array of shared strings. */
  memoryBytes(): number {
    let bytes = 0;
    for (const [term, byKey] of this.postings) bytes += 64 + term.length * 2 + byKey.size * 40;
    for (const terms of this.documents.values()) bytes += 48 + terms.length * 8;
    return bytes;
  }
}
