// Recovery of one collection: newest manifest -> its snapshot, segments (with their persisted graphs:
// nothing is rebuilt at open) and deletion bitmaps -> replay of the WAL objects after it, in order.
//
// Every object is created whole (the store writes, syncs and then links or uploads it), so a crash
// never leaves a torn object: one that exists but does not decode is damage, and recovery stops with
// a CorruptionError naming it rather than guess. Nothing is deleted then; `ossv admin fsck` says what
// the damage costs and can quarantine it. A crash can only leave objects that no manifest names yet
// (a checkpoint or merge that never committed), and objects a newer manifest made unnecessary.
// Those are deleted, once the whole plan has succeeded, and only when provably unneeded (see
// provenUnfinished).
import type { BlobStore } from "../storage/blob-store.ts";
import { DELETES_EXT, MANIFEST_EXT, SEGMENT_EXT, SNAPSHOT_EXT, WAL_EXT, type CollectionLayout } from "../storage/collection-layout.ts";
import { CollectionState } from "../state/collection-state.ts";
import { decodeDeletions, type SegmentDeletions } from "../format/deletion-format.ts";
import { CorruptionError } from "../base/errors.ts";
import { readRequired } from "../storage/required-objects.ts";
import { decodeManifest, type Manifest } from "../format/manifest.ts";
import { listNumbered, type NumberedObject } from "../storage/numbered-objects.ts";
import { Segment } from "../search/segment.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { textFieldsOf } from "../text/text-fields.ts";
import { textFromRecords } from "../state/collection-text.ts";
import { runInSteps } from "../base/event-loop-steps.ts";
import { openMappedSegment } from "../search/segment-file.ts";
import { attachPlaced, loadPlacedGraph } from "../search/segment-placement.ts";
import { decodeSnapshot, type Memtable } from "../state/memtable.ts";
import type { IndexRecord } from "../base/types.ts";
import { decodeWalObject } from "../format/wal-format.ts";

export type IndexShape = Pick<IndexRecord, "dimension" | "distanceMetric" | "nonFilterableMetadataKeys" | "fusion">;

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
  /** Shared stores: see CheckpointState.highestCheckpointNumber. */
  highestCheckpointNumber?: number;
}

export interface Base {
  state: CollectionState;
  manifestSeq: number;
  walFrom: number;
  segmentIds: Set<number>;
  nextSegmentId: number;
}

/** The newest manifest, which must decode; the older ones it supersedes become garbage. */
async function chooseManifest(store: BlobStore, manifests: NumberedObject[], garbage: string[]): Promise<Manifest | undefined> {
  const newest = manifests.at(-1);
  if (newest === undefined) return undefined;
  const manifest = await readRequired(store, newest.name, "manifest", (bytes) => decodeManifest(bytes, newest.seq));
  for (const older of manifests.slice(0, -1)) garbage.push(older.name);
  return manifest;
}

/**
 * Sorts the objects in `dir` that the manifest in force does not name: numbered below `newestNamed`
 * they were superseded by it (garbage); above it, an unfinished checkpoint or merge left them.
 */
async function collectUnnamed(
  store: BlobStore, dir: string, ext: string, named: (seq: number) => boolean, newestNamed: number, found: Leftovers,
): Promise<void> {
  for (const object of await listNumbered(store, dir, ext)) {
    if (named(object.seq)) continue;
    (object.seq < newestNamed ? found.superseded : found.unfinished).push(object);
  }
}

interface Leftovers {
  superseded: NumberedObject[];
  unfinished: NumberedObject[];
}

/**
 * Objects newer than the manifest in force are deleted only when nothing but them could hold data:
 * a checkpoint writes its snapshot before its manifest and prunes the WAL only after it, so each
 * such snapshot must start at a WAL position recovery still has. One that starts beyond the WAL's
 * end belongs to a committed checkpoint whose manifest is gone: stop rather than lose its data.
 */
async function provenUnfinished(store: BlobStore, layout: CollectionLayout, index: IndexShape, leftovers: NumberedObject[], walEnd: number): Promise<void> {
  for (const object of leftovers) {
    if (!object.name.startsWith(`${layout.snapshotDir}/`)) continue;
    const decode = (bytes: Uint8Array) => decodeSnapshot(bytes, index.dimension);
    const { walFrom } = await readRequired(store, object.name, "snapshot of an unfinished checkpoint", decode);
    if (walFrom > walEnd) {
      throw new CorruptionError(layout.manifestName(object.seq),
        `missing: snapshot ${object.seq} was written after WAL object ${walFrom - 1}, but the WAL ends before ${walEnd}`);
    }
  }
}

