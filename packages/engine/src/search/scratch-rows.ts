// Scratch arrays for native scoring (a graph's vectors, its int8 codes, a segment file), shared by
// every segment: scans run one at a time on the event loop and read their scores before the next
// starts, so one pair of arrays, as large as the largest segment scanned, serves them all (a pair per
// segment would cost 12 bytes a row for nothing).
let rowList = new Int32Array(0);
let scores = new Float64Array(0);

/** The shared row list, holding at least `rows` entries (its contents are the caller's until it next scores). */
export function scratchRowList(rows: number): Int32Array {
  if (rowList.length < rows) rowList = new Int32Array(rows);
  return rowList;
}

/** The shared score array, holding at least `count` entries. */
export function scratchScores(count: number): Float64Array {
  if (scores.length < count) scores = new Float64Array(Math.max(count, rowList.length));
  return scores;
}
