// Probe: what a Fusion index's full-text postings cost the engine, in-process, on the hybrid cell's
// kind of text (8 words a document from a 5,000-word vocabulary skewed towards the frequent words):
// a freeze's build from a memtable's terms (synchronous, in the write path's step), a merge of two
// segments' postings, encoding and decoding the text section, and 2-word searches over one segment.
//
//   npx tsx bench/probe/text-postings.ts [documents per segment]
import { runAtOnce } from "../../packages/engine/src/base/event-loop-steps.ts";
import { decodeSegmentText, encodeSegmentText } from "../../packages/engine/src/format/text-section.ts";
import { KeyedFieldText } from "../../packages/engine/src/text/keyed-text.ts";
import { buildSegmentText, mergeSegmentTexts, type SegmentText } from "../../packages/engine/src/text/segment-text.ts";
import { searchText } from "../../packages/engine/src/text/text-search.ts";
import type { TextField } from "../../packages/engine/src/text/text-fields.ts";
import { SeededRandom } from "../lib/rng.ts";

const rows = Number(process.argv[2] ?? 32_768);
const VOCABULARY = 5000;
const WORDS = 8;
const random = new SeededRandom(7);
/** A skewed draw: low word numbers far more often, as natural text has its common words. */
const word = () => `w${Math.floor(VOCABULARY * random.next() ** 3)}`;
const fields: TextField[] = [{ name: "title", settings: { analyzer: "standard", caseSensitive: false, delimitWord: false } }];
const documents = Array.from({ length: rows * 2 }, () => Array.from({ length: WORDS }, word));

function timed<T>(label: string, run: () => T, repeats = 5): T {
  let result = run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const started = performance.now();
    result = run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} median ${times[Math.floor(repeats / 2)]!.toFixed(1)} ms`);
  return result;
}

const build = (first: number) => runAtOnce(buildSegmentText(fields, rows, (row) => [documents[first + row]!]));
const a = timed(`freeze: build ${rows} rows' postings`, () => build(0));
const b = build(rows);
const keep = (segment: SegmentText, offset: number) => ({ text: segment, mergedRowOf: Int32Array.from({ length: rows }, (_, row) => (row % 10 === 0 ? -1 : offset + row - Math.ceil(row / 10))) });
const kept = rows - Math.ceil(rows / 10);
timed(`merge: two segments, a tenth deleted`, () => runAtOnce(mergeSegmentTexts(["title"], [keep(a, 0), keep(b, kept)], kept * 2)));
const bytes = timed("encode the text section", () => encodeSegmentText(a));
timed(`decode it (${(bytes.length / 2 ** 20).toFixed(1)} MB)`, () => decodeSegmentText(bytes, rows));
const keys = Array.from({ length: rows }, (_, row) => `doc-${row}`);
const segment = { postings: a.fields[0]!, deleted: new Uint8Array(rows), allLive: true, keyAt: (row: number) => keys[row]! };
const queries = Array.from({ length: 200 }, () => [word(), word()]);
timed("200 searches of 2 words, one segment", () => {
  for (const terms of queries) searchText({ memtable: new KeyedFieldText(), segments: [segment] }, { terms, minimumMatch: 1 });
});
