// The systems one run measures, in order: ours first, then the peers on the same data.
import type { SystemReport } from "../lib/report-types.ts";
import type { BenchContext } from "../lib/suite.ts";
import { benchHnswlib } from "./hnswlib.ts";
import { benchLanceDb } from "./lancedb.ts";
import { benchOssv, benchOssvInt8 } from "./ossv.ts";
import { benchOssvCapacity } from "./ossv-capacity.ts";
import { benchOssvImport } from "./ossv-import-cell.ts";
import { benchOssvObjectStore } from "./ossv-object-store.ts";
import { benchOssvFusion } from "./ossv-fusion.ts";

export const SYSTEMS = {
  ossv: benchOssv,
  // The same cells with --quantization int8: its ratios to float32 come from the same run.
  "ossv-int8": benchOssvInt8,
  lancedb: benchLanceDb,
  hnswlib: benchHnswlib,
  // ossv on an object store against ossv on a local directory; asked for by name (it starts a Ceph).
  "ossv-s3": benchOssvObjectStore,
  // QueryVectorsFusion on a hybrid (vector + full-text) index of up to 100k documents; asked for by name.
  "ossv-fusion": benchOssvFusion,
  // Only the JSON Lines import against the SDK's ingest of the same rows (the end of an ossv run).
  "ossv-import": benchOssvImport,
  // An index three times its memory budget, served from the segment files (`--capacity N` runs only this).
  "ossv-capacity": benchOssvCapacity,
} satisfies Record<string, (ctx: BenchContext) => Promise<SystemReport>>;

export type SystemName = keyof typeof SYSTEMS;

/** What a run measures unless --systems says otherwise. */
export const DEFAULT_SYSTEMS: SystemName[] = ["ossv", "ossv-int8", "lancedb", "hnswlib"];
