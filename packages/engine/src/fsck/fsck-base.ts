// fsck of what a collection's state rests on before WAL replay: the newest manifest, its snapshot,
// its deletion object and segments. A damaged newest manifest costs nothing when snapshot and deletion
// object of its number decode: the snapshot holds walFrom and the rows, the deletion object the ids of
// the segments in force. A damaged snapshot is replaced by an empty one (its rows are lost). When
// neither manifest nor snapshot can be read, nothing says where the state starts, and the whole
// collection goes to quarantine.
import { MANIFEST_EXT, SEGMENT_EXT, SNAPSHOT_EXT, WAL_EXT } from "../storage/collection-layout.ts";
import { FIRST_WAL_SEQ } from "../collection/collection-recovery.ts";
import { decodeDeletions } from "../format/deletion-format.ts";
import { describeFailure, goneSinceListed, type CollectionScope, type ReadOutcome } from "./fsck-context.ts";
import { checkSegments, type SalvagedSegment } from "./fsck-segments.ts";
import { decodeManifest, type Manifest } from "../format/manifest.ts";
import { Memtable } from "../state/memtable.ts";
import { listNumbered, type NumberedObject } from "../storage/numbered-objects.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { decodeSnapshot, type DecodedSnapshot } from "../state/memtable.ts";
import { WalReader } from "../collection/shared-recovery.ts";

export interface CollectionBase {
  /** Number of the manifest the base comes from (0: none), i.e. the objects it names. */
  seq: number;
  /** The named snapshot and deletion object numbers (so leftovers can be told apart). */
  snapshot: number;
  deletes: number;
  segmentIds: number[];
  memtable: Memtable;
  walFrom: number;
  segments: SalvagedSegment[];
  /** Something was lost or rebuilt: repair writes a fresh checkpoint. */
  changed: boolean;
}

/** The collection cannot be put back together: repair moves all of it aside. */
export const COLLECTION_LOST = "lost";

type Base = CollectionBase | typeof COLLECTION_LOST;

function readSnapshot(scope: CollectionScope, seq: number): Promise<ReadOutcome<DecodedSnapshot>> {
  return scope.ctx.readObject(scope.layout.snapshotName(seq), (bytes) => decodeSnapshot(bytes, scope.index.dimension));
}

/** Older manifests are garbage to open; a damaged one is reported and moved aside. */
async function checkOlderManifests(scope: CollectionScope, older: NumberedObject[]): Promise<void> {
  for (const object of older) {
    const outcome = await scope.ctx.readObject(object.name, (bytes) => decodeManifest(bytes, object.seq));
    if (outcome.status === "ok" || goneSinceListed(scope.ctx, outcome)) continue;
    scope.ctx.report({
      object: object.name, index: scope.label, severity: "harmless", problem: describeFailure(outcome),
      holds: "nothing: a newer manifest is in force", repair: "moved to quarantine",
    });
    scope.ctx.quarantine(object.name);
  }
}

/** Rows of every segment object present, for the report of a collection that cannot be rebuilt. */
async function rowsOfSegmentObjects(scope: CollectionScope): Promise<number> {
  let rows = 0;
  for (const object of await listNumbered(scope.ctx.store, scope.layout.segmentDir, SEGMENT_EXT)) {
    const outcome = await scope.ctx.readObject(object.name, (bytes) => decodeSegment(bytes, scope.index.dimension));
    if (outcome.status === "ok") rows += outcome.value.records.rows;
  }
  return rows;
}

async function reportCollectionLost(scope: CollectionScope, manifestName: string, failure: string, snapshotFailure: string): Promise<Base> {
  const rows = await rowsOfSegmentObjects(scope);
  scope.ctx.report({
    object: manifestName, index: scope.label, severity: "damage", problem: failure,
    holds: `the collection's state: its snapshot is ${snapshotFailure} too, so neither the WAL position nor the rows `
      + `not yet in segments can be recovered; segment objects present hold ${rows} rows (live unknown)`,
    lost: { rows },
    repair: `the whole index storage ${scope.layout.root} is moved to quarantine; the index opens empty`,
  });
  scope.ctx.quarantine(scope.layout.root);
  return COLLECTION_LOST;
}

