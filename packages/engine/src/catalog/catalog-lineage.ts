// The lineage of catalog objects (docs/scale-out.md#the-catalog). On a shared store a node that
// created catalog object N must learn whether N is in the chain every node builds on: other nodes
// may have committed on top of it before it looked again (it landed), or it may have been far behind
// and created a number that was taken and pruned since (it did not). Numbers cannot tell these
// apart; each object therefore carries a random commit id and the ids of the objects below it, so
// the newest object says which N it was built on.
import { randomBytes } from "node:crypto";
import type { CatalogLineage } from "./catalog-codec.ts";

/**
 * How many ancestors an object names. A node only needs to find its own object among them when at
 * most this many changes landed on top of it between its create and its next look at the store.
 */
export const CATALOG_ANCESTORS = 32;

export function newCommitId(): string {
  return randomBytes(8).toString("hex");
}

/** The lineage of a new object built on `parent`; a parent without a commit id ends the chain. */
export function childLineage(parent: CatalogLineage): Required<CatalogLineage> {
  const ancestors = parent.commit === undefined ? [] : [parent.commit, ...(parent.ancestors ?? [])];
  return { commit: newCommitId(), ancestors: ancestors.slice(0, CATALOG_ANCESTORS) };
}

/**
 * Whether `newest` (numbered `newestSeq`) was built on the object numbered `seq` with id `commit`;
 * undefined when its lineage does not reach back that far.
 */
export function builtOn(newest: CatalogLineage, newestSeq: number, seq: number, commit: string): boolean | undefined {
  const ancestors = newest.ancestors ?? [];
  const depth = newestSeq - 1 - seq;
  return depth >= 0 && depth < ancestors.length ? ancestors[depth] === commit : undefined;
}
