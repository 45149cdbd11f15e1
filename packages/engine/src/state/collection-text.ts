// The full-text indexes of a collection whose index has text fields (a Fusion index): the memtable's
// keyed index, kept in step with every applied write and delete, and each segment's postings
// (text/segment-text.ts), made when the segment is made. Like the rest of the collection's state it
// changes only by applying durable WAL records, freezes and compaction swaps, so a deleted or replaced
// document never leaves a stale hit, and a node reading a shared store has the same indexes as the
// one that wrote it.
import { runAtOnce } from "../base/event-loop-steps.ts";
import { invariant } from "../base/invariant.ts";
import type { TextMatch } from "../text/bm25.ts";
import { KeyedFieldText } from "../text/keyed-text.ts";
import { buildSegmentText, mergeSegmentTexts, type SegmentText } from "../text/segment-text.ts";
import { documentTerms, type TextField } from "../text/text-fields.ts";
import { searchText } from "../text/text-search.ts";
import type { Segment } from "../search/segment.ts";
import type { Memtable } from "./memtable.ts";
import type { RowSource } from "./collection-state.ts";
import type { Metadata } from "../base/types.ts";

export class CollectionText {
  private memtable: KeyedFieldText[];

  constructor(readonly fields: readonly TextField[], memtable: Memtable) {
    this.memtable = fields.map(() => new KeyedFieldText());
    memtable.forEachLive((key, _row, metadataOf) => this.put(key, metadataOf()));
  }

  put(key: string, metadata: Readonly<Metadata>): void {
    documentTerms(this.fields, metadata).forEach((terms, i) => this.memtable[i]!.set(key, terms));
  }

  remove(key: string): void {
    for (const field of this.memtable) field.remove(key);
  }

  /**
   * Gives each segment frozen out of the memtable its postings, from the terms the memtable's index
   * holds (no document analysed again), and starts the next memtable's index empty.
   */
  freeze(segments: readonly Segment[]): void {
    for (const segment of segments) {
      const termsOf = (row: number) => {
        const key = segment.keyAt(row);
        return this.memtable.map((field) => field.termsOf(key));
      };
      segment.attachText(runAtOnce(buildSegmentText(this.fields, segment.rows, termsOf)));
    }
    this.memtable = this.fields.map(() => new KeyedFieldText());
  }

  /** BM25 scores of the live documents matching on `field` (see text/text-search.ts). */
  search(field: string, match: TextMatch, segments: readonly Segment[], accept?: (key: string) => boolean): Map<string, number> {
    const position = this.fields.findIndex((candidate) => candidate.name === field);
    invariant(position >= 0, "a text search names a text field of the index", { field });
    const sources = segments.map((segment) => {
      const text = this.textOf(segment);
      return {
        postings: text.fields[position]!,
        deleted: segment.deleted,
        allLive: segment.liveCount === segment.rows,
        keyAt: (row: number) => segment.keyAt(row),
      };
    });
    return searchText({ memtable: this.memtable[position]!, segments: sources }, match, accept);
  }

  /**
   * The postings of a merged segment whose row i was copied from `sources[i]`, made from its inputs'
   * postings (text/segment-text.ts mergeSegmentTexts), in steps.
   */
  mergeSteps(inputs: readonly Segment[], sources: readonly RowSource[]): Generator<void, SegmentText> {
    const mergedRowOf = new Map(inputs.map((segment) => [segment, new Int32Array(segment.rows).fill(-1)]));
    sources.forEach(({ segment, row }, merged) => {
      mergedRowOf.get(segment)![row] = merged;
    });
    const names = this.fields.map((field) => field.name);
    return mergeSegmentTexts(names, inputs.map((segment) => ({ text: this.textOf(segment), mergedRowOf: mergedRowOf.get(segment)! })), sources.length);
  }

  /**
   * A segment's postings; built from its rows now if it has none, which only a segment opened
   * without them can lack (recovery builds those of old objects as it opens them: textFromRecords).
   */
  private textOf(segment: Segment): SegmentText {
    if (!segment.text?.covers(this.fields)) segment.attachText(runAtOnce(textFromRecords(this.fields, segment)));
    return segment.text!;
  }

  memoryBytes(): number {
    return this.memtable.reduce((sum, field) => sum + field.memoryBytes(), 0);
  }
}

/** Builds a segment's postings by analysing its rows' documents, in steps. */
export function textFromRecords(fields: readonly TextField[], segment: Pick<Segment, "rows" | "records">): Generator<void, SegmentText> {
  return buildSegmentText(fields, segment.rows, (row) => documentTerms(fields, segment.records.metadataAt(row)));
}
