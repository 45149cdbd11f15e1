// The background work that finishes opening segments opened mapped without reading them whole
// (search/segment-file.ts). First each is placed: one that belongs in memory (floats or codes, as the
// budget allows: vector-placement.ts placementAfterOpening) is read whole and moved there, which
// checks its body too. Then the body of each one left mapped is read through once and must match its
// checksum: until it has been, a bit flipped in a vector would go unnoticed. A mismatch fails the
// task, reported as any background failure is (describe, the failure hook, a line on stderr) and
// naming the damaged objects, but not retried: the bytes would still be damaged. `ossv admin fsck`
// says what they hold.
import { CorruptionError } from "../base/errors.ts";
import { verifySegmentBody } from "../search/segment-file.ts";
import { placeOpenedSegment } from "../search/segment-placement.ts";
import type { Segment } from "../search/segment.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";

/** Appended to the failure: what an operator does about it. */
const FSCK_HINT = "; `ossv admin fsck --data-dir DIR` lists every damaged object and what it holds, and with --repair moves them aside";

/** Whether some segment still waits to be placed or for its body to be verified. */
export function verificationDue(context: MaintenanceContext): boolean {
  return context.collection.segments.some((segment) => segment.unverified || segment.placeLater);
}

/** Runs `step` on each segment still in the collection, collecting the damage it finds. */
async function eachSegment(context: MaintenanceContext, step: (segment: Segment, name: string) => Promise<void>): Promise<CorruptionError[]> {
  const damaged: CorruptionError[] = [];
  for (const segment of [...context.collection.segments]) {
    if (segment.retired) continue;
    try {
      await step(segment, context.layout.segmentName(segment.id));
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error; // a failed read: tried again later
      damaged.push(error);
      // Reported once: neither placed nor verified again.
      segment.unverified = false;
      segment.placeLater = false;
    }
  }
  return damaged;
}

/**
 * Places every segment still to be placed, then verifies every unverified one, each once. Throws the
 * damage found, all of it in one CorruptionError when several segments are damaged, after checking
 * the rest.
 */
export async function verifySegments(context: MaintenanceContext): Promise<void> {
  const { store, collection } = context;
  const index = collection.index;
  const damaged = await eachSegment(context, async (segment, name) => {
    if (!segment.placeLater) return;
    const readWhole = await placeOpenedSegment(store, name, index, segment);
    segment.placeLater = false;
    if (readWhole) segment.unverified = false;
  });
  damaged.push(...await eachSegment(context, async (segment, name) => {
    if (!segment.unverified) return;
    await verifySegmentBody(store, name, index.dimension, context.signal);
    segment.unverified = false;
  }));
  if (damaged.length === 0) return;
  const [first, ...more] = damaged as [CorruptionError, ...CorruptionError[]];
  throw new CorruptionError(first.objectName, [first.problem, ...more.map((error) => error.message)].join("; ") + FSCK_HINT);
}
