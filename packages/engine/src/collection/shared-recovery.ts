// Recovery of one collection on a shared store (docs/scale-out.md): like collection-recovery.ts, but
// the manifest in force is the newest one that is *committed*, i.e. whose checkpoint commit record is
// in the WAL (a manifest without `commit`, written before the store was shared, counts by existing).
// A fenced writer may leave manifests that never got their record; they are skipped.
//
// Readers run this while the writer keeps committing and pruning, so an object listed a moment ago
// may be gone when it is read: then the whole read starts again (a newer committed manifest exists).
// Only the writer, after its fence, removes leftovers; a reader never deletes anything. And the writer
// removes only objects it listed *before* its fence: a newer writer may fence it while it recovers and
// create and commit objects of its own (a snapshot, segments) before its deletes run; anything listed
// after the fence may be such an object, while everything listed before it came before any newer
// writer existed, so a later writer needs it only if the manifest this recovery keeps names it.
import type { BlobStore } from "../storage/blob-store.ts";
import { CorruptionError } from "../base/errors.ts";
import { DELETES_EXT, MANIFEST_EXT, SEGMENT_EXT, SNAPSHOT_EXT, WAL_EXT, type CollectionLayout } from "../storage/collection-layout.ts";
import { decodeManifest, type Manifest } from "../format/manifest.ts";
import { decodeWalObject, type WalRecord } from "../format/wal-format.ts";
import { listNumbered, type NumberedObject } from "../storage/numbered-objects.ts";
import { loadManifestBase, type IndexShape, type RecoveredCollection } from "./collection-recovery.ts";
import { decodeRequired, readRequired } from "../storage/required-objects.ts";

/** Reads that find the store changed under them start again, up to this many times. */
const ATTEMPTS = 8;

/** The store changed while it was read (a checkpoint pruned what the read was about to use). */
export class StoreMovedError extends Error {}

export interface SharedRecovered extends RecoveredCollection {
  /** The highest snapshot, deletion object or manifest number present. */
  highestCheckpointNumber: number;
}

/** The WAL objects of one listing, read once each and kept decoded. */
export class WalReader {
  private readonly decoded = new Map<number, WalRecord[]>();
  readonly sizes = new Map<number, number>();
  readonly present: Set<number>;

  constructor(private readonly store: BlobStore, private readonly layout: CollectionLayout, listed: NumberedObject[]) {
    this.present = new Set(listed.map((object) => object.seq));
  }

  async records(seq: number): Promise<WalRecord[]> {
    const known = this.decoded.get(seq);
    if (known) return known;
    const name = this.layout.walName(seq);
    const bytes = this.present.has(seq) ? await this.store.get(name) : undefined;
    if (!bytes) throw new StoreMovedError(`${name} is gone`);
    const records = decodeRequired(name, "WAL object", bytes, decodeWalObject);
    this.decoded.set(seq, records);
    this.sizes.set(seq, bytes.length);
    return records;
  }

  /** Whether a WAL object from the manifest's walFrom on holds its checkpoint commit record. */
  async commits(manifest: Manifest): Promise<boolean> {
    for (let seq = manifest.walFrom; this.present.has(seq); seq++) {
      const found = (await this.records(seq)).some((record) => record.type === "marker"
        && "checkpoint" in record.marker && record.marker.checkpoint.manifest === manifest.seq);
      if (found) return true;
    }
    return false;
  }
}

/** A CorruptionError for an object that no longer exists is a prune that raced the read. */
function movedIfMissing(store: BlobStore, name: string) {
  return async (error: unknown): Promise<never> => {
    if (error instanceof CorruptionError && (await store.get(name)) === undefined) throw new StoreMovedError(`${name} is gone`);
    throw error;
  };
}

/** The names of a collection's objects a writer's recovery may remove: what exists before its fence. */
export async function listBeforeFence(store: BlobStore, layout: CollectionLayout): Promise<ReadonlySet<string>> {
  const dirs: [string, string][] = [
    [layout.walDir, WAL_EXT], [layout.manifestDir, MANIFEST_EXT], [layout.snapshotDir, SNAPSHOT_EXT],
    [layout.deletesDir, DELETES_EXT], [layout.segmentDir, SEGMENT_EXT],
  ];
  const names = new Set<string>();
  for (const [dir, ext] of dirs) for (const object of await listNumbered(store, dir, ext)) names.add(object.name);
  return names;
}

/** The newest committed manifest (undefined for none), with the WAL and manifest listings it was chosen from. */
export interface CommittedManifest {
  wal: WalReader;
  manifests: NumberedObject[];
  chosen: Manifest | undefined;
}

