// Deterministic clustered data sets: a Gaussian mixture around a few hundred unit-length centres, every
// point normalised so that cosine distance is 1 - dot product. Queries come from the same mixture
// (drawn from their own seed, so they are not in the data). Metadata is independent of the cluster.
import { SeededRandom, mix32 } from "./rng.ts";

export interface DatasetSpec {
  name: string;
  count: number;
  dimension: number;
  clusters: number;
  /** Standard deviation of a point's offset from its centre, as a fraction of the centre's length. */
  spread: number;
  queries: number;
  seed: number;
}

export interface Dataset {
  spec: DatasetSpec;
  /** count x dimension, row-major, unit length. */
  vectors: Float32Array;
  /** queries x dimension, unit length. */
  queries: Float32Array;
  /** 0-9: `category` = "c" + value (10 values, 10 % selectivity each). */
  category: Uint8Array;
  /** 0-99: `tenant` = "t" + value (1 % each). */
  tenant: Uint8Array;
  year: Uint16Array;
}

export type FilterKind = "none" | "category" | "tenant";
export const FILTER_KINDS: readonly FilterKind[] = ["none", "category", "tenant"];
/** The filtered values: c3 (10 % of rows) and t42 (1 %). */
export const CATEGORY_VALUE = 3;
export const TENANT_VALUE = 42;

export function vectorKey(row: number): string {
  return `v${row}`;
}

export function rowOfKey(key: string): number {
  return Number(key.slice(1));
}

export function metadataOf(data: Dataset, row: number): { category: string; tenant: string; year: number } {
  return { category: `c${data.category[row]}`, tenant: `t${data.tenant[row]}`, year: data.year[row] as number };
}

/** Whether a row passes the filter of the given kind. */
export function rowMatches(data: Dataset, kind: FilterKind, row: number): boolean {
  if (kind === "category") return data.category[row] === CATEGORY_VALUE;
  if (kind === "tenant") return data.tenant[row] === TENANT_VALUE;
  return true;
}

/** The 50 % of rows the delete phase removes: chosen by a hash of the row, not by position or cluster. */
export function isDeletedRow(row: number): boolean {
  return (mix32(row ^ 0x5bd1e995) & 1) === 1;
}

export function rowVector(data: Dataset, row: number): Float32Array {
  const d = data.spec.dimension;
  return data.vectors.subarray(row * d, (row + 1) * d);
}

export function queryVector(data: Dataset, query: number): Float32Array {
  const d = data.spec.dimension;
  return data.queries.subarray(query * d, (query + 1) * d);
}

function normalise(target: Float32Array, offset: number, dimension: number): void {
  let sum = 0;
  for (let i = 0; i < dimension; i++) sum += (target[offset + i] as number) ** 2;
  const scale = 1 / Math.sqrt(sum);
  for (let i = 0; i < dimension; i++) target[offset + i] = (target[offset + i] as number) * scale;
}

function makeCentres(random: SeededRandom, clusters: number, dimension: number): Float32Array {
  const centres = new Float32Array(clusters * dimension);
  for (let i = 0; i < centres.length; i++) centres[i] = random.normal();
  for (let c = 0; c < clusters; c++) normalise(centres, c * dimension, dimension);
  return centres;
}

function drawPoints(random: SeededRandom, centres: Float32Array, spec: DatasetSpec, count: number): Float32Array {
  const { dimension, clusters } = spec;
  const sigma = spec.spread / Math.sqrt(dimension); // so the offset's expected length is `spread`
  const out = new Float32Array(count * dimension);
  for (let row = 0; row < count; row++) {
    const centre = random.int(clusters) * dimension;
    const base = row * dimension;
    for (let i = 0; i < dimension; i++) out[base + i] = (centres[centre + i] as number) + sigma * random.normal();
    normalise(out, base, dimension);
  }
  return out;
}

export function generateDataset(spec: DatasetSpec): Dataset {
  const centres = makeCentres(new SeededRandom(spec.seed), spec.clusters, spec.dimension);
  const vectors = drawPoints(new SeededRandom(spec.seed + 1), centres, spec, spec.count);
  const queries = drawPoints(new SeededRandom(spec.seed + 2), centres, spec, spec.queries);
  const random = new SeededRandom(spec.seed + 3);
  const category = new Uint8Array(spec.count);
  const tenant = new Uint8Array(spec.count);
  const year = new Uint16Array(spec.count);
  for (let row = 0; row < spec.count; row++) {
    category[row] = random.int(10);
    tenant[row] = random.int(100);
    year[row] = 2000 + random.int(26);
  }
  return { spec, vectors, queries, category, tenant, year };
}
