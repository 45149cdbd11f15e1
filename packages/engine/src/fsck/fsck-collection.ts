// fsck of one catalogued index: the base its state rests on (fsck-base.ts), the WAL after it
// (fsck-wal.ts), and the objects no manifest names: leftovers of an unfinished checkpoint or
// merge, and objects a newer manifest superseded. Open deletes those unread; a damaged one is
// reported as harmless and moved aside, so the disk's misbehaviour is not hidden.
import { CollectionLayout, DELETES_EXT, MANIFEST_EXT, SEGMENT_EXT, SNAPSHOT_EXT } from "../storage/collection-layout.ts";
import { decodeDeletions } from "../format/deletion-format.ts";
import { describeFailure, goneSinceListed, type CollectionScope, type FsckContext } from "./fsck-context.ts";
import { checkBase, COLLECTION_LOST, type CollectionBase } from "./fsck-base.ts";
import { checkWal, type WalCheck } from "./fsck-wal.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { decodeSnapshot } from "../state/memtable.ts";
import type { IndexRecord } from "../base/types.ts";

export interface CollectionCheck {
  scope: CollectionScope;
  /** Undefined when the collection cannot be rebuilt and all of it goes to quarantine. */
  base: CollectionBase | undefined;
  wal: WalCheck | undefined;
  /** The highest manifest, snapshot or deletion number present: a fresh checkpoint goes above it. */
  highestNumber: number;
}

const indexLabel = (index: IndexRecord): string => `${index.bucket}/${index.name}`;

async function highestNumber(scope: CollectionScope): Promise<number> {
  const { store } = scope.ctx;
  const { layout } = scope;
  let highest = 0;
  for (const [dir, ext] of [[layout.manifestDir, MANIFEST_EXT], [layout.snapshotDir, SNAPSHOT_EXT], [layout.deletesDir, DELETES_EXT]] as const) {
    for (const object of await listNumbered(store, dir, ext)) highest = Math.max(highest, object.seq);
  }
  return highest;
}

async function checkUnnamed(
  scope: CollectionScope, dir: string, ext: string, named: (seq: number) => boolean, decode: (bytes: Uint8Array) => unknown,
): Promise<void> {
  const { ctx } = scope;
  for (const object of await listNumbered(ctx.store, dir, ext)) {
    if (named(object.seq) || ctx.toQuarantine.has(object.name)) continue;
    const outcome = await ctx.readObject(object.name, decode);
    if (outcome.status === "ok" || goneSinceListed(ctx, outcome)) continue;
    ctx.report({
      object: object.name, index: scope.label, severity: "harmless", problem: describeFailure(outcome),
      holds: "nothing open needs: no manifest in force names it (a superseded object, or one of an unfinished checkpoint or merge)",
      repair: "moved to quarantine",
    });
    ctx.quarantine(object.name);
  }
}

async function checkLeftovers(scope: CollectionScope, base: CollectionBase): Promise<void> {
  const { layout, index } = scope;
  const segmentIds = new Set(base.segmentIds);
  await checkUnnamed(scope, layout.snapshotDir, SNAPSHOT_EXT, (seq) => seq === base.snapshot, (bytes) => decodeSnapshot(bytes, index.dimension));
  await checkUnnamed(scope, layout.deletesDir, DELETES_EXT, (seq) => seq === base.deletes, decodeDeletions);
  await checkUnnamed(scope, layout.segmentDir, SEGMENT_EXT, (id) => segmentIds.has(id), (bytes) => decodeSegment(bytes, index.dimension));
}

export async function checkCollection(ctx: FsckContext, index: IndexRecord): Promise<CollectionCheck> {
  const scope: CollectionScope = { ctx, layout: new CollectionLayout(index.id), index, label: indexLabel(index) };
  const highest = await highestNumber(scope);
  const base = await checkBase(scope);
  if (base === COLLECTION_LOST) return { scope, base: undefined, wal: undefined, highestNumber: highest };
  const wal = await checkWal(scope, base.walFrom);
  await checkLeftovers(scope, base);
  return { scope, base, wal, highestNumber: highest };
}

/** Repair must write a fresh checkpoint: the base was rebuilt or lost something, or the WAL did. */
export function needsCheckpoint(check: CollectionCheck): boolean {
  return check.base !== undefined && (check.base.changed || check.wal?.damaged === true);
}

/**
 * Drops the decoded rows of a collection that repair will not rewrite, so a check holds at most the
 * segments of the collections it must checkpoint, not those of the whole directory.
 */
export function releaseUnneeded(check: CollectionCheck): void {
  if (needsCheckpoint(check)) return;
  if (check.base) check.base.segments = [];
  if (check.wal) check.wal.records = [];
}
