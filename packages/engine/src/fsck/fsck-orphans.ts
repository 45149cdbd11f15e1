// Index storage under indexes/ that the catalog in force does not know. With an intact catalog it is
// the data of a deleted index whose removal was interrupted, which open deletes; after a catalog
// rollback (or with no catalog at all) it may be the data of an index created by a lost change.
// fsck cannot tell the two apart, so repair moves it to quarantine either way instead of deleting it.
import { INDEXES_DIR, storageIdOf } from "../storage/collection-layout.ts";
import type { FsckContext } from "./fsck-context.ts";

/** `knownIds`: the storage ids of the indexes the catalog knows. */
export async function checkOrphans(ctx: FsckContext, knownIds: readonly string[], catalogTrusted: boolean): Promise<void> {
  const known = new Set(knownIds);
  const objects = new Map<string, number>();
  for (const name of await ctx.store.list(`${INDEXES_DIR}/`)) {
    const id = storageIdOf(name);
    if (id !== undefined && !known.has(id)) objects.set(id, (objects.get(id) ?? 0) + 1);
  }
  for (const [id, count] of objects) {
    ctx.report({
      object: `${INDEXES_DIR}/${id}/`, severity: catalogTrusted ? "harmless" : "damage",
      problem: "index storage the catalog does not know",
      holds: catalogTrusted
        ? `${count} object(s) of an index deleted from the catalog whose data removal was interrupted (open would delete them)`
        : `${count} object(s) of an index the lost catalog change(s) may have created: its rows are no longer reachable`,
      repair: "moved to quarantine (not deleted)",
    });
    ctx.quarantine(`${INDEXES_DIR}/${id}/`);
  }
}
