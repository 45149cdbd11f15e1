// A segment's float32 vectors read from its stored object instead of held in memory, for a segment
// whose graph keeps int8 codes (vector-placement.ts): the object's vector block is read in place
// (@ossv/hnsw VectorFile: one pread per row, scored by the same arithmetic as the engine's kernel).
import { VectorFile } from "@ossv/hnsw";
import { scratchRowList, scratchScores } from "./scratch-rows.ts";
import type { RowScorer } from "./search-kernel.ts";
import { SEGMENT_VECTORS_OFFSET } from "../format/segment-format.ts";
import type { BlobStore, LocalFile } from "../storage/blob-store.ts";

/**
 * The vectors of segment object `name` (rows x dimension) read from the store's local file, or
 * undefined when the store has none for it (an object store without a cached copy).
 */
export function openSegmentVectors(store: BlobStore, name: string, rows: number, dimension: number): FileVectors | undefined {
  const local = store.openLocalFile?.(name);
  if (local === undefined) return undefined;
  try {
    return new FileVectors(new VectorFile(local.path, SEGMENT_VECTORS_OFFSET, rows, dimension), rows, dimension, local);
  } catch (error) {
    local.release();
    throw error;
  }
}

/**
 * Releases the local file of a FileVectors collected without close() (a segment dropped on a path
 * that never closed it, such as a recovery that failed midway): the addon closes the descriptor then,
 * and a disk cache must not keep the copy held for the rest of the process.
 */
const releaseWhenCollected = new FinalizationRegistry((local: LocalFile) => local.release());

export class FileVectors implements RowScorer {
  constructor(
    private readonly file: VectorFile,
    private readonly rows: number,
    private readonly dimension: number,
    /** Held while the file is open, so a disk cache keeps the copy (BlobStore.openLocalFile). */
    private readonly local: LocalFile,
  ) {
    releaseWhenCollected.register(this, local, this);
  }

  /** The local file the vectors are read from (a segment object's). */
  get path(): string {
    return this.local.path;
  }

  get rowList(): Int32Array {
    return scratchRowList(this.rows);
  }

  score(query: Float32Array, count: number, euclidean: boolean): Float64Array {
    const out = scratchScores(count);
    this.file.scoreRows(query, scratchRowList(count), count, euclidean, out);
    return out;
  }

  /** Rows first..first+count-1, back to back, as a new array. */
  read(first: number, count: number): Float32Array {
    const out = new Float32Array(count * this.dimension);
    this.file.readRows(first, count, out);
    return out;
  }

  /** Lets the file go now rather than when collected (it may be unlinked already; that is fine). */
  close(): void {
    this.file.close();
    this.local.release();
    releaseWhenCollected.unregister(this);
  }
}
