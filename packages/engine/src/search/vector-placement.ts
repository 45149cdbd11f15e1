// Where a segment keeps its vectors: float32 in memory (inside its HNSW graph), or int8 codes in
// memory with the float32 vectors left on disk in the segment object, read through the page cache
// only to re-rank candidates (docs/storage-format.md#vectors-in-memory). Codes take a quarter of the
// memory of floats; the graph's links and the rows' keys and metadata stay as they are.
//
// The choice is the process's, not an index's: the memory budget (`ossv serve --memory-budget`) is
// the machine's memory, shared by every index the process serves.

/** "off": floats always; "int8": codes for every segment that can have them; "auto": codes once memory runs short. */
export type Quantization = "off" | "int8" | "auto";

export const QUANTIZATIONS: readonly Quantization[] = ["auto", "int8", "off"];

export const VECTOR_PLACEMENT = {
  quantization: "auto" as Quantization,
  /** Bytes the process should stay under; "auto" compacts segments that would take it past. */
  memoryBudget: Number.POSITIVE_INFINITY,
  /**
   * Segments below this many rows keep their floats: they are scanned rather than searched through a
   * graph, and the bytes saved would not pay for a read from disk per candidate.
   */
  minRows: 4096,
};

/** Sets the process's placement (openEngine does, from its options); unset fields keep their values. */
export function configureVectorPlacement(options: { quantization?: Quantization; memoryBudget?: number; minRows?: number }): void {
  if (options.quantization !== undefined) VECTOR_PLACEMENT.quantization = options.quantization;
  if (options.memoryBudget !== undefined) VECTOR_PLACEMENT.memoryBudget = options.memoryBudget;
  if (options.minRows !== undefined) VECTOR_PLACEMENT.minRows = options.minRows;
}

/**
 * Bytes per row of a float32 graph beyond its int8 codes: hnswlib's level-0 links and label (M 16:
 * 4 + 32 x 4 + 8 bytes) and the visited-list tag. What "auto" expects the segment to take in floats.
 */
const GRAPH_BYTES_PER_ROW = 142;

/**
 * Whether a segment of `rows` x `dimension` with a graph should keep int8 codes in memory and read
 * its floats from disk. "auto" says yes when the process's resident memory plus the segment's vectors
 * and graph as floats would pass the budget: decided when the segment is loaded or written, from what
 * the process actually holds then, so indexes opened first keep floats and the rest fit beside them.
 */
export function keepsCodes(rows: number, dimension: number): boolean {
  const { quantization, memoryBudget, minRows } = VECTOR_PLACEMENT;
  if (quantization === "off" || rows < minRows) return false;
  if (quantization === "int8") return true;
  const floats = rows * (dimension * 4 + GRAPH_BYTES_PER_ROW);
  return process.memoryUsage.rss() + floats > memoryBudget;
}
