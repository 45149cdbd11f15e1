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

  /**
   * `shared`: the store is many nodes' (docs/scale-out.md), perhaps with nodes serving from it while
   * the check runs: the manifest in force is the newest committed one, and an object listed a moment
   * ago may be pruned by a live writer before it is read.
   */
  constructor(readonly store: BlobStore, readonly shared = false) {}

  /** A context for one more look at part of the store, adopted only if its findings are kept. */
  fork(): FsckContext {
    return new FsckContext(this.store, this.shared);
  }

  /** Takes over what `child` read and found. */
  adopt(child: FsckContext): void {
    for (const name of child.read) this.read.add(name);
    this.problems.push(...child.problems);
    for (const name of child.toQuarantine) this.toQuarantine.add(name);
  }

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

/**
 * On a shared store, an object that was listed and is gone when read was pruned meanwhile by a live
 * writer (a newer checkpoint superseded it). Objects checked only because they exist (older catalogs
 * and manifests, leftovers) are then no problem; what a manifest in force names is judged by its own
 * check. (Under a data directory's lock nothing removes objects, so there it stays a finding.)
 */
export const goneSinceListed = (ctx: FsckContext, outcome: ReadOutcome<unknown>): boolean => ctx.shared && outcome.status === "missing";

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
