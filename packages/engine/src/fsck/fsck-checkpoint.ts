// Repair's last step for a collection: a fresh checkpoint of what survived, written the way
// Checkpointer.commit writes one (snapshot N, deletion object N, then manifest N), numbered above
// every checkpoint number present so normal recovery takes it and treats the rest as superseded.
// Its walFrom is where the readable WAL ended: the objects before it are folded into the snapshot
// and segments, and new writes take the numbers of the objects moved to quarantine.
import { CollectionState } from "../state/collection-state.ts";
import { encodeDeletions } from "../format/deletion-format.ts";
import type { CollectionCheck } from "./fsck-collection.ts";
import { encodeManifest } from "../format/manifest.ts";
import { Segment } from "../search/segment.ts";
import { encodeSnapshot } from "../format/snapshot-format.ts";
import { invariant } from "../base/invariant.ts";

function repairedState(scope: CollectionCheck["scope"], base: NonNullable<CollectionCheck["base"]>, wal: NonNullable<CollectionCheck["wal"]>): CollectionState {
  const state = new CollectionState(scope.index, base.memtable);
  for (const { id, contents, deleted } of base.segments) state.addSegment(Segment.stored(id, contents, deleted, scope.index.nonFilterableMetadataKeys));
  for (const record of wal.records) state.apply(record);
  if (wal.carriedDeletes.length > 0) state.apply({ type: "delete", keys: wal.carriedDeletes });
  return state;
}

/** Writes the checkpoint; returns the names written. */
export async function writeFreshCheckpoint(check: CollectionCheck): Promise<string[]> {
  const { scope, base, wal } = check;
  invariant(base !== undefined && wal !== undefined, "a fresh checkpoint is written only for a collection that was not lost", {
    index: scope.label, base: base !== undefined, wal: wal !== undefined,
  });
  const state = repairedState(scope, base, wal);
  const seq = check.highestNumber + 1;
  const walFrom = wal.resumeAt;
  const { layout } = scope;
  const objects: [string, Uint8Array][] = [[layout.snapshotName(seq), encodeSnapshot(state.memtable.capture(), walFrom)]];
  const segments = state.segments;
  if (segments.length > 0) {
    objects.push([layout.deletesName(seq), encodeDeletions(segments.map((segment) => ({ segmentId: segment.id, deleted: segment.deleted })))]);
  }
  const manifest = {
    seq, snapshot: seq, walFrom, count: state.count, segments: segments.map((segment) => segment.id), deletes: segments.length > 0 ? seq : 0,
  };
  objects.push([layout.manifestName(seq), encodeManifest(manifest)]);
  for (const [name, bytes] of objects) {
    if (!(await scope.ctx.store.createIfAbsent(name, bytes))) throw new Error(`${name} exists already: is another process writing this directory?`);
  }
  return objects.map(([name]) => name);
}