/**
 * Manifest `seq` is damaged or gone: rebuild it from snapshot and deletion object `seq`. Without a
 * readable deletion object the segments in force are unknown, so every segment object is dropped
 * rather than risk using one whose deleted rows would come back.
 */
async function rebuildManifest(scope: CollectionScope, seq: number, failure: string): Promise<Base> {
  const { ctx, layout, label } = scope;
  const snapshot = await readSnapshot(scope, seq);
  if (snapshot.status !== "ok") return reportCollectionLost(scope, layout.manifestName(seq), failure, describeFailure(snapshot));
  const deletions = await ctx.readObject(layout.deletesName(seq), decodeDeletions);
  const segmentObjects = await listNumbered(ctx.store, layout.segmentDir, SEGMENT_EXT);
  let segments: number[] = [];
  let lostSegments = false;
  if (deletions.status === "ok") segments = deletions.value.map((entry) => entry.segmentId);
  else if (deletions.status === "damaged" || segmentObjects.length > 0) lostSegments = true;
  const rebuilt: Manifest = { seq, snapshot: seq, walFrom: snapshot.value.walFrom, count: Number.NaN, segments, deletes: segments.length > 0 ? seq : 0 };
  const names = segmentObjects.map((object) => object.name);
  ctx.report({
    object: layout.manifestName(seq), index: label, severity: "damage", problem: failure,
    holds: lostSegments
      ? `snapshot ${seq} decodes, but deletion object ${seq} is ${describeFailure(deletions)}, so the segments in force and their `
        + `deleted rows are unknown: repair drops all ${names.length} segment object(s) (their rows are lost)`
      : `nothing is lost: snapshot ${seq} and deletion object ${seq} decode, and repair rebuilds the manifest from them`,
    ...(lostSegments && { lost: { rows: await rowsOfSegmentObjects(scope) } }),
    repair: `moved to quarantine; a fresh checkpoint is written from snapshot ${seq}`
      + (lostSegments ? ", without segments (moved to quarantine)" : ` and its ${segments.length} segment(s)`),
  });
  ctx.quarantine(layout.manifestName(seq));
  if (lostSegments) ctx.quarantine(...names, ...(deletions.status === "damaged" ? [layout.deletesName(seq)] : []));
  return loadNamed(scope, rebuilt, snapshot.value);
}

/** The snapshot and segments a (read or rebuilt) manifest names. */
async function loadNamed(scope: CollectionScope, manifest: Manifest, known?: DecodedSnapshot): Promise<CollectionBase> {
  const outcome = known ? { status: "ok" as const, value: known } : await readSnapshot(scope, manifest.snapshot);
  const mismatch = outcome.status === "ok" && outcome.value.walFrom !== manifest.walFrom;
  const snapshot = outcome.status === "ok" && !mismatch ? outcome.value : undefined;
  const segments = await checkSegments(scope, manifest, snapshot?.memtable.count);
  if (!snapshot) {
    const failure = mismatch ? "unreadable (snapshot and manifest disagree on walFrom)" : describeFailure(outcome);
    reportSnapshotLoss(scope, manifest, failure, segments.liveInForce);
  }
  return {
    seq: manifest.seq, snapshot: manifest.snapshot, deletes: manifest.deletes, segmentIds: manifest.segments,
    memtable: snapshot?.memtable ?? new Memtable(scope.index.dimension), walFrom: manifest.walFrom,
    segments: segments.kept, changed: known !== undefined || !snapshot || segments.changed,
  };
}

function reportSnapshotLoss(scope: CollectionScope, manifest: Manifest, failure: string, segmentLive: number | undefined): void {
  const rows = segmentLive === undefined ? undefined : manifest.count - segmentLive;
  scope.ctx.report({
    object: scope.layout.snapshotName(manifest.snapshot), index: scope.label, severity: "damage", problem: failure,
    holds: `snapshot ${manifest.snapshot}: the ${rows ?? "(unknown number of)"} rows not yet in segments at checkpoint ${manifest.seq}`,
    ...(rows !== undefined && { lost: { rows } }),
    repair: "moved to quarantine and replaced by an empty snapshot; its rows are lost",
  });
  scope.ctx.quarantine(scope.layout.snapshotName(manifest.snapshot));
}

