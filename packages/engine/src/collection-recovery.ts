// Recovery of one collection: newest valid manifest -> its snapshot, segments (with their persisted
// graphs: nothing is rebuilt at open) and deletion bitmaps -> replay of the WAL objects after it, in
// order. What may legitimately be broken is only what a crash can leave behind: the newest
// manifest (a checkpoint that never finished) and the last WAL object (a commit that was never
// acknowledged). Anything else that is unreadable or missing would lose acknowledged data, so recovery
// fails loudly instead. Leftovers are deleted only after the whole plan has succeeded.
import type { BlobStore } from "./blob-store.ts";
import { DELETES_EXT, MANIFEST_EXT, SEGMENT_EXT, SNAPSHOT_EXT, WAL_EXT, type CollectionLayout } from "./collection-layout.ts";
import { CollectionState } from "./collection-state.ts";
import { decodeDeletions, type SegmentDeletions } from "./deletion-format.ts";
import { CorruptionError, DecodeError } from "./errors.ts";
import { HnswGraph } from "./hnsw-graph.ts";
import { decodeManifest, type Manifest } from "./manifest.ts";
import { listNumbered, type NumberedObject } from "./numbered-objects.ts";
import { Segment } from "./segment.ts";
import { decodeSegment } from "./segment-format.ts";
import { decodeSnapshot } from "./snapshot-format.ts";
import type { IndexRecord } from "./types.ts";
import { decodeWalObject } from "./wal-format.ts";

type IndexShape = Pick<IndexRecord, "dimension" | "distanceMetric" | "nonFilterableMetadataKeys">;

/** WAL numbering starts here for a collection that was never checkpointed. */
export const FIRST_WAL_SEQ = 1;

export interface RecoveredCollection {
  state: CollectionState;
  /** Number of the manifest in force, 0 when there is none yet. */
  manifestSeq: number;
  walFrom: number;
  nextWalSeq: number;
  /** Sizes of the WAL objects from walFrom on, by number. */
  walSizes: Map<number, number>;
  segmentIds: Set<number>;
  nextSegmentId: number;
}

interface Base {
  state: CollectionState;
  manifestSeq: number;
  walFrom: number;
  segmentIds: Set<number>;
  nextSegmentId: number;
}

async function chooseManifest(store: BlobStore, manifests: NumberedObject[], garbage: string[]): Promise<Manifest | undefined> {
  for (let i = manifests.length - 1; i >= 0; i--) {
    const object = manifests[i] as NumberedObject;
    try {
      const bytes = await store.get(object.name);
      if (!bytes) throw new DecodeError("vanished while reading");
      const manifest = decodeManifest(bytes, object.seq);
      for (const older of manifests.slice(0, i)) garbage.push(older.name);
      return manifest;
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      if (i !== manifests.length - 1) throw new CorruptionError(object.name, `unreadable manifest: ${error.message}`);
      garbage.push(object.name);
    }
  }
  return undefined;
}

/** Reads an object the manifest in force names; it must exist and decode, or data would be lost. */
async function readRequired<T>(store: BlobStore, name: string, what: string, decode: (bytes: Uint8Array) => T): Promise<T> {
  const bytes = await store.get(name);
  if (!bytes) throw new CorruptionError(name, `${what} named by the manifest is missing`);
  try {
    return decode(bytes);
  } catch (error) {
    if (error instanceof DecodeError) throw new CorruptionError(name, `unreadable ${what}: ${error.message}`);
    throw error;
  }
}

/** Objects in `dir` other than those the manifest in force names are older versions or orphans. */
async function collectUnnamed(store: BlobStore, dir: string, ext: string, keep: (seq: number) => boolean, garbage: string[]): Promise<void> {
  for (const object of await listNumbered(store, dir, ext)) if (!keep(object.seq)) garbage.push(object.name);
}

