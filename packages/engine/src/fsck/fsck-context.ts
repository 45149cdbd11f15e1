// The state one fsck run shares between its checks: the store, how many objects were read, the
// problems found, and what repair is to move aside. Reading goes through readObject, which turns
// every way an object can fail (absent, cut, flipped, not ours) into an outcome instead of a throw.
import type { BlobStore } from "../storage/blob-store.ts";
import { NewerFormatError } from "../base/errors.ts";
import type { CollectionLayout } from "../storage/collection-layout.ts";
import type { FsckProblem } from "./fsck-report.ts";
import type { IndexRecord } from "../base/types.ts";

export type ReadOutcome<T> =
  | { status: "ok"; value: T }
  | { status: "missing" }
  | { status: "damaged"; reason: string };

export class FsckContext {
  /** Names read so far (a rebuild may read an object twice; it is counted once). */
  private readonly read = new Set<string>();
  readonly problems: FsckProblem[] = [];
  /** Object names (or directory names ending in "/") that repair moves into quarantine. */
  readonly toQuarantine = new Set<string>();

  constructor(readonly store: BlobStore) {}

  /**
   * Reads and decodes one object. Any error of the decoder counts as damage: checksums make a
   * DecodeError the usual case, but a value that passes them and still does not parse (metadata
   * JSON, a graph hnswlib rejects) is just as unusable. Except an object a newer ossv wrote: that
   * is not damage, and this build cannot judge the rest of the directory, so the whole run stops
   * (before repair has changed anything) with a NewerFormatError naming it.
   */
  async readObject<T>(name: string, decode: (bytes: Uint8Array) => T | Promise<T>): Promise<ReadOutcome<T>> {
    const bytes = await this.store.get(name);
    if (bytes === undefined) return { status: "missing" };
    this.read.add(name);
    try {
      return { status: "ok", value: await decode(bytes) };
    } catch (error) {
      if (error instanceof NewerFormatError) throw error.of(name);
      return { status: "damaged", reason: error instanceof Error ? error.message : String(error) };
    }
  }

  get objectsChecked(): number {
    return this.read.size;
  }

  report(problem: FsckProblem): void {
    this.problems.push(problem);
  }

  quarantine(...names: string[]): void {
    for (const name of names) this.toQuarantine.add(name);
  }
}

/** "unreadable (reason)", "missing" (or "readable"), for a problem's text. */
export function describeFailure(outcome: ReadOutcome<unknown>): string {
  if (outcome.status === "ok") return "readable";
  return outcome.status === "missing" ? "missing" : `unreadable (${outcome.reason})`;
}

/** One catalogued index being checked: where its objects are and how to name it in a report. */
export interface CollectionScope {
  ctx: FsckContext;
  layout: CollectionLayout;
  index: IndexRecord;
  /** "bucket/index", for the report. */
  label: string;
}
