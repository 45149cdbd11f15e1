// A record source named by plain data (format, path, options), so that it can be opened in another
// thread as well as here: read-in-worker.ts sends it to the reading worker.
import { readCsv } from "./csv.ts";
import { readJsonl } from "./jsonl.ts";
import { readNpy } from "./npy.ts";
import { readParquet } from "./parquet.ts";
import type { RecordSource } from "./records.ts";

export type SourceFormat = "jsonl" | "csv" | "npy" | "parquet";

export interface SourceSpec {
  format: SourceFormat;
  path: string;
  /** .npy only: a file of keys, one per line. */
  keysFile?: string;
  /** .npy only: generated keys are this prefix and the row number. */
  keyPrefix?: string;
}

export async function openSource(spec: SourceSpec): Promise<RecordSource> {
  switch (spec.format) {
    case "jsonl": return readJsonl(spec.path);
    case "csv": return readCsv(spec.path);
    case "npy": return readNpy(spec.path, {
      ...(spec.keysFile !== undefined ? { keysFile: spec.keysFile } : {}),
      ...(spec.keyPrefix !== undefined ? { keyPrefix: spec.keyPrefix } : {}),
    });
    case "parquet": return readParquet(spec.path);
  }
}