/** The end of the run of WAL objects starting at walFrom (the first number missing). */
async function walEnd(scope: CollectionScope, walFrom: number): Promise<number> {
  const present = new Set((await listNumbered(scope.ctx.store, scope.layout.walDir, WAL_EXT)).map((object) => object.seq));
  let end = walFrom;
  while (present.has(end)) end++;
  return end;
}

/**
 * A snapshot newer than the manifest in force whose WAL position is past the WAL's end belongs to a
 * checkpoint that committed (it pruned the WAL) and whose manifest is gone: that number is the state.
 */
async function lostManifestSeq(scope: CollectionScope, after: number, walFrom: number): Promise<number | undefined> {
  const snapshots = (await listNumbered(scope.ctx.store, scope.layout.snapshotDir, SNAPSHOT_EXT)).filter((object) => object.seq > after);
  const newest = snapshots.at(-1);
  if (newest === undefined) return undefined;
  const snapshot = await readSnapshot(scope, newest.seq);
  if (snapshot.status !== "ok") return undefined; // reported with the leftovers
  return snapshot.value.walFrom > (await walEnd(scope, walFrom)) ? newest.seq : undefined;
}

/**
 * On a shared store a manifest is in force only once its checkpoint's commit record is in the WAL
 * (shared-recovery.ts): newer ones belong to a checkpoint still being committed or to a fenced
 * writer, and are left out here (the leftover checks still read what they name). The WAL is listed
 * first, as findCommitted does. A manifest that does not decode ends the search: it is judged as
 * the newest, as on a data directory.
 */
async function manifestsInForce(scope: CollectionScope): Promise<NumberedObject[]> {
  const { store } = scope.ctx;
  const wal = new WalReader(store, scope.layout, await listNumbered(store, scope.layout.walDir, WAL_EXT));
  const manifests = await listNumbered(store, scope.layout.manifestDir, MANIFEST_EXT);
  for (let i = manifests.length - 1; i >= 0; i--) {
    const { name, seq } = manifests[i]!;
    const bytes = await store.get(name);
    if (bytes === undefined) continue; // pruned since listed: an older one
    let manifest: Manifest;
    try {
      manifest = decodeManifest(bytes, seq);
    } catch {
      return manifests.slice(0, i + 1);
    }
    // A WAL object that does not decode leaves the commit unknown; the WAL check reports it.
    if (manifest.commit === undefined || (await wal.commits(manifest).catch(() => true))) return manifests.slice(0, i + 1);
  }
  return [];
}

export async function checkBase(scope: CollectionScope): Promise<Base> {
  const manifests = scope.ctx.shared
    ? await manifestsInForce(scope)
    : await listNumbered(scope.ctx.store, scope.layout.manifestDir, MANIFEST_EXT);
  await checkOlderManifests(scope, manifests.slice(0, -1));
  const newest = manifests.at(-1);
  let manifest: Manifest | undefined;
  if (newest) {
    const outcome = await scope.ctx.readObject(newest.name, (bytes) => decodeManifest(bytes, newest.seq));
    if (outcome.status !== "ok") return rebuildManifest(scope, newest.seq, describeFailure(outcome));
    manifest = outcome.value;
  }
  const lost = await lostManifestSeq(scope, manifest?.seq ?? 0, manifest?.walFrom ?? FIRST_WAL_SEQ);
  if (lost !== undefined) return rebuildManifest(scope, lost, "missing (its snapshot exists, and the WAL it covered was pruned)");
  if (manifest) return loadNamed(scope, manifest);
  return {
    seq: 0, snapshot: 0, deletes: 0, segmentIds: [], memtable: new Memtable(scope.index.dimension),
    walFrom: FIRST_WAL_SEQ, segments: [], changed: false,
  };
}
