// fast-check generators over the whole input space PutVectors, QueryVectors and friends allow, edges
// first: the bug these exist for (a ByteWriter that lost bytes once a record outgrew its first guess)
// hid for weeks behind tests that only ever wrote short ASCII keys and tiny metadata. So every size is
// drawn from a mix that puts real weight on 1, on the maximum, on one below it and on small values,
// and only then on the uniform range; characters and numbers do the same with their awkward classes.
// Shared by the engine's and the server's model tests (the engine may import this: it uses only the
// protocol package, which the layering rule allows).
import fc from "fast-check";
// Seeded draws for whole vectors: 4,096 x 500 values are too many to draw through fast-check one by one.
import { seededRandom } from "../../packages/engine/src/base/seeded-random.mjs";
import { DEFAULT_LIMITS, utf8ByteLength, type WireMetadata, type WireMetadataScalar } from "@ossv/protocol";

const LIMITS = DEFAULT_LIMITS;

/** A size in [1, max], biased to 1, max, max - 1 and small values, so the edges come up often. */
export function edgeBiasedSize(max: number, small = 8): fc.Arbitrary<number> {
  // Cross-shrinking lets a failing maximum shrink towards the small values of the first choice.
  return fc.oneof(
    { withCrossShrink: true },
    { arbitrary: fc.integer({ min: 1, max: Math.min(small, max) }), weight: 12 },
    { arbitrary: fc.constant(1), weight: 3 },
    { arbitrary: fc.constant(max), weight: 2 },
    { arbitrary: fc.constant(Math.max(1, max - 1)), weight: 1 },
    { arbitrary: fc.integer({ min: 1, max }), weight: 2 },
  );
}

// ---- text ------------------------------------------------------------------------------------------

// One code point from each UTF-8 length class, plus the characters that break naive code: NUL and
// other controls (escaped by JSON), quote and backslash, combining marks, ZWJ emoji pieces, the BOM,
// U+FFFF and the last code point. Never a lone surrogate: UTF-8 cannot carry one.
const CODE_POINT = fc.oneof(
  { arbitrary: fc.integer({ min: 0x20, max: 0x7e }), weight: 4 },
  { arbitrary: fc.integer({ min: 0x00, max: 0x1f }), weight: 1 },
  { arbitrary: fc.integer({ min: 0x80, max: 0x7ff }), weight: 2 },
  { arbitrary: fc.oneof(fc.integer({ min: 0x800, max: 0xd7ff }), fc.integer({ min: 0xe000, max: 0xffff })), weight: 2 },
  { arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }), weight: 2 },
  { arbitrary: fc.constantFrom(0x22, 0x5c, 0x301, 0x200d, 0xfe0f, 0xfeff, 0xffff, 0x1f600, 0x1f469, 0x10ffff), weight: 2 },
);

/** A well-formed string of exactly `length` code points. */
export function textOfLength(length: number): fc.Arbitrary<string> {
  return fc.array(CODE_POINT, { minLength: length, maxLength: length }).map((points) => String.fromCodePoint(...points));
}

/**
 * A vector key: 1 to 1024 code points of any valid UTF-8, the maximum reached often. Built from arrays
 * (not a length drawn first) so a failing key shrinks by dropping characters, and with cross-shrinking
 * so even a maximum-length key can shrink to a short one.
 */
export const vectorKeyArb: fc.Arbitrary<string> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.array(CODE_POINT, { minLength: 1, maxLength: 8 }), weight: 12 },
  { arbitrary: fc.array(CODE_POINT, { minLength: 1, maxLength: LIMITS.maxVectorKeyLength, size: "max" }), weight: 3 },
  { arbitrary: fc.array(CODE_POINT, { minLength: LIMITS.maxVectorKeyLength - 1, maxLength: LIMITS.maxVectorKeyLength }), weight: 3 },
).map((points) => String.fromCodePoint(...points));

/** Code points of a string (the unit key lengths are counted in). */
export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** `base` cut to leave room for `suffix` within the key length limit, then the suffix. */
export function keyWithSuffix(base: string, suffix: string, maxLength = LIMITS.maxVectorKeyLength): string {
  const room = maxLength - codePointLength(suffix);
  return [...base].slice(0, room).join("") + suffix;
}

// ---- float32 values --------------------------------------------------------------------------------