async function loadSegments(store: BlobStore, layout: CollectionLayout, index: IndexShape, manifest: Manifest): Promise<Segment[]> {
  if (manifest.segments.length === 0) return [];
  const deletions = await readRequired(store, layout.deletesName(manifest.deletes), "deletion object", decodeDeletions);
  const bitmaps = new Map(deletions.map((entry: SegmentDeletions) => [entry.segmentId, entry.deleted]));
  const segments: Segment[] = [];
  for (const id of manifest.segments) {
    const name = layout.segmentName(id);
    const contents = await readRequired(store, name, "segment", (bytes) => decodeSegment(bytes, index.dimension));
    const deleted = bitmaps.get(id);
    if (deleted?.length !== contents.keys.length) throw new CorruptionError(name, "deletion bitmap missing or of the wrong length");
    const segment = new Segment(index.dimension, contents.keys, contents.metadata, contents.data, index.nonFilterableMetadataKeys);
    segment.id = id;
    for (let row = 0; row < deleted.length; row++) if (deleted[row] === 1) segment.markDeleted(row);
    const built = { bytes: contents.graph, searchEf: contents.searchEf };
    segment.attachGraph(await HnswGraph.load(built, index.distanceMetric, index.dimension, segment.rows));
    segments.push(segment);
  }
  return segments;
}

async function loadBase(store: BlobStore, layout: CollectionLayout, index: IndexShape, garbage: string[]): Promise<Base> {
  const manifests = await listNumbered(store, layout.manifestDir, MANIFEST_EXT);
  const manifest = await chooseManifest(store, manifests, garbage);
  const named = new Set(manifest?.segments ?? []);
  await collectUnnamed(store, layout.snapshotDir, SNAPSHOT_EXT, (seq) => seq === manifest?.snapshot, garbage);
  await collectUnnamed(store, layout.deletesDir, DELETES_EXT, (seq) => seq === manifest?.deletes, garbage);
  await collectUnnamed(store, layout.segmentDir, SEGMENT_EXT, (id) => named.has(id), garbage);
  if (!manifest) {
    return { state: new CollectionState(index), manifestSeq: 0, walFrom: FIRST_WAL_SEQ, segmentIds: new Set(), nextSegmentId: 1 };
  }
  const snapshotName = layout.snapshotName(manifest.snapshot);
  const decode = (bytes: Uint8Array) => decodeSnapshot(bytes, index.dimension);
  const { memtable, walFrom } = await readRequired(store, snapshotName, "snapshot", decode);
  if (walFrom !== manifest.walFrom) throw new CorruptionError(snapshotName, "unreadable snapshot: snapshot and manifest disagree on walFrom");
  const state = new CollectionState(index, memtable);
  for (const segment of await loadSegments(store, layout, index, manifest)) state.addSegment(segment);
  // Ids of unnamed segment objects are garbage now and may be reused; named ones never are.
  const nextSegmentId = Math.max(0, ...manifest.segments) + 1;
  return { state, manifestSeq: manifest.seq, walFrom, segmentIds: named, nextSegmentId };
}

async function replayWal(store: BlobStore, layout: CollectionLayout, base: Base, garbage: string[]): Promise<RecoveredCollection> {
  const objects = await listNumbered(store, layout.walDir, WAL_EXT);
  const live = objects.filter((object) => object.seq >= base.walFrom);
  for (const covered of objects) if (covered.seq < base.walFrom) garbage.push(covered.name);
  const walSizes = new Map<number, number>();
  let nextWalSeq = base.walFrom;
  for (const [i, object] of live.entries()) {
    if (object.seq !== nextWalSeq) throw new CorruptionError(layout.walName(nextWalSeq), "WAL object missing");
    const bytes = await store.get(object.name);
    let records;
    try {
      if (!bytes) throw new DecodeError("vanished while reading");
      records = decodeWalObject(bytes);
    } catch (error) {
      if (!(error instanceof DecodeError)) throw error;
      if (i !== live.length - 1) throw new CorruptionError(object.name, `unreadable WAL object: ${error.message}`);
      garbage.push(object.name); // never acknowledged: drop it so its number is used again
      break;
    }
    for (const record of records) base.state.apply(record);
    walSizes.set(object.seq, bytes.length);
    nextWalSeq++;
  }
  return { ...base, nextWalSeq, walSizes };
}

export async function recoverCollection(store: BlobStore, layout: CollectionLayout, index: IndexShape): Promise<RecoveredCollection> {
  const garbage: string[] = [];
  const base = await loadBase(store, layout, index, garbage);
  const recovered = await replayWal(store, layout, base, garbage);
  for (const name of garbage) await store.delete(name);
  return recovered;
}
