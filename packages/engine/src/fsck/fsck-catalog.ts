// fsck of the catalog objects. Open reads only the newest; when it is damaged, the newest readable
// older one is the best state left, but taking it as it is would undo the changes made since, and
// some of those revoke access (a deleted key, a disabled key, a removed policy statement). Repair
// therefore takes it only with all access revoked: every key disabled, temporary credentials
// dropped, bucket policies removed (they can grant access without any key). The operator then
// installs a new root key and re-enables the keys they trust.
import { decodeCatalog, encodeCatalog, type CatalogDocument } from "../catalog/catalog-codec.ts";
import { CATALOG_DIR, CATALOG_EXT } from "../catalog/catalog.ts";
import { newCommitId } from "../catalog/catalog-lineage.ts";
import { describeFailure, goneSinceListed, type FsckContext, type ReadOutcome } from "./fsck-context.ts";
import { listNumbered, numberedName, type NumberedObject } from "../storage/numbered-objects.ts";

export interface CatalogCheck {
  /** The catalog open uses (after repair, when rolledBack); undefined when none is readable. */
  document: CatalogDocument | undefined;
  /** The newest object is damaged or gone: repair must write a revoked copy of `document`. */
  rolledBack: boolean;
  /** The highest catalog number present, readable or not. */
  highestSeq: number;
}

interface ReadCatalog {
  object: NumberedObject;
  outcome: ReadOutcome<CatalogDocument>;
}

async function readAll(ctx: FsckContext): Promise<ReadCatalog[]> {
  const read: ReadCatalog[] = [];
  for (const object of await listNumbered(ctx.store, CATALOG_DIR, CATALOG_EXT)) {
    read.push({ object, outcome: await ctx.readObject(object.name, (bytes) => decodeCatalog(bytes, object.seq)) });
  }
  return read;
}

/** What the revocation of a rolled-back catalog takes away, counted on `document`. */
function revocationSummary(document: CatalogDocument): string {
  const keys = document.accessKeys.filter((key) => key.securityToken === undefined).length;
  const temporary = document.accessKeys.length - keys;
  const policies = document.buckets.filter((bucket) => bucket.policy !== undefined).length;
  return `${keys} access key(s) disabled (root included), ${temporary} temporary credential(s) dropped, `
    + `${policies} bucket policy(ies) removed`;
}

function reportRollback(ctx: FsckContext, damaged: ReadCatalog[], chosen: CatalogDocument | undefined): void {
  const taken = chosen
    ? `catalog ${chosen.seq} (the newest readable) is taken instead with ${revocationSummary(chosen)}, since a lost change may `
      + "have deleted a key or removed a policy statement that an older catalog would bring back; indexes created by "
      + "the lost changes go to quarantine, indexes deleted by them come back"
    : "no readable catalog is left: the directory opens as a new one, every index's storage goes to quarantine";
  for (const { object, outcome } of damaged) {
    if (outcome.status === "ok") continue;
    ctx.report({
      object: object.name, severity: "damage", problem: describeFailure(outcome),
      holds: `every catalog change committed after catalog ${chosen?.seq ?? 0} (accounts, access keys, users, policies, `
        + "buckets, indexes), now unknown",
      repair: `moved to quarantine; ${taken}`,
    });
    ctx.quarantine(object.name);
  }
}

export async function checkCatalog(ctx: FsckContext): Promise<CatalogCheck> {
  const read = await readAll(ctx);
  const highestSeq = read.at(-1)?.object.seq ?? 0;
  const newestOk = read.findLastIndex((entry) => entry.outcome.status === "ok");
  const newest = read[newestOk]?.outcome; // read[-1] is undefined: no readable catalog
  const chosen = newest?.status === "ok" ? newest.value : undefined;
  for (const { object, outcome } of read.slice(0, Math.max(0, newestOk))) {
    if (outcome.status === "ok" || goneSinceListed(ctx, outcome)) continue;
    ctx.report({
      object: object.name, severity: "harmless", problem: describeFailure(outcome),
      holds: `nothing open needs: catalog ${chosen?.seq} is newer and readable`, repair: "moved to quarantine",
    });
    ctx.quarantine(object.name);
  }
  const rolledBack = newestOk !== read.length - 1;
  if (rolledBack) reportRollback(ctx, read.slice(newestOk + 1), chosen);
  return { document: chosen, rolledBack, highestSeq };
}

/** The rolled-back catalog with all access revoked (see the file comment). */
function revokedCopy(document: CatalogDocument, seq: number): CatalogDocument {
  const copy = structuredClone(document);
  copy.seq = seq;
  // A new object, not built on the one below its number: its own commit id, and no ancestors.
  copy.commit = newCommitId();
  delete copy.ancestors;
  copy.accessKeys = copy.accessKeys.filter((key) => key.securityToken === undefined).map((key) => ({ ...key, status: "disabled" as const }));
  for (const bucket of copy.buckets) delete bucket.policy;
  return copy;
}

/** Repair: writes the revoked catalog above every number present; returns its name. */
export async function writeRevokedCatalog(ctx: FsckContext, check: CatalogCheck): Promise<string | undefined> {
  if (!check.rolledBack || check.document === undefined) return undefined;
  const seq = check.highestSeq + 1;
  const name = numberedName(CATALOG_DIR, seq, CATALOG_EXT);
  if (!(await ctx.store.createIfAbsent(name, encodeCatalog(revokedCopy(check.document, seq))))) {
    throw new Error(`${name} exists already: is another process writing this directory?`);
  }
  return name;
}