/** Values at the float32 edges, and decimals that float32 cannot hold exactly. */
export const FLOAT32_EDGES: readonly number[] = [
  0, -0, 1, -1,
  3.4028234663852886e38, -3.4028234663852886e38, // the largest finite float32
  3.4028235e38, // the decimal the docs print, which rounds to the largest float32
  1.401298464324817e-45, -1.401298464324817e-45, // the smallest subnormal
  1.1754942106924411e-38, // the largest subnormal
  1.1754943508222875e-38, // the smallest normal
  1e-46, // rounds to 0 as float32: allowed, "tiny values may round to 0"
  0.1, 1 / 3, -2 / 3, 16777217, 1e30, -1e-30, Math.PI,
];

/**
 * How one batch of vectors is drawn: a seed and the share of values taken from FLOAT32_EDGES (the
 * rest spread over [-scale, scale]). Shrinking makes the share and scale plain first.
 */
export interface VectorSpec {
  seed: number;
  edgeShare: number;
  scale: number;
}

export const vectorSpecArb: fc.Arbitrary<VectorSpec> = fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  edgeShare: fc.constantFrom(0, 0.05, 0.5, 1),
  scale: fc.constantFrom(1, 1e-40, 1e20, 3.4028234663852886e38),
});

/**
 * `count` float32 vectors of `dimension` values drawn from `spec`. None is all zeros as float32 (the
 * cosine metric refuses those; euclidean takes them, but a fixed rule keeps both metrics alike).
 */
export function drawVectors(spec: VectorSpec, dimension: number, count: number): Float32Array[] {
  const random = seededRandom(spec.seed);
  const vectors: Float32Array[] = [];
  for (let v = 0; v < count; v++) {
    const vector = new Float32Array(dimension);
    let allZero = true;
    for (let i = 0; i < dimension; i++) {
      const edge = random() < spec.edgeShare;
      const value = edge ? FLOAT32_EDGES[Math.floor(random() * FLOAT32_EDGES.length)] as number : (random() * 2 - 1) * spec.scale;
      vector[i] = value;
      if (vector[i] !== 0) allZero = false;
    }
    if (allZero) vector[Math.floor(random() * dimension)] = 1;
    vectors.push(vector);
  }
  return vectors;
}

/** Index dimension: 1 to 4096, mostly small (cheap), the maximum reached regularly. */
export const dimensionArb: fc.Arbitrary<number> = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.integer({ min: 1, max: 8 }), weight: 6 },
  { arbitrary: fc.constant(1), weight: 2 },
  { arbitrary: fc.integer({ min: 9, max: 300 }), weight: 2 },
  { arbitrary: fc.integer({ min: 301, max: LIMITS.maxDimension }), weight: 1 },
  { arbitrary: fc.constant(LIMITS.maxDimension), weight: 1 },
);

/** Batch size of PutVectors / DeleteVectors: 1 to 500. */
export const putBatchSizeArb: fc.Arbitrary<number> = edgeBiasedSize(LIMITS.maxPutVectors, 6);

// ---- metadata --------------------------------------------------------------------------------------

/** Filterable field names the filters below address, including names Object.prototype already has. */
export const FILTER_FIELDS: readonly string[] = ["genre", "year", "tags", "flag", "score", "constructor", "__proto__", "名前"];

/** Non-filterable key lists an index may declare (the 63-byte maximum name included). */
export const NON_FILTERABLE_CHOICES: readonly (readonly string[])[] = [
  [], ["body"], ["body", "notes_2", `_${"k".repeat(LIMITS.maxNonFilterableKeyBytes - 1)}`],
];

/** Few distinct values per type, so filters built from the same pools match some rows and miss others. */
export const SCALAR_POOL: readonly WireMetadataScalar[] = [
  "a", "b", "drama", "", "ü", "😀", "2020", "true",
  0, 1, -1, 2.5, 2020, 1e308, -1e308, 5e-324, Number.MAX_SAFE_INTEGER,
  true, false,
];
const scalarArb = fc.constantFrom(...SCALAR_POOL);
const valueArb: fc.Arbitrary<WireMetadataScalar | WireMetadataScalar[]> = fc.oneof(
  { arbitrary: scalarArb, weight: 4 },
  { arbitrary: fc.array(scalarArb, { maxLength: 4 }), weight: 2 },
  { arbitrary: fc.string({ unit: "binary", maxLength: 12 }), weight: 1 },
);

/** Compact-JSON UTF-8 size of metadata, as the limits count it. */
export function metadataBytes(metadata: WireMetadata): number {
  return utf8ByteLength(JSON.stringify(metadata));
}

