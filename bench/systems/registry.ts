// The systems one run measures, in order: ours first, then the peers on the same data.
import type { SystemReport } from "../lib/report-types.ts";
import type { BenchContext } from "../lib/suite.ts";
import { benchHnswlib } from "./hnswlib.ts";
import { benchLanceDb } from "./lancedb.ts";
import { benchOssv } from "./ossv.ts";

export const SYSTEMS = {
  ossv: benchOssv,
  lancedb: benchLanceDb,
  hnswlib: benchHnswlib,
} satisfies Record<string, (ctx: BenchContext) => Promise<SystemReport>>;

export type SystemName = keyof typeof SYSTEMS;
