// The fence (docs/scale-out.md#safety-the-wal-sequence-fences): a new writer's first act is to create
// the first free WAL number with a fence record, and to check that it is the WAL's last object. Every
// number below it was then created (a taken number is skipped only after its create was refused, and
// a pruned one is caught by that check), so every write the previous writer acknowledged is below the
// fence and is replayed; the previous writer's next create meets the fence (or a later number) taken,
// and it steps down.
import type { BlobStore } from "../storage/blob-store.ts";
import { LEASE_EXT, MANIFEST_EXT, WAL_EXT, type CollectionLayout } from "../storage/collection-layout.ts";
import { decodeManifest } from "../format/manifest.ts";
import { encodeWalObject, encodeWalRecord } from "../format/wal-format.ts";
import { listNumbered, type NumberedObject } from "../storage/numbered-objects.ts";
import { FIRST_WAL_SEQ, type IndexShape } from "../collection/collection-recovery.ts";
import { readRequired } from "../storage/required-objects.ts";
import { listBeforeFence, recoverShared, type SharedRecovered } from "../collection/shared-recovery.ts";
import type { Lease } from "./lease.ts";

/** Creates tried before giving up: each refusal means another node committed meanwhile. */
const ATTEMPTS = 64;

/** The first free WAL number as far as one listing shows. */
async function firstFree(store: BlobStore, layout: CollectionLayout): Promise<number> {
  const newest = (await listNumbered(store, layout.walDir, WAL_EXT)).at(-1);
  if (newest !== undefined) return newest.seq + 1;
  // No WAL object at all: a checkpoint (written before the store was shared) pruned them all.
  const manifest = (await listNumbered(store, layout.manifestDir, MANIFEST_EXT)).at(-1);
  if (manifest === undefined) return FIRST_WAL_SEQ;
  return (await readRequired(store, manifest.name, "manifest", (bytes) => decodeManifest(bytes, manifest.seq))).walFrom;
}

/** Creates the fence of `lease` and resolves with its WAL number. */
export async function fenceWal(store: BlobStore, layout: CollectionLayout, lease: Lease, dimension: number): Promise<number> {
  const object = encodeWalObject([encodeWalRecord({ type: "marker", marker: { fence: { epoch: lease.epoch, node: lease.node } } }, dimension)]);
  let seq = await firstFree(store, layout);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (await store.createIfAbsent(layout.walName(seq), object)) {
      // A number can be free below the WAL's end: the old writer may have written it, committed a
      // checkpoint above it and pruned it between the listing and this create. A fence there stops
      // nothing (the old writer's next number is above it), and the pruned checkpoint's commit record,
      // still there above it, gives it away. Never seen above the fence, nothing is: a pruned number
      // always has a newer object above it.
      const end = await firstFree(store, layout);
      if (end === seq + 1) return seq;
      seq = end;
      continue;
    }
    // Taken: the old writer is still committing. Jump to the end again rather than chase it by one.
    seq = Math.max(seq + 1, await firstFree(store, layout));
  }
  throw new Error(`could not fence the WAL of ${layout.root}: ${ATTEMPTS} numbers were taken by another writer meanwhile`);
}

/**
 * Takes the index as its writer once `lease` is claimed: lists what its recovery may remove, fences
 * the WAL, then recovers. The listing comes first because a newer writer may fence this one during
 * the recovery and commit objects of its own; none of those can be in a listing made before this
 * writer's fence (docs/scale-out.md#safety-the-wal-sequence-fences).
 *
 * `leases` is the listing of the leases made after the fence (the new writer prunes old ones with it).
 * `recovered` is undefined when a newer lease exists once the fence is made: its holder may have
 * fenced first (claims and fences of two nodes can interleave), and a writer must never write after
 * the fence of a newer epoch. This one then writes nothing and removes nothing; its fence stops
 * whichever writer fenced before it, and the newest lease's node takes the index again.
 */
export async function fenceAndRecover(
  store: BlobStore, layout: CollectionLayout, lease: Lease, index: IndexShape,
): Promise<{ fence: number; recovered: SharedRecovered | undefined; leases: NumberedObject[] }> {
  const removable = await listBeforeFence(store, layout);
  const fence = await fenceWal(store, layout, lease, index.dimension);
  const leases = await listNumbered(store, layout.leaseDir, LEASE_EXT);
  const newest = leases.at(-1);
  if (newest !== undefined && newest.seq > lease.epoch) return { fence, recovered: undefined, leases };
  return { fence, recovered: await recoverShared(store, layout, index, removable), leases };
}
