// Inverted indexes over one immutable segment's metadata, so a filter becomes a bitmap of allowed rows
// before any vector is looked at (docs/architecture.md#filtered-search: evaluate filters into a bitmap
// first, then choose between an exact scan of those rows and a filtered graph search by how many there
// are).
//
// Per filterable key: value -> rows holding it (`$eq`, `$in` and their negations), the rows where the
// key is present (`$exists`), a numeric column of (row, value) pairs that range operators scan, and,
// made the first time a prefix (`$startsWith`) asks for it, the key's distinct strings in sorted order.
// Semantics match protocol's evaluateFilter exactly (docs/filters.md): no cross-type equality, arrays
// match when any element does, negations are the complement (so a missing key satisfies `$ne`).
import type { FilterNode } from "@ossv/protocol";
import type { Metadata, MetadataScalar } from "../base/types.ts";

/** One byte per row, 1 = allowed: cheap to combine and to test from a graph search callback. */
export type RowBitmap = Uint8Array;

/** A key's lists while the index is built: growable arrays, made typed arrays when it is done. */
interface KeyIndexBuilder {
  postings: Map<string, number[]>;
  present: number[];
  numericRows: number[];
  numericValues: number[];
}

/**
 * One key's index. Typed arrays throughout: they cost half to a quarter of the memory of JS arrays (V8
 * keeps every element of those in 8 bytes), and postings can be handed out as they are.
 */
interface KeyIndex {
  /** Typed value ("s:x", "n:1", "b:true") -> the rows that hold it, ascending. */
  postings: Map<string, Int32Array>;
  /** The rows where the key is present, ascending. */
  present: Int32Array;
  /** (row, value) pairs of the key's numbers, for range filters. */
  numericRows: Int32Array;
  numericValues: Float64Array;
  /**
   * The distinct string values, sorted by UTF-16 code units (the order String.prototype.startsWith
   * compares in), so the strings with a given prefix are one run found by binary search. Undefined
   * until a prefix filter needs it: most keys are never searched by prefix.
   */
  sortedStrings?: string[];
}

// Types are kept apart in the posting key, as evaluateFilter's strict equality keeps them apart.
const postingKey = (value: MetadataScalar): string => `${typeof value}:${String(value)}`;
const STRING_POSTING = "string:";

export class MetadataIndex {
  /** The keys indexed so far; a key no row holds has an empty index, so it is not read again. */
  private readonly keys = new Map<string, KeyIndex>();
  private readonly skip: ReadonlySet<string>;

  constructor(
    readonly rows: number,
    /** Row `row`'s metadata (read once per row for each filter that names keys not indexed yet). */
    private readonly metadataOf: (row: number) => Metadata | undefined,
    nonFilterableKeys: readonly string[],
  ) {
    this.skip = new Set(nonFilterableKeys);
  }

  /**
   * Indexes the keys `node` names that are not indexed yet, in one pass over the rows. Only keys a
   * filter names are indexed: a key no filter names (a Fusion index's full-text field, whose values
   * are whole documents) would cost memory for every distinct value and serve nothing.
   */
  private indexKeysOf(node: FilterNode): void {
    const wanted = new Set<string>();
    collectKeys(node, (key) => {
      if (!this.keys.has(key) && !this.skip.has(key)) wanted.add(key);
    });
    if (wanted.size === 0) return;
    const building = new Map<string, KeyIndexBuilder>();
    for (const key of wanted) building.set(key, { postings: new Map(), present: [], numericRows: [], numericValues: [] });
    for (let row = 0; row < this.rows; row++) {
      const entries = this.metadataOf(row);
      if (entries === undefined) continue;
      for (const key of wanted) {
        // Own keys only: a filter on "constructor" must not find Object.prototype's.
        const value = Object.hasOwn(entries, key) ? entries[key] : undefined;
        if (value !== undefined) add(building.get(key)!, row, value);
      }
    }
    for (const [key, index] of building) {
      this.keys.set(key, {
        postings: new Map([...index.postings].map(([posting, rowList]) => [posting, Int32Array.from(rowList)])),
        present: Int32Array.from(index.present),
        numericRows: Int32Array.from(index.numericRows),
        numericValues: Float64Array.from(index.numericValues),
      });
    }
  }

  /** Estimated bytes: the typed arrays exactly, and about 64 bytes a posting entry besides. */
  memoryBytes(): number {
    let bytes = 0;
    for (const index of this.keys.values()) {
      for (const [posting, rows] of index.postings) bytes += rows.byteLength + posting.length + 64;
      bytes += index.present.byteLength + index.numericRows.byteLength + index.numericValues.byteLength;
      for (const text of index.sortedStrings ?? []) bytes += text.length + 24;
    }
    return bytes;
  }

  /**
   * The rows `node` allows, ascending, deleted rows included (the caller skips those). An equality on
   * one value is answered with its posting list itself, in time independent of the segment's size;
   * the result is shared, so it must not be changed.
   */
  matchingRows(node: FilterNode): Int32Array {
    this.indexKeysOf(node);
    const key = node.op === "eq" || node.op === "in" ? node.key : undefined;
    const single = node.op === "eq" ? node.value : node.op === "in" && node.values.length === 1 ? node.values[0] : undefined;
    if (key === undefined || single === undefined) return rowsOfBitmap(this.evaluate(node));
    return this.posting(key, single) ?? new Int32Array(0);
  }