/** The part of the metadata whose keys the index does not list as non-filterable. */
export function filterablePart(metadata: WireMetadata, nonFilterable: readonly string[]): WireMetadata {
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !nonFilterable.includes(key)));
}

/**
 * How large a metadata object should be: natural, or padded to exactly a limit, or (for the tests of
 * refusals) one byte past it. `over` is only used by invalidMetadataArb.
 */
type SizeTarget = "natural" | "filterable-max" | "total-max";

// Characters to pad with, one per UTF-8 length, none escaped by JSON (so each adds its byte length).
const PAD_CHARS = ["x", "é", "€", "😀"] as const;

/**
 * Sets `metadata[field]` to a string that makes `measure(metadata)` exactly `target` bytes, mixing
 * multi-byte characters in so boundaries fall inside them too. Returns false when even "" is too big.
 */
export function padToBytes(
  metadata: WireMetadata, field: string, target: number, measure: (m: WireMetadata) => number, padChar: string,
): boolean {
  Object.defineProperty(metadata, field, { value: "", enumerable: true, writable: true, configurable: true });
  const room = target - measure(metadata);
  if (room < 0) return false;
  const charBytes = utf8ByteLength(padChar);
  const wide = Math.floor(room / charBytes / 2); // half the room in wide characters, the rest in ASCII
  metadata[field] = padChar.repeat(wide) + "x".repeat(room - wide * charBytes);
  return measure(metadata) === target;
}

/** Builds an object with own properties only (`__proto__` included, as data, not as the prototype). */
export function ownObject(entries: ReadonlyArray<readonly [string, WireMetadataScalar | WireMetadataScalar[]]>): WireMetadata {
  return Object.fromEntries<WireMetadataScalar | WireMetadataScalar[]>(entries);
}

/** Metadata for an index with these non-filterable keys: empty, ordinary, or exactly at a size limit. */
export function metadataArb(nonFilterable: readonly string[]): fc.Arbitrary<WireMetadata> {
  const keys = fc.oneof(
    { arbitrary: fc.constantFrom(...FILTER_FIELDS), weight: 4 },
    { arbitrary: fc.string({ unit: "binary", maxLength: 10 }), weight: 1 },
    ...(nonFilterable.length > 0 ? [{ arbitrary: fc.constantFrom(...nonFilterable), weight: 1 }] : []),
  );
  const entries = fc.uniqueArray(fc.tuple(keys, valueArb), {
    selector: ([key]) => key, maxLength: LIMITS.maxMetadataKeys - 1, size: "small",
  });
  const targets: SizeTarget[] = nonFilterable.length > 0 ? ["natural", "filterable-max", "total-max"] : ["natural", "filterable-max"];
  const target = fc.oneof({ arbitrary: fc.constant<SizeTarget>("natural"), weight: 4 }, { arbitrary: fc.constantFrom(...targets), weight: 2 });
  return fc.tuple(entries, target, fc.constantFrom(...PAD_CHARS), fc.nat({ max: 5 }).map((n) => n === 0))
    .map(([list, size, padChar, fillKeys]) => sizedMetadata(list, size, padChar, fillKeys, nonFilterable))
    .filter((metadata): metadata is WireMetadata => metadata !== undefined);
}

function sizedMetadata(
  list: ReadonlyArray<readonly [string, WireMetadataScalar | WireMetadataScalar[]]>,
  size: SizeTarget, padChar: string, fillKeys: boolean, nonFilterable: readonly string[],
): WireMetadata | undefined {
  // `fillKeys` tops the object up to the 10-key maximum with short fields (9 when a pad field comes on top).
  const room = size === "natural" ? LIMITS.maxMetadataKeys : LIMITS.maxMetadataKeys - 1;
  const padded = fillKeys ? fillToKeyLimit(list, room) : list;
  const metadata = ownObject(padded.slice(0, room));
  if (size === "natural") return fitsLimits(metadata, nonFilterable) ? metadata : undefined;
  const filterableMeasure = (m: WireMetadata) => metadataBytes(filterablePart(m, nonFilterable));
  if (size === "filterable-max") {
    const field = "pad"; // filterable: not in any NON_FILTERABLE_CHOICES list
    if (!padToBytes(metadata, field, LIMITS.maxFilterableMetadataBytes, filterableMeasure, padChar)) return undefined;
  } else if (!padToBytes(metadata, nonFilterable[0] as string, LIMITS.maxMetadataBytes, metadataBytes, padChar)) {
    return undefined;
  }
  return fitsLimits(metadata, nonFilterable) ? metadata : undefined;
}

