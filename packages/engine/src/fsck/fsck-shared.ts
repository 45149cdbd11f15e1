// fsck of a store many nodes share (docs/scale-out.md#offline-tools-on-a-shared-store). A check is
// read-only and may run while nodes serve: what a live writer does meanwhile (a checkpoint committed
// and the objects it superseded pruned, a takeover's recovery removing leftovers, an index created
// after the catalog was read) must not be reported as damage. So an index whose check finds a
// problem is checked again whenever its state moved in between (a newer manifest or a newer lease),
// and only a problem that stays while the index holds still is reported. The newest lease of each
// index must decode: every node reads it before it serves the index (the older ones nobody reads).
// Repair writes and moves
// objects, which no live node may do at the same time: it is refused while any node beats
// (liveNodes), and the operator stops the nodes first.
import { setTimeout as pause } from "node:timers/promises";
import { CATALOG_DIR, CATALOG_EXT } from "../catalog/catalog.ts";
import { decodeCatalog } from "../catalog/catalog-codec.ts";
import { Liveness, NODES_DIR } from "../cluster/heartbeat.ts";
import { decodeLease, encodeLease } from "../cluster/lease.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { CollectionLayout, LEASE_EXT, MANIFEST_EXT } from "../storage/collection-layout.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import type { IndexRecord } from "../base/types.ts";
import { checkCollection, type CollectionCheck } from "./fsck-collection.ts";
import { describeFailure, type FsckContext } from "./fsck-context.ts";

/** Looks at an index whose state keeps moving under the check before its last findings are taken. */
const ATTEMPTS = 16;

/** Where an index's state stands: its newest manifest and lease. Every change a writer commits moves one. */
async function indexMark(store: BlobStore, layout: CollectionLayout): Promise<string> {
  const manifest = (await listNumbered(store, layout.manifestDir, MANIFEST_EXT)).at(-1)?.seq ?? 0;
  const lease = (await listNumbered(store, layout.leaseDir, LEASE_EXT)).at(-1)?.seq ?? 0;
  return `${manifest}/${lease}`;
}

/**
 * checkCollection on a store live writers may change: a look that finds nothing wrong is taken; one
 * that finds a problem is taken only if the index did not move during it, else the index is looked
 * at again (up to ATTEMPTS times, the last look taken whatever it found).
 */
export async function checkSharedCollection(ctx: FsckContext, index: IndexRecord): Promise<CollectionCheck> {
  const layout = new CollectionLayout(index.id);
  for (let attempt = 1; ; attempt++) {
    const before = await indexMark(ctx.store, layout);
    const look = ctx.fork();
    const check = await checkCollection(look, index);
    const settled = look.problems.length === 0 || before === await indexMark(ctx.store, layout);
    if (settled || attempt >= ATTEMPTS) {
      ctx.adopt(look);
      return { ...check, scope: { ...check.scope, ctx } };
    }
  }
}

/**
 * The storage ids of the newest catalog now: an index created after the check read the catalog has
 * objects under indexes/ too, and is no orphan.
 */
export async function currentIndexIds(store: BlobStore): Promise<Set<string>> {
  for (const object of (await listNumbered(store, CATALOG_DIR, CATALOG_EXT)).reverse()) {
    const bytes = await store.get(object.name);
    if (bytes === undefined) continue;
    try {
      return new Set(decodeCatalog(bytes, object.seq).indexes.map((index) => index.id));
    } catch {
      return new Set(); // reported by the catalog check
    }
  }
  return new Set();
}

/**
 * The nodes that beat during a look of `deadAfterMs`: a node beats every second
 * (cluster/heartbeat.ts), so a beat unchanged for that long is a dead node's. A node stopped cleanly
 * leaves no beat, so a store without beats needs no wait.
 */
export async function liveNodes(store: BlobStore, deadAfterMs: number): Promise<string[]> {
  const liveness = new Liveness(deadAfterMs);
  await liveness.look(store);
  if (liveness.nodes().length === 0) return [];
  // Not a synchronisation: the look itself is "did the beat change within the dead bound".
  await pause(deadAfterMs);
  await liveness.look(store);
  return liveness.nodes().filter((node) => liveness.isAlive(node));
}

/** The message of a repair refused because `nodes` are alive. */
export function liveNodesMessage(nodes: string[]): string {
  return `--repair refused: ${nodes.length} node(s) serve from this store (heartbeats under ${NODES_DIR}/: ${nodes.join(", ")}), and `
    + "repair rewrites checkpoints and moves objects that a live writer may be using. Stop every `ossv serve` on the store "
    + "(a killed node counts as stopped once its heartbeat is stale), then run the repair again; a check without --repair "
    + "is safe while nodes serve";
}

/** An index whose newest lease does not decode: repair writes the lease of the next epoch above it. */
export interface DamagedLease {
  layout: CollectionLayout;
  epoch: number;
}

/** Whom a lease written by repair names: no node, so the first node to look takes the index. */
const NO_NODE = { node: "ossv-fsck-repair", url: "http://ossv-fsck-repair.invalid" };

/**
 * The newest lease of `index`, which every node reads before it serves or takes the index: one that
 * does not decode stops them all. Lease objects are never rewritten, so repair leaves it and
 * creates the next epoch's, naming no live node: the first node to look claims the epoch after it,
 * and no epoch is used twice.
 */
export async function checkNewestLease(ctx: FsckContext, index: IndexRecord): Promise<DamagedLease | undefined> {
  const layout = new CollectionLayout(index.id);
  const newest = (await listNumbered(ctx.store, layout.leaseDir, LEASE_EXT)).at(-1);
  if (newest === undefined) return undefined;
  const outcome = await ctx.readObject(newest.name, (bytes) => decodeLease(bytes, newest.seq));
  if (outcome.status === "ok") return undefined;
  ctx.report({
    object: newest.name, index: `${index.bucket}/${index.name}`, severity: "damage", problem: describeFailure(outcome),
    holds: `no data: which node wrote the index at epoch ${newest.seq}; no node can serve or take the index while it is the newest lease`,
    repair: `left in place; lease ${newest.seq + 1}, naming no node, is written above it, so the first node to look takes the index`,
  });
  return { layout, epoch: newest.seq };
}

/** Repair: the lease above a damaged one (see checkNewestLease); returns its name. */
export async function writeLeaseAbove(store: BlobStore, damaged: DamagedLease): Promise<string> {
  const epoch = damaged.epoch + 1;
  const name = damaged.layout.leaseName(epoch);
  if (!(await store.createIfAbsent(name, encodeLease({ epoch, ...NO_NODE })))) throw new Error(`${name} exists already: is a node running on this store?`);
  return name;
}
