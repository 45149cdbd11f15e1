// The full-text postings of one field in one segment: immutable like the segment's rows, and compact
// (typed arrays, each term once), because a segment may hold millions of postings. Terms are sorted
// (by UTF-16 code units, as JavaScript compares strings) and found by binary search; term i's postings
// are rows[starts[i] .. starts[i + 1]), ascending, each with its occurrences in frequencies. A row's
// length (its number of terms, repeats counted) is kept per row for BM25; 0 means the row's document
// has no terms in the field. Deleting a row takes it out of the field's statistics at once; its
// postings stay, skipped by the deletion bitmap, until a merge leaves the row behind.
import type { FieldStats } from "./bm25.ts";

export function compareTerms(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class FieldPostings {
  private liveDocuments = 0;
  private liveLength = 0;

  constructor(
    readonly terms: readonly string[],
    /** termCount + 1 offsets into rows and frequencies. */
    readonly starts: Uint32Array,
    readonly rows: Uint32Array,
    readonly frequencies: Uint32Array,
    /** Per segment row: its terms in this field. */
    readonly lengths: Uint32Array,
  ) {
    for (const length of lengths) {
      if (length === 0) continue;
      this.liveDocuments++;
      this.liveLength += length;
    }
  }

  /** The field's statistics over the segment's live rows. */
  get stats(): FieldStats {
    return { documents: this.liveDocuments, totalLength: this.liveLength };
  }

  /** The ordinal of `term`, or -1 when no row has it. */
  ordinalOf(term: string): number {
    let low = 0;
    let high = this.terms.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const order = compareTerms(this.terms[middle] as string, term);
      if (order === 0) return middle;
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return -1;
  }

  /** Takes a deleted row out of the statistics (the segment calls this once per row). */
  markDeleted(row: number): void {
    const length = this.lengths[row] as number;
    if (length === 0) return;
    this.liveDocuments--;
    this.liveLength -= length;
  }

  memoryBytes(): number {
    let bytes = this.starts.byteLength + this.rows.byteLength + this.frequencies.byteLength + this.lengths.byteLength;
    for (const term of this.terms) bytes += 24 + term.length * 2;
    return bytes;
  }
}

/** Gathers one field's postings row by row, rows in ascending order. */
export class PostingsBuilder {
  /** term → row, frequency, row, frequency ... */
  private readonly byTerm = new Map<string, number[]>();
  private postings = 0;
  readonly lengths: Uint32Array;

  constructor(rows: number) {
    this.lengths = new Uint32Array(rows);
  }

  /** A row's terms, as the analyzer gave them (repeats counted). */
  addRow(row: number, terms: readonly string[]): void {
    if (terms.length === 0) return;
    this.lengths[row] = terms.length;
    const counts = new Map<string, number>();
    for (const term of terms) counts.set(term, (counts.get(term) ?? 0) + 1);
    for (const [term, frequency] of counts) this.addPosting(term, row, frequency);
  }

  /** One posting, copied from another segment's postings (its row's length set apart). */
  addPosting(term: string, row: number, frequency: number): void {
    let list = this.byTerm.get(term);
    if (!list) this.byTerm.set(term, (list = []));
    list.push(row, frequency);
    this.postings++;
  }

  finish(): FieldPostings {
    const terms = [...this.byTerm.keys()].sort(compareTerms);
    const starts = new Uint32Array(terms.length + 1);
    const rows = new Uint32Array(this.postings);
    const frequencies = new Uint32Array(this.postings);
    let at = 0;
    terms.forEach((term, ordinal) => {
      starts[ordinal] = at;
      const list = this.byTerm.get(term)!;
      for (let i = 0; i < list.length; i += 2, at++) {
        rows[at] = list[i] as number;
        frequencies[at] = list[i + 1] as number;
      }
    });
    starts[terms.length] = at;
    return new FieldPostings(terms, starts, rows, frequencies, this.lengths);
  }
}
