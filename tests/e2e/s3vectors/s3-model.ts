// A deliberately plain model of one S3 Vectors index for the randomized tests: a map of live rows,
// the S3 filter dialect evaluated the obvious way, and generators for rows and filters.
// Filter semantics (the S3 dialect): a literal means $eq; several keys or operators in one object
// are ANDed; against an array value, $eq/$in/$startsWith hold when any element does and $ne/$nin
// when no element does; a missing key fails every operator but $ne, $nin and $exists:false;
// numeric comparisons hold only for numbers; no cross-type equality ("2020" is not 2020).
import fc from "fast-check";

export type Scalar = string | number | boolean;
export type Metadata = Record<string, Scalar | Scalar[]>;
export type Filter = Record<string, unknown>;

export interface Row {
  vector: number[];
  metadata: Metadata;
}

export class IndexModel {
  readonly rows = new Map<string, Row>();

  put(key: string, row: Row): void { this.rows.set(key, row); }
  delete(key: string): void { this.rows.delete(key); }

  matching(filter: Filter | undefined): string[] {
    return [...this.rows].filter(([, row]) => filter === undefined || matches(filter, row.metadata)).map(([key]) => key);
  }
}

export function matches(filter: Filter, metadata: Metadata): boolean {
  return Object.entries(filter).every(([key, condition]) => {
    if (key === "$and") return (condition as Filter[]).every((child) => matches(child, metadata));
    if (key === "$or") return (condition as Filter[]).some((child) => matches(child, metadata));
    const value = Object.hasOwn(metadata, key) ? metadata[key] : undefined;
    if (typeof condition !== "object" || condition === null) return holds("$eq", condition, value);
    return Object.entries(condition).every(([op, operand]) => holds(op, operand, value));
  });
}

function holds(op: string, operand: unknown, value: Scalar | Scalar[] | undefined): boolean {
  const items: Scalar[] = value === undefined ? [] : Array.isArray(value) ? value : [value];
  const isNumber = (item: Scalar): item is number => typeof item === "number";
  switch (op) {
    case "$eq": return items.some((item) => item === operand);
    case "$ne": return !items.some((item) => item === operand);
    case "$in": return items.some((item) => (operand as Scalar[]).includes(item));
    case "$nin": return !items.some((item) => (operand as Scalar[]).includes(item));
    case "$gt": return items.some((item) => isNumber(item) && item > (operand as number));
    case "$gte": return items.some((item) => isNumber(item) && item >= (operand as number));
    case "$lt": return items.some((item) => isNumber(item) && item < (operand as number));
    case "$lte": return items.some((item) => isNumber(item) && item <= (operand as number));
    case "$exists": return (value !== undefined) === operand;
    case "$startsWith": return items.some((item) => typeof item === "string" && item.startsWith(operand as string));
    default: throw new Error(`model: unknown operator ${op}`);
  }
}

// ---- generators ------------------------------------------------------------------------------------

// Few values per field, so random filters match some rows and miss others; each field keeps one type
// except `mixed`, which holds any type (type mismatches must simply not match).
const GENRES = ["drama", "comedy", "news", "", "ü😀"];
const YEARS = [-1, 0, 1999, 2020, 2020.5, 2024];
const PATHS = ["/a/b", "/a/c", "/b", "/ab", "a/"];
const TAGS = ["x", "y", "z"];
const MIXED: Scalar[] = ["2020", 2020, true, "true", 0, ""];

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 4 });

export const metadataArb: fc.Arbitrary<Metadata> = fc.record({
  genre: maybe(fc.constantFrom(...GENRES)),
  year: maybe(fc.constantFrom(...YEARS)),
  path: maybe(fc.constantFrom(...PATHS)),
  tags: maybe(fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 })),
  flag: maybe(fc.boolean()),
  mixed: maybe(fc.constantFrom(...MIXED)),
}).map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Metadata);

const scalarFor: Record<string, fc.Arbitrary<Scalar>> = {
  genre: fc.constantFrom(...GENRES), year: fc.constantFrom(...YEARS), path: fc.constantFrom(...PATHS),
  tags: fc.constantFrom(...TAGS), flag: fc.boolean(), mixed: fc.constantFrom(...MIXED),
};
const FIELDS = Object.keys(scalarFor);

function conditionArb(field: string): fc.Arbitrary<unknown> {
  const value = scalarFor[field]!;
  const operator = fc.oneof(
    fc.tuple(fc.constantFrom("$eq", "$ne"), value),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte"), fc.constantFrom(...YEARS)),
    fc.tuple(fc.constantFrom("$in", "$nin"), fc.uniqueArray(value, { minLength: 1, maxLength: 3 })),
    fc.tuple(fc.constant("$exists"), fc.boolean()),
    fc.tuple(fc.constant("$startsWith"), fc.constantFrom("/a", "/", "/a/", "dr", "x", "ü")),
  );
  const operators = fc.uniqueArray(operator, { minLength: 1, maxLength: 2, selector: ([op]) => op }).map((ops) => Object.fromEntries(ops));
  return fc.oneof({ arbitrary: value, weight: 1 }, { arbitrary: operators, weight: 3 });
}

const leafArb: fc.Arbitrary<Filter> = fc.uniqueArray(fc.constantFrom(...FIELDS), { minLength: 1, maxLength: 2 })
  .chain((fields) => fc.tuple(...fields.map((field) => conditionArb(field).map((c) => [field, c] as const))))
  .map((entries) => Object.fromEntries(entries));

/** Filters of the S3 dialect over the fields above, nested $and/$or a few levels deep. */
export const filterArb: fc.Arbitrary<Filter> = fc.letrec<{ tree: Filter }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", maxDepth: 3, withCrossShrink: true },
    leafArb,
    fc.tuple(fc.constantFrom("$and", "$or"), fc.array(tie("tree"), { minLength: 1, maxLength: 3 })).map(([op, children]) => ({ [op]: children })),
  ),
})).tree;

/** Euclidean distance in float64 over float32 values, as the index stores them. */
export function euclidean(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (Math.fround(a[i]!) - Math.fround(b[i]!)) ** 2;
  return Math.sqrt(sum);
}
