// Opening a stored segment from its local file without reading the object whole, for a segment that
// opens mapped (vector-placement.ts opensMapped): only the header, the keys and metadata records, a
// Fusion segment's full-text postings and the graph's upper levels are read; the graph's elements are
// mapped where they lie and the vectors read from the file when scored. An index of several GB of
// segments then opens in the time its keys take to read, not the time its objects take.
//
// What is checked at open, and what later: the header (its own checksum, kind, version, dimension,
// and that its parts fit the object), every record's lengths, and every link of the graph, so nothing
// read afterwards can point outside the object. The body's checksum covers the vectors too, which
// means reading all of it: that is done in the background once the index is open (verifySegmentBody,
// run by maintenance/background-work.ts), and a mismatch is reported as a background failure naming
// the object, as damage found at open would be.
import { open, type FileHandle } from "node:fs/promises";
import { CorruptionError, DecodeError } from "../base/errors.ts";
import { ByteReader, checksum } from "../format/binary.ts";
import { RowRecords } from "../format/row-records.ts";
import { SEGMENT_HEADER_BYTES, segmentLayout, type SegmentLayout } from "../format/segment-format.ts";
import { openSegmentVectors, type FileVectors } from "./file-vectors.ts";
import { decodeSegmentText } from "../format/text-section.ts";
import type { SegmentText } from "../text/segment-text.ts";
import { Segment } from "./segment.ts";
import { mapGraph, type IndexShape } from "./segment-placement.ts";
import { opensMapped } from "./vector-placement.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { readRange } from "../storage/read-whole.ts";
import { requiredObjectError } from "../storage/required-objects.ts";

/** Bytes read per step when verifying a body: large reads, each followed by a turn of the event loop. */
const VERIFY_CHUNK_BYTES = 8 << 20;

/** What the collection needs of its index to open a segment from its file. */
export interface OpenedIndexShape extends IndexShape {
  nonFilterableMetadataKeys?: readonly string[] | undefined;
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  const done = await readRange(handle, bytes, offset);
  if (done < length) throw new DecodeError(`segment ends at ${offset + done}, before ${offset + length}`);
  return bytes;
}

/** A segment file's layout, from its header alone. */
async function readLayout(handle: FileHandle, dimension: number): Promise<SegmentLayout> {
  const { size } = await handle.stat();
  return segmentLayout(await readAt(handle, 0, Math.min(size, SEGMENT_HEADER_BYTES)), size, dimension);
}

/** A segment file's keys and metadata records, from its records part alone. */
async function readRecords(handle: FileHandle, layout: SegmentLayout): Promise<RowRecords> {
  const recordBytes = await readAt(handle, layout.recordsOffset, layout.recordsLength);
  const records = RowRecords.read(new ByteReader(recordBytes), layout.rows);
  if (records.bytes.length !== layout.recordsLength) throw new DecodeError("segment has bytes between its records and its graph");
  return records;
}

interface Head {
  layout: SegmentLayout;
  records: RowRecords;
  text: SegmentText | undefined;
}

/**
 * The layout, records and full-text postings of the segment file at `path`, or undefined (nothing but
 * the header read) when it does not open mapped.
 */
async function readHead(path: string, dimension: number): Promise<Head | undefined> {
  const handle = await open(path, "r");
  try {
    const layout = await readLayout(handle, dimension);
    if (!opensMapped(layout.rows)) return undefined;
    const text = layout.textLength > 0 ? decodeSegmentText(await readAt(handle, layout.textOffset, layout.textLength), layout.rows) : undefined;
    return { layout, records: await readRecords(handle, layout), text };
  } finally {
    await handle.close();
  }
}

/** Damage found while opening segment `name` from its file, as a CorruptionError naming it (as readRequired does). */
function asCorruption(name: string, error: unknown): unknown {
  if (error instanceof Error && error.message.startsWith("hnsw: graph bytes are damaged")) {
    return new CorruptionError(name, `unreadable segment graph: ${error.message.slice("hnsw: ".length)}`);
  }
  return requiredObjectError(name, "segment", error);
}

/**
 * Segment `id` (object `name`) opened from the store's local file with its graph mapped, when the
 * store has a local file and the segment opens mapped (vector-placement.ts opensMapped); undefined
 * otherwise (the caller then reads the object whole). The segment is marked unverified (its body's
 * checksum is still to be read) and to be placed (it may belong in memory: maintenance/verify.ts).
 */
export async function openMappedSegment(
  store: BlobStore, name: string, index: OpenedIndexShape, id: number, deleted: Uint8Array | undefined,
): Promise<Segment | undefined> {
  const local = store.openLocalFile?.(name);
  if (!local) return undefined;
  let head: Head | undefined;
  let file: FileVectors | undefined;
  try {
    head = await readHead(local.path, index.dimension);
    if (!head) return undefined;
    if (deleted?.length !== head.layout.rows) throw new CorruptionError(name, "deletion bitmap missing or of the wrong length");
    // Opened while `local` is still held, so a disk cache cannot drop the copy in between.
    file = openSegmentVectors(store, name, head.layout.rows, index.dimension);
  } catch (error) {
    throw asCorruption(name, error);
  } finally {
    local.release();
  }
  if (!file) return undefined;
  const { layout, records, text } = head;
  const stored = { offset: layout.graphOffset, length: layout.graphLength, searchEf: layout.searchEf };
  const placed = await mapGraph(index, stored, layout.rows, file).catch((error: unknown) => {
    throw asCorruption(name, error);
  });
  const segment = Segment.opened(id, index.dimension, records, deleted, index.nonFilterableMetadataKeys ?? []);
  segment.attachOnDisk(placed.graph, file);
  if (text) segment.attachText(text);
  segment.unverified = true;
  segment.placeLater = true;
  return segment;
}

/**
 * Reads segment object `name` whole from the store's local file, a few MB per step, and throws a
 * CorruptionError unless its body has the checksum its header holds. Resolves without reading when the
 * store has no local file of it any more (the object was deleted: merged away).
 */
export async function verifySegmentBody(store: BlobStore, name: string, dimension: number, signal?: AbortSignal): Promise<void> {
  const local = store.openLocalFile?.(name);
  if (!local) return;
  let handle: FileHandle | undefined;
  try {
    handle = await open(local.path, "r");
    const layout = await readLayout(handle, dimension);
    const size = layout.textOffset + layout.textLength; // the text section (or the graph) ends the object
    const chunk = new Uint8Array(Math.min(VERIFY_CHUNK_BYTES, Math.max(1, size - SEGMENT_HEADER_BYTES)));
    let sum = 0;
    for (let at = SEGMENT_HEADER_BYTES; at < size; at += chunk.length) {
      signal?.throwIfAborted();
      const length = Math.min(chunk.length, size - at);
      const bytesRead = await readRange(handle, chunk.subarray(0, length), at);
      if (bytesRead !== length) throw new DecodeError(`segment ends at ${at + bytesRead}, before ${size}`);
      sum = checksum(chunk.subarray(0, length), sum);
    }
    if (sum !== layout.bodyChecksum) throw new DecodeError("segment body checksum mismatch");
  } catch (error) {
    throw asCorruption(name, error);
  } finally {
    await handle?.close();
    local.release();
  }
}