  /** The rows `node` allows as a bitmap, deleted rows included (the caller masks those). */
  evaluate(node: FilterNode): RowBitmap {
    this.indexKeysOf(node);
    switch (node.op) {
      case "all":
        return new Uint8Array(this.rows).fill(1);
      case "and":
        return this.combine(node.children, "and");
      case "or":
        return this.combine(node.children, "or");
      case "eq":
        return this.withValues(node.key, [node.value]);
      case "ne":
        return invert(this.withValues(node.key, [node.value]));
      case "in":
        return this.withValues(node.key, node.values);
      case "nin":
        return invert(this.withValues(node.key, node.values));
      case "exists": {
        const present = bitmapOfRows(this.keys.get(node.key)?.present ?? [], this.rows);
        return node.exists ? present : invert(present);
      }
      case "startsWith":
        return this.withPrefix(node.key, node.prefix);
      default:
        return this.inRange(node.key, RANGE_TESTS[node.op], node.value);
    }
  }

  private combine(children: readonly FilterNode[], op: "and" | "or"): RowBitmap {
    const [first, ...rest] = children;
    const result = first === undefined ? new Uint8Array(this.rows).fill(1) : this.evaluate(first);
    for (const child of rest) {
      const other = this.evaluate(child);
      if (op === "and") for (let row = 0; row < this.rows; row++) result[row] = (result[row] as number) & (other[row] as number);
      else for (let row = 0; row < this.rows; row++) result[row] = (result[row] as number) | (other[row] as number);
    }
    return result;
  }

  private withValues(key: string, values: readonly MetadataScalar[]): RowBitmap {
    const bitmap = new Uint8Array(this.rows);
    for (const value of values) {
      for (const row of this.posting(key, value) ?? []) bitmap[row] = 1;
    }
    return bitmap;
  }

  /** The rows holding, under `key`, a string (or an array with a string) that starts with `prefix`. */
  private withPrefix(key: string, prefix: string): RowBitmap {
    const bitmap = new Uint8Array(this.rows);
    const index = this.keys.get(key);
    if (!index) return bitmap;
    const strings = (index.sortedStrings ??= sortedStringsOf(index.postings));
    for (let i = lowerBound(strings, prefix); i < strings.length && (strings[i] as string).startsWith(prefix); i++) {
      for (const row of index.postings.get(STRING_POSTING + (strings[i] as string)) ?? []) bitmap[row] = 1;
    }
    return bitmap;
  }

  /** The rows holding `value` under `key`, ascending; undefined when there are none. */
  private posting(key: string, value: MetadataScalar): Int32Array | undefined {
    return this.keys.get(key)?.postings.get(postingKey(value));
  }

  private inRange(key: string, compare: (actual: number, bound: number) => boolean, bound: number): RowBitmap {
    const bitmap = new Uint8Array(this.rows);
    const index = this.keys.get(key);
    if (!index) return bitmap;
    const { numericRows, numericValues } = index;
    for (let i = 0; i < numericRows.length; i++) {
      if (compare(numericValues[i] as number, bound)) bitmap[numericRows[i] as number] = 1;
    }
    return bitmap;
  }
}

/** Calls `found` with each key a filter names. */
function collectKeys(node: FilterNode, found: (key: string) => void): void {
  if (node.op === "all") return;
  if ("children" in node) for (const child of node.children) collectKeys(child, found);
  else found(node.key);
}

/** Adds row `row`'s `value` to the lists of its key being built. */
function add(index: KeyIndexBuilder, row: number, value: NonNullable<Metadata[string]>): void {
  index.present.push(row);
  const values = Array.isArray(value) ? value : [value];
  const seen = new Set<string>();
  for (const item of values) {
    const posting = postingKey(item);
    if (seen.has(posting)) continue; // a row is listed once per value even if an array repeats it
    seen.add(posting);
    let rows = index.postings.get(posting);
    if (!rows) index.postings.set(posting, (rows = []));
    rows.push(row);
    if (typeof item === "number") {
      index.numericRows.push(row);
      index.numericValues.push(item);
    }
  }
}

const RANGE_TESTS = {
  gt: (actual: number, bound: number) => actual > bound,
  gte: (actual: number, bound: number) => actual >= bound,
  lt: (actual: number, bound: number) => actual < bound,
  lte: (actual: number, bound: number) => actual <= bound,
} as const;

function sortedStringsOf(postings: ReadonlyMap<string, Int32Array>): string[] {
  const strings: string[] = [];
  for (const posting of postings.keys()) if (posting.startsWith(STRING_POSTING)) strings.push(posting.slice(STRING_POSTING.length));
  return strings.sort(); // the default sort compares UTF-16 code units, as startsWith does
}

/** The first index whose string is not below `target` in code-unit order. */
function lowerBound(sorted: readonly string[], target: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < target) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A bitmap of `size` rows with `rows` set: the inverse of rowsOfBitmap. */
export function bitmapOfRows(rows: ArrayLike<number>, size: number): RowBitmap {
  const bitmap = new Uint8Array(size);
  for (let i = 0; i < rows.length; i++) bitmap[rows[i] as number] = 1;
  return bitmap;
}

/** The set rows of a bitmap, ascending. */
function rowsOfBitmap(bitmap: RowBitmap): Int32Array {
  let count = 0;
  for (let row = 0; row < bitmap.length; row++) count += bitmap[row] as number;
  const rows = new Int32Array(count);
  let next = 0;
  for (let row = 0; row < bitmap.length; row++) if (bitmap[row] === 1) rows[next++] = row;
  return rows;
}

function invert(bitmap: RowBitmap): RowBitmap {
  for (let row = 0; row < bitmap.length; row++) bitmap[row] = bitmap[row] === 1 ? 0 : 1;
  return bitmap;
}
