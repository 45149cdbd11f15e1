// The limits profile (docs/protocol.md#limits). Defaults are the values of the API reference; the docs
// drift between revisions (topK 30/100/500, filter 64 KB vs 20 KB, 10 vs 100 non-filterable keys), so
// a server may be started with another profile built by withLimits(). Validators and the filter
// parser take the profile as an argument instead of reading constants, so a profile applies
// everywhere at once.

export interface LimitsProfile {
  readonly minBucketNameLength: number;
  readonly maxBucketNameLength: number;
  readonly maxBucketsPerRegion: number;
  readonly maxIndexNameLength: number;
  readonly maxIndexesPerBucket: number;
  readonly maxDimension: number;
  readonly maxPutVectors: number;
  readonly maxGetKeys: number;
  readonly maxDeleteKeys: number;
  readonly maxTopK: number;
  /** Counted in Unicode characters (code points), not UTF-16 units or bytes. */
  readonly maxVectorKeyLength: number;
  /** UTF-8 bytes of the compact JSON encoding of a vector's whole metadata object. */
  readonly maxMetadataBytes: number;
  /** UTF-8 bytes of the compact JSON encoding of the metadata restricted to filterable keys. */
  readonly maxFilterableMetadataBytes: number;
  /** Filterable and non-filterable keys together (user guide: "up to 10 fields combined"). */
  readonly maxMetadataKeys: number;
  readonly maxNonFilterableKeys: number;
  readonly maxNonFilterableKeyBytes: number;
  readonly listVectorsDefault: number;
  readonly listVectorsMax: number;
  readonly listIndexesDefault: number;
  readonly listIndexesMax: number;
  readonly listBucketsDefault: number;
  readonly listBucketsMax: number;
  readonly maxListSegments: number;
  /** UTF-8 bytes of the compact JSON encoding of the filter. */
  readonly maxFilterBytes: number;
  /** Operators plus $in/$nin list items; see filter.ts for how they are counted. */
  readonly maxFilterInstructions: number;
  /** Nested $and/$or levels; see filter.ts. */
  readonly maxFilterDepth: number;
  readonly maxNextTokenBytes: number;
}

export const DEFAULT_LIMITS: LimitsProfile = Object.freeze({
  minBucketNameLength: 3,
  maxBucketNameLength: 32,
  maxBucketsPerRegion: 100,
  maxIndexNameLength: 63,
  maxIndexesPerBucket: 100,
  maxDimension: 4096,
  maxPutVectors: 500,
  maxGetKeys: 100,
  maxDeleteKeys: 500,
  maxTopK: 100,
  maxVectorKeyLength: 1024,
  maxMetadataBytes: 40 * 1024,
  maxFilterableMetadataBytes: 2 * 1024,
  maxMetadataKeys: 10,
  maxNonFilterableKeys: 10,
  maxNonFilterableKeyBytes: 63,
  listVectorsDefault: 500,
  listVectorsMax: 1000,
  listIndexesDefault: 100,
  listIndexesMax: 500,
  listBucketsDefault: 100,
  listBucketsMax: 1000,
  maxListSegments: 16,
  maxFilterBytes: 64 * 1024,
  maxFilterInstructions: 1024,
  maxFilterDepth: 8,
  maxNextTokenBytes: 2048,
});

// Pairs whose order a profile must keep, or list pages and bucket names become impossible to satisfy.
const ORDERED_PAIRS: ReadonlyArray<readonly [keyof LimitsProfile, keyof LimitsProfile]> = [
  ["minBucketNameLength", "maxBucketNameLength"],
  ["listVectorsDefault", "listVectorsMax"],
  ["listIndexesDefault", "listIndexesMax"],
  ["listBucketsDefault", "listBucketsMax"],
  ["maxFilterableMetadataBytes", "maxMetadataBytes"],
];

/**
 * withLimits() returns a frozen profile: the defaults (or `base`) with `overrides` applied. A bad
 * override is a configuration mistake, not a client error, so it throws RangeError rather than ApiError.
 */
export function withLimits(overrides: Partial<LimitsProfile>, base: LimitsProfile = DEFAULT_LIMITS): LimitsProfile {
  // An undefined override keeps the base value, so callers can pass optional settings straight through.
  const given = Object.entries(overrides).filter(([, value]) => value !== undefined);
  const profile: LimitsProfile = { ...base, ...Object.fromEntries(given) };
  for (const [name, value] of Object.entries(profile)) {
    if (!(name in DEFAULT_LIMITS)) throw new RangeError(`unknown limit "${name}"`);
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`limit ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  for (const [low, high] of ORDERED_PAIRS) {
    if (profile[low] > profile[high]) {
      throw new RangeError(`limit ${low} (${profile[low]}) exceeds ${high} (${profile[high]})`);
    }
  }
  return Object.freeze(profile);
}
