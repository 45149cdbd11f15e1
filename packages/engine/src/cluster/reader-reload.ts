// How a reader loads a newer committed manifest without reading again what it holds
// (docs/scale-out.md#reads-on-every-node). Segment objects are immutable and their ids are never
// reused (on a shared store they carry the writer's epoch), so a segment the new manifest still names
// is the one the reader holds; only its deletion bitmap may have changed, and only by gaining rows.
// So a reload reads the new snapshot, the deletion object and the segments that are new, and builds
// the new state's key directory over kept and new segments in steps, while the old state keeps
// answering every query. Kept segments are shared with the old state, so their new deletions are
// marked only in the last, synchronous step, which no query can interleave with: mark them, replay the
// WAL after the manifest, and the reader swaps the state in. Of the segments, only the new ones are in
// memory twice; the key directory and the snapshot's rows are rebuilt, so they are too.
import type { BlobStore } from "../storage/blob-store.ts";
import type { CollectionLayout } from "../storage/collection-layout.ts";
import { CollectionState } from "../state/collection-state.ts";
import { Memtable } from "../state/memtable.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import type { Segment } from "../search/segment.ts";
import type { WalRecord } from "../format/wal-format.ts";
import type { Manifest } from "../format/manifest.ts";
import { CorruptionError } from "../base/errors.ts";
import {
  FIRST_WAL_SEQ, loadSegment, readDeletionBitmaps, readSnapshot, type IndexShape,
} from "../collection/collection-recovery.ts";
import { findCommitted, movedIfPruned, retryWhileMoving, walAfter } from "../collection/shared-recovery.ts";

/** A segment a reader holds, with the deletion bitmap of the committed manifest it was last taken from. */
export interface HeldSegment {
  segment: Segment;
  committedDeleted: Uint8Array;
}

/** A reader's whole view of an index: the state queries read, and what it is made of. */
export interface ReaderView {
  state: CollectionState;
  /** The next WAL number to apply: the state is exactly the WAL objects below it. */
  next: number;
  /** The segments of the manifest in force, by id. */
  held: ReadonlyMap<number, HeldSegment>;
}

/** The manifest's segments in its order; `kept` ones are held already and gain `committedDeleted`. */
type NamedSegments = (HeldSegment & { kept: boolean })[];

/** What a reload read from the store, and the new state as of the manifest, which no query sees yet. */
export interface PreparedReload {
  /** Snapshot and segments, the kept segments' new deletions left out of its key directory. */
  state: CollectionState;
  segments: NamedSegments;
  /** The WAL objects after the manifest, not applied yet. */
  records: WalRecord[][];
  nextWalSeq: number;
}

interface StoreRead {
  memtable: Memtable;
  segments: NamedSegments;
  records: WalRecord[][];
  nextWalSeq: number;
}

/**
 * Reads the newest committed manifest and the WAL after it, reusing the segments of `held` that the
 * manifest still names, and builds the new state in steps. Changes nothing that a query reads: held
 * segments are only looked at.
 */
export async function prepareReload(
  store: BlobStore, layout: CollectionLayout, index: IndexShape, held: ReadonlyMap<number, HeldSegment>,
): Promise<PreparedReload> {
  const { memtable, segments, records, nextWalSeq } = await retryWhileMoving(() => readStore(store, layout, index, held));
  const state = new CollectionState(index, memtable);
  for (const { segment, committedDeleted, kept } of segments) {
    await runInSteps(state.addSegmentSteps(segment, kept ? { pending: committedDeleted } : {}));
  }
  return { state, segments, records, nextWalSeq };
}

async function readStore(
  store: BlobStore, layout: CollectionLayout, index: IndexShape, held: ReadonlyMap<number, HeldSegment>,
): Promise<StoreRead> {
  const { wal, chosen } = await findCommitted(store, layout);
  const named = chosen
    ? await readNamed(store, layout, index, chosen, held).catch(movedIfPruned(store, layout, chosen))
    : { memtable: new Memtable(index.dimension), segments: [] };
  const { records, nextWalSeq } = await walAfter(wal, chosen?.walFrom ?? FIRST_WAL_SEQ);
  return { ...named, records, nextWalSeq };
}

async function readNamed(
  store: BlobStore, layout: CollectionLayout, index: IndexShape, manifest: Manifest, held: ReadonlyMap<number, HeldSegment>,
): Promise<Pick<StoreRead, "memtable" | "segments">> {
  const memtable = await readSnapshot(store, layout, index, manifest);
  const bitmaps = await readDeletionBitmaps(store, layout, manifest);
  const segments: NamedSegments = [];
  for (const id of manifest.segments) {
    const committedDeleted = bitmaps.get(id);
    const have = held.get(id);
    if (have && committedDeleted) {
      assertOnlyGains(layout.deletesName(manifest.deletes), id, have, committedDeleted);
      segments.push({ segment: have.segment, committedDeleted, kept: true });
    } else {
      const segment = await loadSegment(store, layout, index, id, committedDeleted);
      segments.push({ segment, committedDeleted: committedDeleted as Uint8Array, kept: false }); // loadSegment checked it
    }
  }
  return { memtable, segments };
}

/**
 * A writer only ever marks segment rows deleted (Segment.markDeleted; a compaction makes a new
 * segment rather than clear a row), and captures the bitmaps it commits from those rows. A committed
 * bitmap that lacks a deletion of an earlier one would bring a deleted row back: that is damage, named
 * here, never applied.
 */
function assertOnlyGains(deletesName: string, id: number, have: HeldSegment, next: Uint8Array): void {
  if (next.length !== have.segment.rows) throw new CorruptionError(deletesName, `deletion bitmap of segment ${id} has the wrong length`);
  for (let row = 0; row < next.length; row++) {
    if (have.committedDeleted[row] === 1 && next[row] !== 1) {
      throw new CorruptionError(deletesName, `deletion bitmap of segment ${id} has row ${row} live again after it was deleted`);
    }
  }
}

/**
 * The view a prepared reload gives; the caller swaps it in at once. Synchronous, so no query sees part
 * of it: kept segments are shared with the old state and gain their deletions here. Rows the old
 * state deleted by WAL records after the manifest's walFrom are deleted in the new state as well (the
 * replay below deletes them again), so sharing never shows a row the new state does not have.
 */
export function finishReload(prepared: PreparedReload): ReaderView {
  const { state } = prepared;
  const held = new Map<number, HeldSegment>();
  for (const { segment, committedDeleted, kept } of prepared.segments) {
    if (kept) for (let row = 0; row < committedDeleted.length; row++) if (committedDeleted[row] === 1) segment.markDeleted(row);
    held.set(segment.id, { segment, committedDeleted });
  }
  for (const records of prepared.records) for (const record of records) state.apply(record);
  return { state, next: prepared.nextWalSeq, held };
}
