// fsck of the segments a manifest names and of their deletion object. A segment that does not decode
// (or whose graph hnswlib cannot load) is dropped with its live rows. A deletion object that does not
// decode drops every segment it covers: without their bitmaps, rows deleted or overwritten since the
// segments were written would come back, and a revived deleted vector is worse than a lost one.
import type { SegmentDeletions } from "../format/deletion-format.ts";
import { decodeDeletions } from "../format/deletion-format.ts";
import { describeFailure, type CollectionScope } from "./fsck-context.ts";
import { HnswGraph } from "../search/hnsw-graph.ts";
import type { Manifest } from "../format/manifest.ts";
import { decodeSegment, type SegmentContents } from "../format/segment-format.ts";

export interface SalvagedSegment {
  id: number;
  contents: SegmentContents;
  /** One byte per row, 1 = deleted, from the deletion object in force. */
  deleted: Uint8Array;
}

export interface SegmentsCheck {
  kept: SalvagedSegment[];
  /** Live rows of all named segments per the deletion object, undefined when it is unreadable. */
  liveInForce: number | undefined;
  /** Something was dropped: repair must write a fresh checkpoint. */
  changed: boolean;
}

const liveRows = (deleted: Uint8Array): number => deleted.reduce((live, bit) => live + (bit === 1 ? 0 : 1), 0);

/**
 * Decodes a segment, checks its bitmap fits, and loads its graph, as open does; and, which open leaves
 * until a row is read, that every key is UTF-8 and every metadata JSON.
 */
async function readSegment(scope: CollectionScope, id: number, deleted: Uint8Array | undefined) {
  const { dimension, distanceMetric } = scope.index;
  return scope.ctx.readObject(scope.layout.segmentName(id), async (bytes) => {
    const contents = decodeSegment(bytes, dimension);
    contents.records.verify();
    if (deleted?.length !== contents.records.rows) throw new Error("its deletion bitmap is missing or of the wrong length");
    await HnswGraph.load({ bytes: contents.graph, searchEf: contents.searchEf }, distanceMetric, dimension, contents.records.rows, contents.data);
    return contents;
  });
}

/** Rows of the segments a lost deletion object covered, read only for the report (they are dropped). */
async function rowsOf(scope: CollectionScope, ids: number[]): Promise<number> {
  let rows = 0;
  for (const id of ids) {
    const outcome = await scope.ctx.readObject(scope.layout.segmentName(id), (bytes) => decodeSegment(bytes, scope.index.dimension));
    if (outcome.status === "ok") rows += outcome.value.records.rows;
  }
  return rows;
}

async function reportDeletionLoss(scope: CollectionScope, manifest: Manifest, failure: string, snapshotRows: number | undefined): Promise<void> {
  const { layout, label, ctx } = scope;
  const live = snapshotRows === undefined ? undefined : manifest.count - snapshotRows;
  const ids = manifest.segments.join(", ");
  const rows = await rowsOf(scope, manifest.segments);
  ctx.report({
    object: layout.deletesName(manifest.deletes), index: label, severity: "damage", problem: failure,
    holds: `the deletion bitmaps of segments ${ids} (${rows} rows); without them rows deleted or overwritten since those `
      + `segments were written would come back, so repair drops the segments (${live ?? "an unknown number of"} live rows)`,
    ...(live !== undefined && { lost: { rows: live } }),
    repair: `moved to quarantine with segments ${ids}; their live rows are lost`,
  });
  ctx.quarantine(layout.deletesName(manifest.deletes), ...manifest.segments.map((id) => layout.segmentName(id)));
}

export async function checkSegments(scope: CollectionScope, manifest: Manifest, snapshotRows: number | undefined): Promise<SegmentsCheck> {
  if (manifest.segments.length === 0) return { kept: [], liveInForce: 0, changed: false };
  const deletions = await scope.ctx.readObject(scope.layout.deletesName(manifest.deletes), decodeDeletions);
  if (deletions.status !== "ok") {
    await reportDeletionLoss(scope, manifest, describeFailure(deletions), snapshotRows);
    return { kept: [], liveInForce: undefined, changed: true };
  }
  const bitmaps = new Map(deletions.value.map((entry: SegmentDeletions) => [entry.segmentId, entry.deleted]));
  const kept: SalvagedSegment[] = [];
  let liveInForce = 0;
  for (const id of manifest.segments) {
    const deleted = bitmaps.get(id);
    const live = deleted ? liveRows(deleted) : undefined;
    liveInForce += live ?? 0;
    const outcome = await readSegment(scope, id, deleted);
    if (outcome.status === "ok" && deleted) {
      kept.push({ id, contents: outcome.value, deleted });
      continue;
    }
    const failure = outcome.status === "ok" ? "its deletion object has no bitmap for it" : describeFailure(outcome);
    const counted = deleted ? `${deleted.length} rows, ${live} live` : "rows unknown";
    scope.ctx.report({
      object: scope.layout.segmentName(id), index: scope.label, severity: "damage", problem: failure,
      holds: `segment ${id}: ${counted}`, ...(live !== undefined && { lost: { rows: live } }),
      repair: "moved to quarantine; its live rows are lost",
    });
    scope.ctx.quarantine(scope.layout.segmentName(id));
  }
  return { kept, liveInForce, changed: kept.length !== manifest.segments.length };
}
