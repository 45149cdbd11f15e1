// A segment's full-text postings, one FieldPostings per text field of its index (in schema order),
// made when the segment is made and written in its object (format/text-section.ts, and
// docs/storage-format.md): from the memtable's terms at a freeze, by copying the inputs' postings at a
// merge (no document is analysed again), and read back at open, so a restart finds every index ready.
// Segments written before the section existed have theirs built from their rows when opened.
import { FieldPostings, PostingsBuilder } from "./field-postings.ts";
import type { TextField } from "./text-fields.ts";

/** Rows analysed or postings copied per step of a build (see base/event-loop-steps.ts). */
const ROWS_PER_STEP = 1024;
const POSTINGS_PER_STEP = 65_536;

const utf8 = new TextEncoder();

export class SegmentText {
  private encodedBytes: number | undefined;

  constructor(
    /** The text fields' names, in schema order. */
    readonly names: readonly string[],
    readonly fields: readonly FieldPostings[],
  ) {}

  /** Whether these are the postings of exactly `fields` (an index's schema never changes, but a segment from before the text section has none). */
  covers(fields: readonly TextField[]): boolean {
    return fields.length === this.names.length && fields.every((field, i) => field.name === this.names[i]);
  }

  markDeleted(row: number): void {
    for (const field of this.fields) field.markDeleted(row);
  }

  memoryBytes(): number {
    return this.fields.reduce((sum, field) => sum + field.memoryBytes(), 0);
  }

  /** The bytes of the text section that encodes these postings (format/text-section.ts). */
  sectionBytes(): number {
    if (this.encodedBytes !== undefined) return this.encodedBytes;
    let bytes = 4;
    this.fields.forEach((field, f) => {
      bytes += 4 + utf8.encode(this.names[f]).length + 8;
      for (const term of field.terms) bytes += 4 + utf8.encode(term).length + 4;
      bytes += field.rows.length * 8 + field.lengths.length * 4;
    });
    return (this.encodedBytes = bytes);
  }
}

/**
 * Builds a segment's postings from each row's terms (`termsOf(row)`: one list per field, in field
 * order), yielding every ROWS_PER_STEP rows.
 */
export function* buildSegmentText(fields: readonly TextField[], rows: number, termsOf: (row: number) => readonly (readonly string[])[]): Generator<void, SegmentText> {
  const builders = fields.map(() => new PostingsBuilder(rows));
  for (let row = 0; row < rows; row++) {
    if (row % ROWS_PER_STEP === ROWS_PER_STEP - 1) yield;
    const terms = termsOf(row);
    builders.forEach((builder, i) => builder.addRow(row, terms[i] as readonly string[]));
  }
  return new SegmentText(fields.map((field) => field.name), builders.map((builder) => builder.finish()));
}

/** One input of a merge: its postings, and for each of its rows the merged row, or -1 when the row is left behind. */
export interface MergeInput {
  text: SegmentText;
  mergedRowOf: Int32Array;
}

/**
 * The postings of a merged segment of `rows` rows, copied from its inputs' (inputs in the order their
 * rows were copied, so each term's rows stay ascending), yielding every POSTINGS_PER_STEP postings.
 */
export function* mergeSegmentTexts(names: readonly string[], inputs: readonly MergeInput[], rows: number): Generator<void, SegmentText> {
  const fields: FieldPostings[] = [];
  for (let f = 0; f < names.length; f++) {
    const builder = new PostingsBuilder(rows);
    let copied = 0;
    for (const { text, mergedRowOf } of inputs) {
      const from = text.fields[f] as FieldPostings;
      from.lengths.forEach((length, row) => {
        const merged = mergedRowOf[row] as number;
        if (merged >= 0) builder.lengths[merged] = length;
      });
      for (let ordinal = 0; ordinal < from.terms.length; ordinal++) {
        const term = from.terms[ordinal] as string;
        for (let at = from.starts[ordinal] as number, end = from.starts[ordinal + 1] as number; at < end; at++) {
          const merged = mergedRowOf[from.rows[at] as number] as number;
          if (merged >= 0) builder.addPosting(term, merged, from.frequencies[at] as number);
        }
        copied += (from.starts[ordinal + 1] as number) - (from.starts[ordinal] as number);
        if (copied >= POSTINGS_PER_STEP) {
          copied = 0;
          yield;
        }
      }
    }
    fields.push(builder.finish());
  }
  return new SegmentText(names, fields);
}
