// Exporting an index to JSON Lines or Parquet, and copying one index into another (on the same server
// or another), both through segmented ListVectors: `segments` listings run at once, each a disjoint
// part of the index, so the whole index is read exactly once.
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { once } from "node:events";
import { listVectorsParallel, type Vector, type VectorsClient } from "@ossv/sdk";
import { importVectors, type ImportOptions, type ImportSummary } from "./import.ts";
import { ParquetVectorWriter } from "./parquet.ts";
import type { SourceItem } from "./records.ts";

export interface IndexRef {
  client: Pick<VectorsClient, "listVectors">;
  bucket: string;
  index: string;
}

export interface ExportOptions extends IndexRef {
  format: "jsonl" | "parquet";
  /** The file written; it appears only when the export is complete (written beside it, then renamed). */
  out: string;
  /** Listings at once, 1–16. Default 4. */
  segments?: number;
  /** Called with the number of vectors written so far. */
  onProgress?: (written: number) => void;
  abortSignal?: AbortSignal;
}

export interface ExportSummary {
  written: number;
  seconds: number;
  rowsPerSecond: number;
}

/** Every vector of an index, with data and metadata, in no particular order. */
export function listAll(source: IndexRef, segments = 4, abortSignal?: AbortSignal): AsyncGenerator<Vector> {
  return listVectorsParallel(source.client, {
    bucket: source.bucket, indexName: source.index, segmentCount: segments, returnData: true, returnMetadata: true,
  }, { abortSignal });
}

/** The server answers `{}` for a vector stored without metadata; either way there is none to write. */
function presentMetadata(vector: Vector): Vector["metadata"] {
  return vector.metadata && Object.keys(vector.metadata).length > 0 ? vector.metadata : undefined;
}

/** One JSON Lines record; the same shape the JSON Lines reader takes. */
export function toJsonLine(vector: Vector): string {
  const line: { key: string; data: number[]; metadata?: unknown } = { key: vector.key, data: vector.data?.float32 ?? [] };
  const metadata = presentMetadata(vector);
  if (metadata) line.metadata = metadata;
  // A float32 value printed as the shortest double that reads back to it reads back to the same float32.
  return JSON.stringify(line) + "\n";
}

export async function exportVectors(options: ExportOptions): Promise<ExportSummary> {
  const started = performance.now();
  const partial = `${options.out}.partial`;
  let written = 0;
  try {
    const vectors = listAll(options, options.segments ?? 4, options.abortSignal);
    if (options.format === "jsonl") {
      const stream = createWriteStream(partial);
      // Lines are gathered into chunks of about 1 MiB: one write per line costs more than the listing.
      let chunk = "";
      try {
        for await (const vector of vectors) {
          chunk += toJsonLine(vector);
          if (chunk.length >= 1 << 20) {
            const full = chunk;
            chunk = "";
            if (!stream.write(full)) await once(stream, "drain");
          }
          // Counted apart from the call: `f?.(++n)` skips the increment when there is no f.
          written++;
          options.onProgress?.(written);
        }
        if (chunk !== "") stream.write(chunk);
      } finally {
        stream.end();
        await once(stream, "close");
      }
    } else {
      const writer = new ParquetVectorWriter(partial);
      for await (const vector of vectors) {
        await writer.add({ key: vector.key, data: vector.data?.float32 ?? [], metadata: presentMetadata(vector) });
        written++;
        options.onProgress?.(written);
      }
      await writer.close();
    }
    await rename(partial, options.out);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  const seconds = (performance.now() - started) / 1000;
  return { written, seconds, rowsPerSecond: seconds > 0 ? written / seconds : 0 };
}

export interface CopyOptions extends Omit<ImportOptions, "client" | "bucket" | "index" | "records" | "resume" | "checkpointFile" | "source"> {
  from: IndexRef;
  to: { client: Pick<VectorsClient, "putVectors">; bucket: string; index: string };
  segments?: number;
}

/**
 * Copies every vector of one index into another: the listing feeds an import. Not resumable (a
 * listing's order is not stable across runs), but repeating a copy is harmless: puts are upserts.
 */
export async function copyVectors(options: CopyOptions): Promise<ImportSummary> {
  const { from, to, segments, ...rest } = options;
  async function* records(): AsyncGenerator<SourceItem> {
    let position = 0;
    for await (const vector of listAll(from, segments ?? 4, options.abortSignal)) {
      const data = Float32Array.from(vector.data?.float32 ?? []);
      const metadata = presentMetadata(vector);
      yield { ok: true, record: { position, line: position + 1, key: vector.key, data, ...(metadata ? { metadata } : {}) } };
      position++;
    }
  }
  return importVectors({ ...rest, client: to.client, bucket: to.bucket, index: to.index, records: records() });
}
