// The data directory's format generation: which builds of ossv may open it at all. Each object carries
// its own format version, but an older build meets those only one object at a time, perhaps after it
// has already deleted leftovers or replayed part of a WAL. The generation is said once, up front, by
// the marker `format/<generation>.json` (checked JSON), and read before anything else at open:
//
//   {"format":"ossv-data-directory","generation":1}
//
// A build that changes the format so that older builds cannot read what it writes raises the
// generation, writing the new marker before its first object of the new kind (markers are numbered
// objects like every commit, since nothing is ever replaced in place). The highest number present is
// the directory's generation; a higher one than this build knows stops the open before anything is
// read or changed. A directory without a marker was written before markers existed, by a build of
// generation 1, and is that generation: the first open that succeeds writes the marker.
import { CorruptionError, DecodeError, NewerFormatError } from "../base/errors.ts";
import { BlobNotCreatedError, type BlobStore } from "./blob-store.ts";
import { decodeCheckedJson, encodeCheckedJson } from "../format/checked-json.ts";
import { listNumbered, numberedName, type NumberedObject } from "./numbered-objects.ts";

/** The generation this build writes and the highest it reads, on a store of its own (a data directory). */
export const FORMAT_GENERATION = 1;
/**
 * A store many nodes share (docs/scale-out.md): manifests in force only through a commit record in
 * the WAL, and WAL marker records, neither of which a generation-1 reader knows. Only a node of a
 * shared store reads it; a data directory of this generation (a copy of a bucket) is refused.
 */
export const SHARED_GENERATION = 2;
export const GENERATION_DIR = "format";
export const GENERATION_EXT = "json";
const FORMAT = "ossv-data-directory";

export function encodeFormatGeneration(generation: number): Uint8Array {
  return encodeCheckedJson({ format: FORMAT, generation });
}

/** Throws DecodeError unless `bytes` are an intact marker of generation `expected` (its number). */
export function decodeFormatGeneration(bytes: Uint8Array, expected: number): number {
  const { value, checked } = decodeCheckedJson(bytes, "format generation marker");
  if (!checked || value.format !== FORMAT || value.generation !== expected || expected < 1) {
    throw new DecodeError("format generation marker has the wrong format or generation");
  }
  return expected;
}

/** The markers present, lowest generation first. */
export function listGenerationMarkers(store: BlobStore): Promise<NumberedObject[]> {
  return listNumbered(store, GENERATION_DIR, GENERATION_EXT);
}

/**
 * Throws NewerFormatError when the highest marker names a generation above this build's. Its number
 * decides, whatever its bytes: a damaged marker of a newer generation still says that a newer ossv
 * wrote here, and treating it as damage would let this build loose on objects it cannot read.
 */
export function refuseNewerGeneration(markers: readonly NumberedObject[], highest = FORMAT_GENERATION): void {
  const newest = markers.at(-1);
  if (newest !== undefined && newest.seq > highest) {
    throw new NewerFormatError("data directory", newest.seq, highest, newest.name, "generation");
  }
}

/**
 * The generation of the directory in `store`, checked before open reads anything else; undefined when
 * no marker exists yet. Throws NewerFormatError for a newer generation, CorruptionError for a marker
 * of a known generation that does not decode (fsck moves it aside; it held nothing else).
 */
export async function readFormatGeneration(store: BlobStore, highest = FORMAT_GENERATION): Promise<number | undefined> {
  const markers = await listGenerationMarkers(store);
  refuseNewerGeneration(markers, highest);
  const newest = markers.at(-1);
  if (newest === undefined) return undefined;
  const bytes = await store.get(newest.name);
  if (!bytes) throw new CorruptionError(newest.name, "format generation marker vanished while being read");
  try {
    return decodeFormatGeneration(bytes, newest.seq);
  } catch (error) {
    if (error instanceof DecodeError) throw new CorruptionError(newest.name, `unreadable format generation marker: ${error.message}`);
    throw error;
  }
}

/**
 * Writes this build's marker into a directory that has none, once it has opened. Called only after a
 * successful open, so a refused open changes nothing. A full disk is no reason to refuse a directory
 * that opened: without a marker it is read as generation 1, which is what this build writes, so the
 * next open writes it instead. (A build of a later generation may not skip it that way.)
 */
export async function markFormatGeneration(store: BlobStore, present: number | undefined, generation = FORMAT_GENERATION): Promise<void> {
  if (present !== undefined && present >= generation) return;
  try {
    await store.createIfAbsent(numberedName(GENERATION_DIR, generation, GENERATION_EXT), encodeFormatGeneration(generation));
  } catch (error) {
    // A shared store must be marked before the first object of the new kinds.
    if (!(error instanceof BlobNotCreatedError) || generation !== FORMAT_GENERATION) throw error;
  }
}
