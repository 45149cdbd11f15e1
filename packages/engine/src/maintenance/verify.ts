// The background check of segments opened from their files without reading them whole
// (search/segment-file.ts): each one's body is read through once and must match its checksum. Until
// it has been, a bit flipped in a vector would go unnoticed. A mismatch fails the task, reported as
// any background failure is (describe, the failure hook, a line on stderr) and naming the damaged
// objects, but not retried: the bytes would still be damaged. `ossv admin fsck` says what they hold.
import { CorruptionError } from "../base/errors.ts";
import { verifySegmentBody } from "../search/segment-file.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";

/** Appended to the failure: what an operator does about it. */
const FSCK_HINT = "; `ossv admin fsck --data-dir DIR` lists every damaged object and what it holds, and with --repair moves them aside";

/** Whether some segment still waits for its body to be verified. */
export function verificationDue(context: MaintenanceContext): boolean {
  return context.collection.segments.some((segment) => segment.unverified);
}

/**
 * Verifies every unverified segment, one after another, each once. Throws the damage found, all of
 * it in one CorruptionError when several segments are damaged, after checking the rest.
 */
export async function verifySegments(context: MaintenanceContext): Promise<void> {
  const dimension = context.collection.index.dimension;
  const damaged: CorruptionError[] = [];
  for (const segment of [...context.collection.segments]) {
    if (!segment.unverified || segment.retired) continue;
    try {
      await verifySegmentBody(context.store, context.layout.segmentName(segment.id), dimension, context.signal);
    } catch (error) {
      if (!(error instanceof CorruptionError)) throw error; // a failed read: tried again later
      damaged.push(error);
    }
    segment.unverified = false;
  }
  if (damaged.length === 0) return;
  const [first, ...more] = damaged as [CorruptionError, ...CorruptionError[]];
  throw new CorruptionError(first.objectName, [first.problem, ...more.map((error) => error.message)].join("; ") + FSCK_HINT);
}