/** The deletion bitmaps of a manifest's segments, by segment id (none when it names no segment). */
export async function readDeletionBitmaps(store: BlobStore, layout: CollectionLayout, manifest: Manifest): Promise<Map<number, Uint8Array>> {
  if (manifest.segments.length === 0) return new Map();
  const deletions = await readRequired(store, layout.deletesName(manifest.deletes), "deletion object", decodeDeletions);
  return new Map(deletions.map((entry: SegmentDeletions) => [entry.segmentId, entry.deleted]));
}

/**
 * Reads segment `id` with its persisted graph and applies its deletion bitmap. With `verifyLater`, a
 * segment that opens mapped (vector-placement.ts opensMapped) is opened from its file without reading
 * it whole (search/segment-file.ts), and whoever holds it then places it and verifies its body in the
 * background.
 */
export async function loadSegment(
  store: BlobStore, layout: CollectionLayout, index: IndexShape, id: number, deleted: Uint8Array | undefined, verifyLater = false,
): Promise<Segment> {
  const name = layout.segmentName(id);
  const opened = verifyLater ? await openMappedSegment(store, name, index, id, deleted) : undefined;
  if (opened) return withText(opened, index);
  const contents = await readRequired(store, name, "segment", (bytes) => decodeSegment(bytes, index.dimension));
  if (deleted?.length !== contents.records.rows) throw new CorruptionError(name, "deletion bitmap missing or of the wrong length");
  // The graph loads on a libuv thread while this one builds the segment's rows and key index (at
  // 200k rows each takes about half a second; one after the other, a restart paid both).
  const built = { bytes: contents.graph, searchEf: contents.searchEf };
  const { rows } = contents.records;
  const graph = loadPlacedGraph(store, name, index, built, rows, contents.data, contents.records.bytes.length);
  let segment: Segment;
  try {
    segment = Segment.stored(id, contents, deleted, index.nonFilterableMetadataKeys, true);
  } catch (error) {
    // Settled before the bytes it reads are let go; a file opened for its vectors is closed.
    await graph.then((placed) => placed.file?.close(), () => undefined);
    throw error;
  }
  attachPlaced(segment, await graph);
  if (contents.text) segment.attachText(contents.text);
  return withText(segment, index);
}

/**
 * The segment, with full-text postings for its index's text fields: those of its object, or, for an
 * object written before segments carried them, built from its rows now, in steps.
 */
async function withText(segment: Segment, index: IndexShape): Promise<Segment> {
  const fields = textFieldsOf(index.fusion);
  if (fields.length > 0 && !segment.text?.covers(fields)) segment.attachText(await runInSteps(textFromRecords(fields, segment)));
  return segment;
}

/**
 * Segments opened at once at most. A segment opened mapped spends most of its opening waiting for its
 * links to be read from disk on a libuv thread; several at a time keep the disk busy while this
 * thread reads the next one's keys: a 1M x 768 index of ten segments, out of the page cache, answered
 * its first query 3.1 s after the server started instead of 3.8 s one segment at a time.
 * Segments read whole each hold their object meanwhile, so not many more.
 */
const SEGMENTS_OPENED_AT_ONCE = 4;

/**
 * Adds the manifest's segments to `state` in its order, opened SEGMENTS_OPENED_AT_ONCE at a time: each
 * is added (its keys put in the key directory, a second at 1M keys) while the next ones are opening.
 */
async function loadSegments(store: BlobStore, layout: CollectionLayout, index: IndexShape, manifest: Manifest, state: CollectionState): Promise<void> {
  const bitmaps = await readDeletionBitmaps(store, layout, manifest);
  const opening = manifest.segments.map(() => undefined as Promise<Segment> | undefined);
  const open = (at: number) => (opening[at] ??= loadSegment(store, layout, index, manifest.segments[at]!, bitmaps.get(manifest.segments[at]!), true));
  try {
    for (let at = 0; at < manifest.segments.length; at++) {
      for (let ahead = at; ahead < Math.min(manifest.segments.length, at + SEGMENTS_OPENED_AT_ONCE); ahead++) void open(ahead).catch(() => undefined);
      state.addSegment(await open(at), "listLater");
    }
  } catch (error) {
    // Every segment opened so far is let go before the error is thrown, as one failure leaves the rest.
    const opened = await Promise.allSettled(opening.filter((segment) => segment !== undefined));
    for (const result of opened) if (result.status === "fulfilled") result.value.releaseLater();
    throw error;
  }
}

