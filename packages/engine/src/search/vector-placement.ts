// Where a segment keeps its vectors and graph (docs/storage-format.md#vectors-in-memory):
//
// - "floats": float32 in memory, inside its HNSW graph;
// - "codes": int8 codes in memory, with the float32 vectors left on disk in the segment object and
//   read through the page cache only to re-rank candidates. Codes take a quarter of the memory of
//   floats; the graph's links and the rows' keys and metadata stay as they are;
// - "mapped": the graph itself left in the segment object and memory-mapped where it lies
//   (@ossv/hnsw mapAsync): links and vectors are the kernel's cached pages, not the process's memory,
//   so an index far larger than the budget keeps answering, as fast as the page cache holds the part
//   its queries touch. The process keeps only the rows' keys and metadata, the upper graph levels and
//   a few bytes a row of bookkeeping.
//
// The choice is the process's, not an index's: the memory budget (`ossv serve --memory-budget`) is
// the machine's memory, shared by every index the process serves.
import { ownMemoryBytes } from "../base/process-memory.ts";

/** "off": floats always; "int8": codes for every segment that can have them; "auto": codes once memory runs short. */
export type Quantization = "off" | "int8" | "auto";

export const QUANTIZATIONS: readonly Quantization[] = ["auto", "int8", "off"];

/** "auto": mapped once even codes would pass the budget; "always": every segment that can be; "never". */
export type GraphsOnDisk = "auto" | "always" | "never";

export const GRAPHS_ON_DISK: readonly GraphsOnDisk[] = ["auto", "always", "never"];

/** Where a segment keeps its vectors and graph (see above). */
export type Placement = "floats" | "codes" | "mapped";

export const VECTOR_PLACEMENT = {
  quantization: "auto" as Quantization,
  graphsOnDisk: "auto" as GraphsOnDisk,
  /** Bytes the process's own memory should stay under; "auto" compacts or maps segments that would take it past. */
  memoryBudget: Number.POSITIVE_INFINITY,
  /**
   * Segments below this many rows keep their floats: they are scanned rather than searched through a
   * graph, and the bytes saved would not pay for a read from disk per candidate.
   */
  minRows: 4096,
};

/** Sets the process's placement (openEngine does, from its options); unset fields keep their values. */
export function configureVectorPlacement(options: {
  quantization?: Quantization; graphsOnDisk?: GraphsOnDisk; memoryBudget?: number; minRows?: number;
}): void {
  if (options.quantization !== undefined) VECTOR_PLACEMENT.quantization = options.quantization;
  if (options.graphsOnDisk !== undefined) VECTOR_PLACEMENT.graphsOnDisk = options.graphsOnDisk;
  if (options.memoryBudget !== undefined) VECTOR_PLACEMENT.memoryBudget = options.memoryBudget;
  if (options.minRows !== undefined) VECTOR_PLACEMENT.minRows = options.minRows;
}

/**
 * Whether a stored segment of `rows` opens with its graph mapped, whatever its placement is to be: a
 * mapped segment opens after reading its header, records and links, where floats or codes mean
 * reading the whole object (about twice its vectors): a server restarted on an index of a million
 * 768-d vectors under a budget answered its first query after 2.2 s that way, where reading the one
 * segment the budget admitted whole took 26 s or more. Where a segment belongs is decided in the
 * background once the index is open (placementAfterOpening); until then it answers from the mapping.
 */
export function opensMapped(rows: number): boolean {
  return rows >= VECTOR_PLACEMENT.minRows && VECTOR_PLACEMENT.graphsOnDisk !== "never";
}

/**
 * Bytes per row of a float32 graph beyond its int8 codes: hnswlib's level-0 links and label (M 16:
 * 4 + 32 x 4 + 8 bytes) and the visited-list tag. What "auto" expects the segment to take in floats.
 */
const GRAPH_BYTES_PER_ROW = 142;

/**
 * Where a segment of `rows` x `dimension` with a graph should keep them. Segments below minRows keep
 * floats. Otherwise "auto" (of either setting) asks whether the process's own memory plus the
 * segment's vectors and graph, as floats and then as codes, would pass the budget: decided when the
 * segment is loaded or written, from what the process actually holds then, so indexes opened first
 * stay in memory and the rest fit beside them. A mapped graph's pages are the kernel's page cache,
 * not the process's own memory, and are left out of what it holds (base/process-memory.ts).
 * `opening`: the segment is being opened from its stored object rather than placed after a write.
 */
export function placementOf(rows: number, dimension: number, opening = false): Placement {
  const { quantization, graphsOnDisk, memoryBudget, minRows } = VECTOR_PLACEMENT;
  if (rows < minRows) return "floats";
  if (graphsOnDisk === "always") return "mapped";
  const held = ownMemoryBytes();
  const fits = (bytesPerRow: number) => held + rows * bytesPerRow <= memoryBudget;
  const floats = dimension * 4 + GRAPH_BYTES_PER_ROW;
  if (quantization === "off") return graphsOnDisk === "never" || fits(floats) ? "floats" : "mapped";
  if (quantization === "auto" && fits(floats)) return "floats";
  // Codes are made from the whole graph's bytes: opening a segment that way reads and converts its
  // whole object, the slowest way to open. So "auto" opens such a segment mapped, which reads only its
  // records; segments written from then on, whose bytes are in hand, get codes.
  if (quantization === "auto" && opening && graphsOnDisk !== "never") return "mapped";
  return graphsOnDisk === "never" || fits(dimension + GRAPH_BYTES_PER_ROW) ? "codes" : "mapped";
}

/**
 * Where a segment opened mapped (opensMapped) belongs, asked in the background once its index is open.
 * Floats or codes mean reading its object whole (`objectBytes`) while the new graph is built beside
 * it, so they are chosen only when that peak stays within the budget too; otherwise it stays mapped.
 */
export function placementAfterOpening(rows: number, dimension: number, objectBytes: number): Placement {
  const placement = placementOf(rows, dimension, true);
  if (placement === "mapped") return placement;
  const perRow = placement === "floats" ? dimension * 4 + GRAPH_BYTES_PER_ROW : dimension + GRAPH_BYTES_PER_ROW;
  return ownMemoryBytes() + objectBytes + rows * perRow <= VECTOR_PLACEMENT.memoryBudget ? placement : "mapped";
}