function fillToKeyLimit(
  list: ReadonlyArray<readonly [string, WireMetadataScalar | WireMetadataScalar[]]>, keys: number,
): Array<readonly [string, WireMetadataScalar | WireMetadataScalar[]]> {
  const out = [...list];
  for (let i = 0; out.length < keys; i++) {
    if (!out.some(([key]) => key === `f${i}`)) out.push([`f${i}`, i]);
  }
  return out;
}

/** Whether metadata is within every limit (the generators' own check; validate.ts stays the judge). */
export function fitsLimits(metadata: WireMetadata, nonFilterable: readonly string[]): boolean {
  return Object.keys(metadata).length <= LIMITS.maxMetadataKeys
    && metadataBytes(metadata) <= LIMITS.maxMetadataBytes
    && metadataBytes(filterablePart(metadata, nonFilterable)) <= LIMITS.maxFilterableMetadataBytes;
}

// ---- filters ---------------------------------------------------------------------------------------

export type FilterJson = Record<string, unknown>;

const NUMBER_POOL = SCALAR_POOL.filter((value): value is number => typeof value === "number");

/**
 * The filter language a query is written in: the OSS Vectors one, or the S3 Vectors one, which adds
 * `$startsWith` (in ENHANCED mode).
 */
export type FilterDialect = "oss" | "s3";

/** Prefixes of the pool's strings (a lone high surrogate among them), of none of them, and of all (""). */
const PREFIX_POOL = ["", "d", "dram", "drama", "dramas", "2", "20", "t", "ü", "😀", "\ud83d", "x"];

/** One key's condition: a bare value (shorthand $eq) or an object of one or more operators. */
function conditionArb(dialect: FilterDialect): fc.Arbitrary<unknown> {
  const operator = fc.oneof(
    fc.tuple(fc.constantFrom("$eq", "$ne"), scalarArb),
    fc.tuple(fc.constantFrom("$gt", "$gte", "$lt", "$lte"), fc.constantFrom(...NUMBER_POOL)),
    fc.tuple(fc.constantFrom("$in", "$nin"), fc.uniqueArray(scalarArb, { minLength: 1, maxLength: 4 })),
    fc.tuple(fc.constant("$exists"), fc.boolean()),
    ...(dialect === "s3" ? [fc.tuple(fc.constant("$startsWith"), fc.constantFrom(...PREFIX_POOL))] : []),
  );
  const operators = fc.uniqueArray(operator, { minLength: 1, maxLength: 3, selector: ([op]) => op })
    .map((ops) => Object.fromEntries(ops));
  return fc.oneof({ arbitrary: scalarArb, weight: 1 }, { arbitrary: operators, weight: 3 });
}

/**
 * A filter over `fields` (which must not include the index's non-filterable keys): conditions on
 * keys, ANDed, and $and/$or nested up to the 8 levels the limits allow.
 */
export function filterArb(fields: readonly string[], dialect: FilterDialect = "oss"): fc.Arbitrary<FilterJson> {
  const { tree } = fc.letrec<{ tree: FilterJson }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", maxDepth: DEFAULT_LIMITS.maxFilterDepth, withCrossShrink: true },
      keyConditions(fields, dialect),
      fc.tuple(fc.constantFrom("$and", "$or"), fc.array(tie("tree"), { minLength: 1, maxLength: 3 }))
        .map(([op, children]) => ({ [op]: children })),
    ),
  }));
  // The recursion rarely goes past 6 levels; the limit is 8, so draw the deepest allowed nesting too.
  const deepest = fc.tuple(keyConditions(fields, dialect), fc.array(fc.constantFrom("$and", "$or"), {
    minLength: DEFAULT_LIMITS.maxFilterDepth, maxLength: DEFAULT_LIMITS.maxFilterDepth,
  })).map(([leaf, ops]) => ops.reduce<FilterJson>((inner, op) => ({ [op]: [inner] }), leaf));
  return fc.oneof({ arbitrary: tree, weight: 9 }, { arbitrary: deepest, weight: 1 });
}

function keyConditions(fields: readonly string[], dialect: FilterDialect): fc.Arbitrary<FilterJson> {
  return fc.uniqueArray(fc.tuple(fc.constantFrom(...fields), conditionArb(dialect)), { maxLength: 3, selector: ([key]) => key })
    .map((entries): FilterJson => Object.fromEntries(entries));
}

/** topK of QueryVectors: 1 to 100. */
export const topKArb: fc.Arbitrary<number> = edgeBiasedSize(LIMITS.maxTopK, 5);