/** A manifest's snapshot: the memtable's rows at its walFrom, which must agree with the manifest's. */
export async function readSnapshot(store: BlobStore, layout: CollectionLayout, index: IndexShape, manifest: Manifest): Promise<Memtable> {
  const snapshotName = layout.snapshotName(manifest.snapshot);
  const decode = (bytes: Uint8Array) => decodeSnapshot(bytes, index.dimension);
  const { memtable, walFrom } = await readRequired(store, snapshotName, "snapshot", decode);
  if (walFrom !== manifest.walFrom) throw new CorruptionError(snapshotName, "unreadable snapshot: snapshot and manifest disagree on walFrom");
  return memtable;
}

async function loadBase(store: BlobStore, layout: CollectionLayout, index: IndexShape, garbage: string[], leftovers: Leftovers): Promise<Base> {
  const manifests = await listNumbered(store, layout.manifestDir, MANIFEST_EXT);
  const manifest = await chooseManifest(store, manifests, garbage);
  const named = new Set(manifest?.segments ?? []);
  const seq = manifest?.seq ?? 0;
  await collectUnnamed(store, layout.snapshotDir, SNAPSHOT_EXT, (n) => n === manifest?.snapshot, seq, leftovers);
  await collectUnnamed(store, layout.deletesDir, DELETES_EXT, (n) => n === manifest?.deletes, seq, leftovers);
  await collectUnnamed(store, layout.segmentDir, SEGMENT_EXT, (id) => named.has(id), Math.max(0, ...named), leftovers);
  return loadManifestBase(store, layout, index, manifest);
}

/** The state a manifest names (snapshot, segments with their bitmaps), or the empty state for none. */
export async function loadManifestBase(store: BlobStore, layout: CollectionLayout, index: IndexShape, manifest: Manifest | undefined): Promise<Base> {
  if (!manifest) {
    return { state: new CollectionState(index), manifestSeq: 0, walFrom: FIRST_WAL_SEQ, segmentIds: new Set(), nextSegmentId: 1 };
  }
  const named = new Set(manifest.segments);
  const state = new CollectionState(index, await readSnapshot(store, layout, index, manifest));
  await loadSegments(store, layout, index, manifest, state);
  // Ids of unnamed segment objects are garbage now and may be reused; named ones never are.
  const nextSegmentId = Math.max(0, ...manifest.segments) + 1;
  return { state, manifestSeq: manifest.seq, walFrom: manifest.walFrom, segmentIds: named, nextSegmentId };
}

async function replayWal(store: BlobStore, layout: CollectionLayout, base: Base, garbage: string[]): Promise<RecoveredCollection> {
  const objects = await listNumbered(store, layout.walDir, WAL_EXT);
  const live = objects.filter((object) => object.seq >= base.walFrom);
  for (const covered of objects) if (covered.seq < base.walFrom) garbage.push(covered.name);
  const walSizes = new Map<number, number>();
  let nextWalSeq = base.walFrom;
  for (const object of live) {
    if (object.seq !== nextWalSeq) throw new CorruptionError(layout.walName(nextWalSeq), "WAL object missing");
    let size = 0;
    const records = await readRequired(store, object.name, "WAL object", (bytes) => {
      size = bytes.length;
      return decodeWalObject(bytes);
    });
    for (const record of records) base.state.apply(record);
    walSizes.set(object.seq, size);
    nextWalSeq++;
  }
  return { ...base, nextWalSeq, walSizes };
}

export async function recoverCollection(store: BlobStore, layout: CollectionLayout, index: IndexShape): Promise<RecoveredCollection> {
  const garbage: string[] = [];
  const leftovers: Leftovers = { superseded: [], unfinished: [] };
  const base = await loadBase(store, layout, index, garbage, leftovers);
  const recovered = await replayWal(store, layout, base, garbage);
  await provenUnfinished(store, layout, index, leftovers.unfinished, recovered.nextWalSeq);
  garbage.push(...leftovers.superseded.map((o) => o.name), ...leftovers.unfinished.map((o) => o.name));
  for (const name of garbage) await store.delete(name);
  return recovered;
}
