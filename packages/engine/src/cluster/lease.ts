// Lease objects (docs/scale-out.md#liveness-leases-and-heartbeats): `indexes/<id>/lease/<epoch>.json`,
// checked JSON naming the node that became the index's writer at that epoch and the URL where the
// other nodes reach it. Created with createIfAbsent, never changed: of the nodes that try to take an
// index at the same epoch, exactly one creates it. A lease says who *should* write; the fence in the
// WAL (fence.ts) is what stops an older writer.
import type { BlobStore } from "../storage/blob-store.ts";
import { LEASE_EXT, type CollectionLayout } from "../storage/collection-layout.ts";
import { decodeCheckedJson, encodeCheckedJson } from "../format/checked-json.ts";
import { listNumbered, type NumberedObject } from "../storage/numbered-objects.ts";
import { decodeRequired } from "../storage/required-objects.ts";
import { DecodeError } from "../base/errors.ts";

const FORMAT = "ossv-lease";
const VERSION = 1;

export interface Lease {
  epoch: number;
  /** The id of the node (one `ossv serve` process) that holds it. */
  node: string;
  /** Where the other nodes send that node the writes they receive. */
  url: string;
}

export interface NodeIdentity {
  node: string;
  url: string;
}

export function encodeLease(lease: Lease): Uint8Array {
  return encodeCheckedJson({ format: FORMAT, version: VERSION, ...lease });
}

export function decodeLease(bytes: Uint8Array, epoch: number): Lease {
  const { value, checked } = decodeCheckedJson(bytes, "lease");
  const { format, version, node, url } = value;
  if (!checked || format !== FORMAT || version !== VERSION || value.epoch !== epoch) throw new DecodeError("lease has the wrong format, version or epoch");
  if (typeof node !== "string" || typeof url !== "string") throw new DecodeError("lease fields are malformed");
  return { epoch, node, url };
}

/** The newest lease of the index, or undefined when no node has ever written it on a shared store. */
export async function newestLease(store: BlobStore, layout: CollectionLayout): Promise<Lease | undefined> {
  const newest = (await listNumbered(store, layout.leaseDir, LEASE_EXT)).at(-1);
  if (newest === undefined) return undefined;
  const bytes = await store.get(newest.name);
  // Only leases far below the newest are pruned (pruneLeases), never the newest.
  if (bytes === undefined) return undefined;
  return decodeRequired(newest.name, "lease", bytes, (data) => decodeLease(data, newest.seq));
}

/** Creates the lease of the epoch after `previous`; undefined when another node created it first. */
export async function claimLease(store: BlobStore, layout: CollectionLayout, previous: number, me: NodeIdentity): Promise<Lease | undefined> {
  const lease = { epoch: previous + 1, ...me };
  return (await store.createIfAbsent(layout.leaseName(lease.epoch), encodeLease(lease))) ? lease : undefined;
}

/**
 * Leases kept below a new writer's: more than enough for any node still acting on an older one. Such a
 * node may even create an old epoch's lease again after it was pruned, but its fence then finds the
 * newer lease and it does not become the writer (fence.ts); the copy goes at the next prune.
 */
export const LEASES_KEPT = 16;

/**
 * Removes the leases more than LEASES_KEPT epochs below `epoch`: one per takeover would pile up
 * forever. `listed` is a listing of the leases already made (a takeover's fence lists them), else they
 * are listed here; a lease created after it can only be newer, or an old one again, gone next time.
 */
export async function pruneLeases(store: BlobStore, layout: CollectionLayout, epoch: number, listed?: readonly NumberedObject[]): Promise<void> {
  for (const lease of listed ?? await listNumbered(store, layout.leaseDir, LEASE_EXT)) {
    if (lease.seq <= epoch - LEASES_KEPT) await store.delete(lease.name);
  }
}
