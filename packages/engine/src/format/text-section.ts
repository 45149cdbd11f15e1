// The text section of a segment object (docs/storage-format.md): a Fusion segment's full-text
// postings (text/segment-text.ts), written after its graph.
//
//   u32 fieldCount, then per field: string name | u32 termCount | u32 postingCount
//     | termCount × string term (ascending) | termCount × u32 postings per term
//     | postingCount × u32 row | postingCount × u32 frequency | rows × u32 length
//
// where a string is a u32 byte length and UTF-8, all little-endian. Decoding checks everything a query
// relies on: terms strictly ascending, rows inside the segment and ascending within a term,
// frequencies of at least 1 adding up to each row's length.
import { ByteReader, ByteWriter } from "./binary.ts";
import { DecodeError } from "../base/errors.ts";
import { compareTerms, FieldPostings } from "../text/field-postings.ts";
import { SegmentText } from "../text/segment-text.ts";

/** The section's bytes (SegmentText.sectionBytes long). */
export function encodeSegmentText(text: SegmentText): Uint8Array {
  const writer = new ByteWriter(1 << 16);
  writer.u32(text.fields.length);
  text.fields.forEach((field, f) => {
    writer.string(text.names[f] as string);
    writer.u32(field.terms.length);
    writer.u32(field.rows.length);
    for (const term of field.terms) writer.string(term);
    const counts = new Uint32Array(field.terms.length);
    for (let i = 0; i < counts.length; i++) counts[i] = (field.starts[i + 1] as number) - (field.starts[i] as number);
    writer.u32s(counts);
    writer.u32s(field.rows);
    writer.u32s(field.frequencies);
    writer.u32s(field.lengths);
  });
  return writer.finish();
}

/** A segment of `rows` rows' text section; throws DecodeError unless it is whole and consistent. */
export function decodeSegmentText(bytes: Uint8Array, rows: number): SegmentText {
  const reader = new ByteReader(bytes);
  const fieldCount = reader.u32();
  if (fieldCount > 64) throw new DecodeError(`segment text section has ${fieldCount} fields`);
  const names: string[] = [];
  const fields: FieldPostings[] = [];
  for (let f = 0; f < fieldCount; f++) {
    names.push(reader.string());
    fields.push(decodeField(reader, rows));
  }
  if (reader.remaining !== 0) throw new DecodeError("segment text section has trailing bytes");
  return new SegmentText(names, fields);
}

function decodeField(reader: ByteReader, rowCount: number): FieldPostings {
  const termCount = reader.u32();
  const postingCount = reader.u32();
  // Each term takes at least 5 bytes and each posting 8: counts past what is left are damage.
  if (termCount * 5 + postingCount * 8 > reader.remaining) throw new DecodeError("segment text section is shorter than its counts");
  const terms: string[] = [];
  for (let i = 0; i < termCount; i++) {
    const term = reader.string();
    if (term === "" || (i > 0 && compareTerms(terms[i - 1] as string, term) >= 0)) throw new DecodeError("segment text terms are not strictly ascending");
    terms.push(term);
  }
  const counts = reader.u32s(termCount);
  const rows = reader.u32s(postingCount);
  const frequencies = reader.u32s(postingCount);
  const lengths = reader.u32s(rowCount);
  const starts = new Uint32Array(termCount + 1);
  for (let i = 0; i < termCount; i++) starts[i + 1] = (starts[i] as number) + (counts[i] as number);
  if (starts[termCount] !== postingCount) throw new DecodeError("segment text postings do not add up");
  checkPostings(starts, rows, frequencies, lengths);
  return new FieldPostings(terms, starts, rows, frequencies, lengths);
}

function checkPostings(starts: Uint32Array, rows: Uint32Array, frequencies: Uint32Array, lengths: Uint32Array): void {
  const seen = new Float64Array(lengths.length);
  for (let ordinal = 0; ordinal + 1 < starts.length; ordinal++) {
    let previous = -1;
    for (let at = starts[ordinal] as number; at < (starts[ordinal + 1] as number); at++) {
      const row = rows[at] as number;
      const frequency = frequencies[at] as number;
      if (row <= previous || row >= lengths.length || frequency === 0) throw new DecodeError("segment text postings are out of order or range");
      seen[row] = (seen[row] as number) + frequency;
      previous = row;
    }
  }
  for (let row = 0; row < lengths.length; row++) {
    if (seen[row] !== lengths[row]) throw new DecodeError("segment text lengths do not match their postings");
  }
}
