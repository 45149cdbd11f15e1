// Recovery of one collection: newest valid manifest -> its snapshot -> replay of the WAL objects after
// it, in order. What may legitimately be broken is only what a crash can leave behind: the newest
// manifest (a checkpoint that never finished) and the last WAL object (a commit that was never
// acknowledged). Anything else that is unreadable or missing would lose acknowledged data, so recovery
// fails loudly instead. Leftovers are deleted only after the whole plan has succeeded.
import type { BlobStore } from "./blob-store.ts";
import { MANIFEST_EXT, SNAPSHOT_EXT, WAL_EXT, type CollectionLayout } from "./collection-layout.ts";
import { CorruptionError, DecodeError } from "./errors.ts";
import { decodeManifest, type Manifest } from "./manifest.ts";
import { Memtable } from "./memtable.ts";
import { listNumbered, type NumberedObject } from "./numbered-objects.ts";
import { decodeSnapshot } from "./snapshot-format.ts";
import { decodeWalObject } from "./wal-format.ts";

/** WAL numbering starts here for a collection that was never checkpointed. */
export const FIRST_WAL_SEQ = 1;

export interface RecoveredCollection {
  memtable: Memtable;
  /** Number of the manifest in force, 0 when there is none yet. */
  manifestSeq: number;
  walFrom: number;
  nextWalSeq: number;
  /** Sizes of the WAL objects from walFrom on, by number. */
  walSizes: Map<number, number>;
}

interface Base {
  memtable: Memtable;
  manifestSeq: number;
  walFrom: number;
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

async function loadBase(store: BlobStore, layout: CollectionLayout, dimension: number, garbage: string[]): Promise<Base> {
  const manifests = await listNumbered(store, layout.manifestDir, MANIFEST_EXT);
  const manifest = await chooseManifest(store, manifests, garbage);
  // Snapshots other than the chosen one are older checkpoints or orphans of an unfinished one.
  for (const snapshot of await listNumbered(store, layout.snapshotDir, SNAPSHOT_EXT)) {
    if (snapshot.seq !== manifest?.snapshot) garbage.push(snapshot.name);
  }
  if (!manifest) return { memtable: new Memtable(dimension), manifestSeq: 0, walFrom: FIRST_WAL_SEQ };
  const name = layout.snapshotName(manifest.snapshot);
  const bytes = await store.get(name);
  if (!bytes) throw new CorruptionError(name, "snapshot named by the manifest is missing");
  try {
    const { memtable, walFrom } = decodeSnapshot(bytes, dimension);
    if (walFrom !== manifest.walFrom) throw new DecodeError("snapshot and manifest disagree on walFrom");
    return { memtable, manifestSeq: manifest.seq, walFrom };
  } catch (error) {
    if (error instanceof DecodeError) throw new CorruptionError(name, `unreadable snapshot: ${error.message}`);
    throw error;
  }
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
    for (const record of records) base.memtable.apply(record);
    walSizes.set(object.seq, bytes.length);
    nextWalSeq++;
  }
  return { memtable: base.memtable, manifestSeq: base.manifestSeq, walFrom: base.walFrom, nextWalSeq, walSizes };
}

export async function recoverCollection(store: BlobStore, layout: CollectionLayout, dimension: number): Promise<RecoveredCollection> {
  const garbage: string[] = [];
  const base = await loadBase(store, layout, dimension, garbage);
  const recovered = await replayWal(store, layout, base, garbage);
  for (const name of garbage) await store.delete(name);
  return recovered;
}