export async function findCommitted(store: BlobStore, layout: CollectionLayout): Promise<CommittedManifest> {
  // The WAL is listed first: a commit record in a listed WAL object names a manifest that was created
  // before that object, and so before the manifest listing that follows.
  const wal = new WalReader(store, layout, await listNumbered(store, layout.walDir, WAL_EXT));
  const manifests = await listNumbered(store, layout.manifestDir, MANIFEST_EXT);
  for (const candidate of [...manifests].reverse()) {
    const decode = (bytes: Uint8Array) => decodeManifest(bytes, candidate.seq);
    const manifest = await readRequired(store, candidate.name, "manifest", decode).catch(movedIfMissing(store, candidate.name));
    if (manifest.commit === undefined || (await wal.commits(manifest))) return { wal, manifests, chosen: manifest };
  }
  return { wal, manifests, chosen: undefined };
}

/** For reads of what `manifest` names: an object gone while the manifest is gone too was pruned by a newer checkpoint. */
export function movedIfPruned(store: BlobStore, layout: CollectionLayout, manifest: Manifest | undefined) {
  return async (error: unknown): Promise<never> => {
    if (manifest && (await store.get(layout.manifestName(manifest.seq))) === undefined) throw new StoreMovedError("manifest pruned");
    throw error;
  };
}

/** The decoded WAL objects from `walFrom` on, up to the first one not listed; none may be missing after it. */
export async function walAfter(wal: WalReader, walFrom: number): Promise<{ records: WalRecord[][]; nextWalSeq: number }> {
  const records: WalRecord[][] = [];
  let nextWalSeq = walFrom;
  for (; wal.present.has(nextWalSeq); nextWalSeq++) records.push(await wal.records(nextWalSeq));
  if ([...wal.present].some((seq) => seq > nextWalSeq)) throw new StoreMovedError(`WAL object ${nextWalSeq} is missing`);
  return { records, nextWalSeq };
}

/** Runs a read of the store again when the store moved under it, up to ATTEMPTS times. */
export async function retryWhileMoving<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (!(error instanceof StoreMovedError) || attempt >= ATTEMPTS) throw error;
    }
  }
}

async function readOnce(
  store: BlobStore, layout: CollectionLayout, index: IndexShape, removable: ReadonlySet<string> | undefined,
): Promise<SharedRecovered> {
  const { wal, manifests, chosen } = await findCommitted(store, layout);
  const base = await loadManifestBase(store, layout, index, chosen).catch(movedIfPruned(store, layout, chosen));
  const { records, nextWalSeq } = await walAfter(wal, base.walFrom);
  const walSizes = new Map<number, number>();
  records.forEach((objectRecords, i) => {
    for (const record of objectRecords) base.state.apply(record);
    walSizes.set(base.walFrom + i, wal.sizes.get(base.walFrom + i) ?? 0);
  });
  const snapshots = await listNumbered(store, layout.snapshotDir, SNAPSHOT_EXT);
  const deletes = await listNumbered(store, layout.deletesDir, DELETES_EXT);
  const highestCheckpointNumber = Math.max(0, ...[...manifests, ...snapshots, ...deletes].map((object) => object.seq));
  if (removable !== undefined) {
    // The objects at the highest checkpoint number stay even when unneeded: they mark the number as
    // used. Removed, the next writer's recovery would see a lower highest number and take this one
    // again, and a duplicate of the DELETE sent here (an SDK retry whose first answer was lost)
    // reaching the store after that would remove the new writer's object. They go at a later
    // recovery, once a higher number exists.
    const keep = new Set([chosen?.seq, highestCheckpointNumber]);
    const unneeded = [...manifests, ...snapshots, ...deletes].filter((object) => !keep.has(object.seq)).map((object) => object.name);
    for (const segment of await listNumbered(store, layout.segmentDir, SEGMENT_EXT)) {
      if (!base.segmentIds.has(segment.seq)) unneeded.push(segment.name);
    }
    for (const seq of wal.present) if (seq < base.walFrom) unneeded.push(layout.walName(seq));
    for (const name of unneeded) if (removable.has(name)) await store.delete(name);
  }
  return { ...base, nextWalSeq, walSizes, highestCheckpointNumber };
}

/**
 * The collection as of the newest committed manifest and every WAL object after it. The writer, after
 * fencing the WAL, passes `removable` (listBeforeFence, taken before its fence): those of them the
 * manifest in force does not need are deleted. A reader passes nothing and changes nothing.
 */
export async function recoverShared(
  store: BlobStore, layout: CollectionLayout, index: IndexShape, removable?: ReadonlySet<string>,
): Promise<SharedRecovered> {
  return retryWhileMoving(() => readOnce(store, layout, index, removable));
}
