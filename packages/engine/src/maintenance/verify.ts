// The background check of segments opened from their files without reading them whole
// (search/segment-file.ts): each one's body is read through once and must match its checksum. Until
// it has been, a bit flipped in a vector would go unnoticed; a mismatch fails the task, which the
// retry gate reports as any background failure (describe, the failure hook, a line on stderr) and
// tries again later, naming the damaged object each time. `ossv admin fsck` says what it holds.
import { CorruptionError } from "../base/errors.ts";
import { verifySegmentBody } from "../search/segment-file.ts";
import type { MaintenanceContext } from "./maintenance-context.ts";

/** Appended to the failure: what an operator does about it. */
const FSCK_HINT = "; `ossv admin fsck --data-dir DIR` lists every damaged object and what it holds, and with --repair moves them aside";

/** Whether some segment still waits for its body to be verified. */
export function verificationDue(context: MaintenanceContext): boolean {
  return context.collection.segments.some((segment) => segment.unverified);
}

/** Verifies every unverified segment, one after another; throws at the first damaged one. */
export async function verifySegments(context: MaintenanceContext): Promise<void> {
  const dimension = context.collection.index.dimension;
  for (const segment of [...context.collection.segments]) {
    if (!segment.unverified || segment.retired) continue;
    try {
      await verifySegmentBody(context.store, context.layout.segmentName(segment.id), dimension, context.signal);
    } catch (error) {
      if (error instanceof CorruptionError) error.message += FSCK_HINT;
      throw error;
    }
    segment.unverified = false;
  }
}
