// What an index holds in memory, by part, as the engine accounts it: exact for typed arrays (vectors,
// norms, deletion flags, filter matches, segments' encoded keys and metadata) and for a graph's native
// arrays (the addon counts them), estimated for what V8 lays out itself (the memtable's keys and
// metadata as JS values, the key directory). The estimates come from those layouts (Node 20 on x64),
// stated beside each constant; they are for budgeting and monitoring, and process RSS stays the
// ground truth (docs/production.md#memory compares the two).

export interface MemoryUse {
  /** Float32 vectors and their norms: the memtable's arena and the segments' blocks. */
  vectors: number;
  /** HNSW graphs in hnswlib (its own copy of the vectors included) and serialised graphs waiting to be written. */
  graphs: number;
  /** Keys and metadata (segments' encoded, the memtable's as JS values), the key directory and the metadata indexes. */
  metadata: number;
  /** Rows remembered for recent filters, per segment. */
  filterCache: number;
}

export const NO_MEMORY: MemoryUse = { vectors: 0, graphs: 0, metadata: 0, filterCache: 0 };

export function addMemory(a: MemoryUse, b: MemoryUse): MemoryUse {
  return { vectors: a.vectors + b.vectors, graphs: a.graphs + b.graphs, metadata: a.metadata + b.metadata, filterCache: a.filterCache + b.filterCache };
}

export function totalMemory(use: MemoryUse): number {
  return use.vectors + use.graphs + use.metadata + use.filterCache;
}

/**
 * Per row held as JS values: the key string's header and its slots in the row arrays and the key map
 * (about 64 B), a metadata object's header and property slots (about 48 B), and its values as text
 * (strings one byte per ASCII character, numbers as 8-byte doubles).
 */
const ROW_OVERHEAD_BYTES = 112;
/** Rows whose metadata is sized to estimate the rest: enough for a stable mean, cheap for any memtable. */
const METADATA_SAMPLE = 64;

/** Estimated bytes of `rows` keys and metadata objects, from the keys and a sample of the metadata. */
export function rowValuesMemory(keys: readonly (string | undefined)[], metadataOf: (row: number) => unknown): number {
  let bytes = 0;
  let rows = 0;
  for (const key of keys) {
    if (key === undefined) continue;
    bytes += key.length + ROW_OVERHEAD_BYTES;
    rows++;
  }
  if (rows === 0) return 0;
  const step = Math.max(1, Math.floor(keys.length / METADATA_SAMPLE));
  let sampled = 0;
  let sampledBytes = 0;
  for (let row = 0; row < keys.length && sampled < METADATA_SAMPLE; row += step) {
    const metadata = metadataOf(row);
    if (metadata === undefined) continue;
    sampledBytes += JSON.stringify(metadata).length;
    sampled++;
  }
  return bytes + (sampled === 0 ? 0 : Math.round((sampledBytes / sampled) * rows));
}
