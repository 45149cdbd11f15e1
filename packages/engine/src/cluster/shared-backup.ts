// The copy of a backup taken by one node of a shared store (docs/scale-out.md#backups-of-a-shared-store).
// On a data directory the engine holds the objects of its cut against its own pruning
// (storage/holding-store.ts). On a shared store that hold would cover only this node's writers:
// another node's writer prunes what its checkpoints superseded whenever it likes, and no node asks
// the others before it deletes. So the copy does not hold; it reads as a reader's recovery does
// (collection/shared-recovery.ts): per index, the newest committed manifest, what it names and the
// WAL after it, and when an object is gone before it was copied (pruned by a newer checkpoint), it
// names the index's newer state and copies again, keeping what it already has. Each index is thus
// copied as one state it held while the copy ran, every write acknowledged before the backup
// began included; indexes are copied one after the other, not at one common moment.
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { CATALOG_DIR, CATALOG_EXT } from "../catalog/catalog.ts";
import { decodeCatalog } from "../catalog/catalog-codec.ts";
import { FIRST_WAL_SEQ } from "../collection/collection-recovery.ts";
import { findCommitted, StoreMovedError } from "../collection/shared-recovery.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { CollectionLayout, LEASE_EXT } from "../storage/collection-layout.ts";
import { listGenerationMarkers } from "../storage/format-generation.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { fsyncPath, writeNewFile, type CopyResult } from "../storage/object-copy.ts";

/**
 * Times an index (or the catalog) is named again because pruning overtook its copy. Each time copies
 * only what is new, so a copy converges unless the writer commits faster than a segment is copied.
 */
const ATTEMPTS = 32;

/** Runs `copy` of `what` again while the store moves under it (StoreMovedError), up to ATTEMPTS times. */
async function retryWhileMoving<T>(what: string, copy: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await copy();
    } catch (error) {
      if (!(error instanceof StoreMovedError)) throw error;
      if (attempt >= ATTEMPTS) {
        throw new Error(`the copy of ${what} lost an object ${ATTEMPTS} times (${error.message}): either its writer commits faster `
          + "than the copy keeps up, or an object its state needs is missing (ossv admin fsck --store tells)", { cause: error });
      }
    }
  }
}

/** Copies objects into a backup directory, each once, however often an index is named again. */
class Copier {
  /** The names copied, with their sizes. */
  readonly copied = new Map<string, number>();
  readonly dirs = new Set<string>();

  constructor(private readonly store: BlobStore, private readonly dest: string, private readonly signal: AbortSignal | undefined) {}

  /** Copies `name`; StoreMovedError when it is gone (pruned since it was named). */
  async copy(name: string): Promise<void> {
    if (this.copied.has(name)) return;
    this.signal?.throwIfAborted();
    const bytes = await this.store.get(name);
    if (bytes === undefined) throw new StoreMovedError(`${name} is gone`);
    const target = join(this.dest, ...name.split("/"));
    await mkdir(dirname(target), { recursive: true });
    for (let dir = dirname(target); dir.length > this.dest.length; dir = dirname(dir)) this.dirs.add(dir);
    await writeNewFile(target, bytes);
    this.copied.set(name, bytes.length);
  }
}

/** The newest catalog object and the storage ids of its indexes (none: a store never written). */
async function newestCatalog(copier: Copier, store: BlobStore): Promise<{ name: string | undefined; indexIds: string[] }> {
  return retryWhileMoving("the catalog", async () => {
    const newest = (await listNumbered(store, CATALOG_DIR, CATALOG_EXT)).at(-1);
    if (newest === undefined) return { name: undefined, indexIds: [] };
    const bytes = await store.get(newest.name);
    if (bytes === undefined) throw new StoreMovedError(`${newest.name} is gone`);
    const indexIds = decodeCatalog(bytes, newest.seq).indexes.map((index) => index.id);
    await copier.copy(newest.name);
    return { name: newest.name, indexIds };
  });
}

/**
 * One committed state of an index: its manifest, snapshot, deletion object and segments, the WAL
 * from the manifest's walFrom to the first number not present, and the newest lease (so that a node
 * of the restored store claims the next epoch, above every fence in the copied WAL). Returns the
 * names of the state finally copied.
 */
async function copyIndex(copier: Copier, store: BlobStore, layout: CollectionLayout): Promise<string[]> {
  return retryWhileMoving(`index storage ${layout.root}`, async () => {
    const { wal, chosen } = await findCommitted(store, layout);
    const names: string[] = [];
    if (chosen) {
      names.push(layout.manifestName(chosen.seq), layout.snapshotName(chosen.snapshot));
      if (chosen.segments.length > 0) names.push(layout.deletesName(chosen.deletes));
      for (const id of chosen.segments) names.push(layout.segmentName(id));
    }
    let seq = chosen?.walFrom ?? FIRST_WAL_SEQ;
    for (; wal.present.has(seq); seq++) names.push(layout.walName(seq));
    if ([...wal.present].some((later) => later > seq)) throw new StoreMovedError(`WAL object ${seq} is missing`);
    const lease = (await listNumbered(store, layout.leaseDir, LEASE_EXT)).at(-1);
    if (lease) names.push(lease.name);
    for (const name of names) await copier.copy(name);
    return names;
  });
}

export interface SharedCopy {
  /** The objects of the backup, as BACKUP.json lists them. */
  names: string[];
  catalog: string | undefined;
  indexes: number;
  result: CopyResult;
}

/** Copies a consistent state of every index of the shared `store` into `dest` (see the file comment). */
export async function copySharedStore(store: BlobStore, dest: string, signal?: AbortSignal): Promise<SharedCopy> {
  const copier = new Copier(store, dest, signal);
  const markers = await listGenerationMarkers(store);
  for (const marker of markers) await copier.copy(marker.name);
  const catalog = await newestCatalog(copier, store);
  const names = [...markers.map((marker) => marker.name), ...(catalog.name ? [catalog.name] : [])];
  for (const id of catalog.indexIds) names.push(...(await copyIndex(copier, store, new CollectionLayout(id))));
  // Objects of a state named and then superseded before it was wholly copied are not the backup's.
  const kept = new Set(names);
  for (const name of copier.copied.keys()) if (!kept.has(name)) await rm(join(dest, ...name.split("/")));
  for (const dir of [...copier.dirs].sort((a, b) => b.length - a.length)) await fsyncPath(dir);
  await fsyncPath(dest);
  const bytes = names.reduce((sum, name) => sum + (copier.copied.get(name) ?? 0), 0);
  return { names, catalog: catalog.name, indexes: catalog.indexIds.length, result: { files: names.length, bytes, linked: 0 } };
}

