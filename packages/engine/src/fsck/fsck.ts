// `ossv admin fsck`: reads and decodes every object of a data directory, offline (it takes the
// directory lock, so it refuses while a server runs), and reports each damaged object with the
// acknowledged data it holds. With repair, it writes what makes the directory open again (a revoked
// catalog after a rollback, a fresh checkpoint per damaged collection) and then moves everything it
// could not use into quarantine/. It never deletes; what open later deletes is garbage it always did.
// fsckSharedStore does the same on a store many nodes share (fsck-shared.ts says what differs).
import { stat } from "node:fs/promises";
import type { CatalogDocument } from "../catalog/catalog-codec.ts";
import { checkCatalog, writeRevokedCatalog, type CatalogCheck } from "./fsck-catalog.ts";
import { acquireDirLock } from "../storage/dir-lock.ts";
import { checkCollection, needsCheckpoint, releaseUnneeded, type CollectionCheck } from "./fsck-collection.ts";
import { describeFailure, FsckContext } from "./fsck-context.ts";
import { decodeFormatGeneration, listGenerationMarkers, refuseNewerGeneration, SHARED_GENERATION } from "../storage/format-generation.ts";
import { NEWER_FORMAT_HINT, NewerFormatError } from "../base/errors.ts";
import { writeFreshCheckpoint } from "./fsck-checkpoint.ts";
import { checkOrphans } from "./fsck-orphans.ts";
import type { FsckReport } from "./fsck-report.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { moveToQuarantine, moveToStoreQuarantine } from "./quarantine.ts";
import {
  checkNewestLease, checkSharedCollection, currentIndexIds, liveNodes, liveNodesMessage, writeLeaseAbove, type DamagedLease,
} from "./fsck-shared.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import type { AccessKeyRecord } from "../base/types.ts";

export interface FsckOptions {
  repair?: boolean;
  /** Names the quarantine run directory (tests pass a fixed one). */
  now?: Date;
}

export interface SharedFsckOptions extends FsckOptions {
  /** How the report names the store (`s3://bucket/prefix at URL`). */
  location: string;
  /** Repair: a node whose heartbeat does not change for this long is dead (the nodes' own bound). */
  deadAfterMs: number;
}

/** What differs between a data directory and a shared store. */
interface Where {
  store: BlobStore;
  shared: boolean;
  report: Pick<FsckReport, "dataDir" | "store">;
  quarantine(names: Iterable<string>, now: Date): Promise<{ dir: string; moved: string[] }>;
}

export interface FsckResult {
  report: FsckReport;
  /** The access keys of the catalog open will use (after repair), for checks the server owns. */
  accessKeys: AccessKeyRecord[];
}

interface Findings {
  ctx: FsckContext;
  catalog: CatalogCheck;
  collections: CollectionCheck[];
  /** Shared stores: indexes whose newest lease does not decode. */
  leases: DamagedLease[];
}

/**
 * The format generation marker, first: a directory a newer ossv wrote stops the run (this build cannot
 * tell its objects from damage), and repair must not touch any of it. A damaged marker of a known
 * generation holds nothing; it is moved aside and the next open writes a new one.
 */
async function checkFormatGeneration(ctx: FsckContext): Promise<void> {
  const markers = await listGenerationMarkers(ctx.store);
  refuseNewerGeneration(markers, ctx.shared ? SHARED_GENERATION : undefined);
  for (const marker of markers) {
    const outcome = await ctx.readObject(marker.name, (bytes) => decodeFormatGeneration(bytes, marker.seq));
    if (outcome.status !== "damaged") continue;
    ctx.report({
      object: marker.name, severity: "harmless", problem: describeFailure(outcome),
      holds: `nothing but the format generation (${marker.seq}), which this build knows`,
      repair: "moved to quarantine; the next open writes a new marker",
    });
    ctx.quarantine(marker.name);
  }
}

async function checkAll(ctx: FsckContext): Promise<Findings> {
  await checkFormatGeneration(ctx);
  const catalog = await checkCatalog(ctx);
  const indexes = catalog.document?.indexes ?? [];
  const collections: CollectionCheck[] = [];
  const leases: DamagedLease[] = [];
  for (const index of indexes) {
    const check = ctx.shared ? await checkSharedCollection(ctx, index) : await checkCollection(ctx, index);
    releaseUnneeded(check);
    collections.push(check);
    const lease = ctx.shared ? await checkNewestLease(ctx, index) : undefined;
    if (lease) leases.push(lease);
  }
  // On a shared store, indexes created since the catalog was read have storage too.
  const known = ctx.shared ? [...indexes.map((index) => index.id), ...await currentIndexIds(ctx.store)] : indexes.map((index) => index.id);
  await checkOrphans(ctx, known, catalog.document !== undefined && !catalog.rolledBack);
  return { ctx, catalog, collections, leases };
}

/** Writes first, then moves: a run cut short leaves the damaged objects where fsck finds them again. */
async function repair(where: Where, findings: Findings, now: Date): Promise<Pick<FsckReport, "quarantine" | "moved" | "written">> {
  const written: string[] = [];
  const catalogName = await writeRevokedCatalog(findings.ctx, findings.catalog);
  if (catalogName) written.push(catalogName);
  for (const check of findings.collections) if (needsCheckpoint(check)) written.push(...(await writeFreshCheckpoint(check)));
  for (const lease of findings.leases) written.push(await writeLeaseAbove(findings.ctx.store, lease));
  const { dir, moved } = await where.quarantine(findings.ctx.toQuarantine, now);
  return { quarantine: dir, moved, written };
}

function operatorActions(findings: Findings, repaired: boolean): string[] {
  const actions: string[] = [];
  if (findings.ctx.problems.length > 0 && !repaired) {
    actions.push(findings.ctx.shared
      ? "stop every `ossv serve` on the store, then run `ossv admin fsck --store s3://BUCKET/PREFIX ... --repair` to move the "
        + "damaged objects to quarantine/ in the store and make it open again; it loses exactly what the problems' `holds` list"
      : "run `ossv admin fsck --data-dir DIR --repair` to move the damaged objects to quarantine/ and make the directory "
        + "open again; it loses exactly what the problems' `holds` list");
  }
  if (findings.catalog.rolledBack && findings.catalog.document) {
    actions.push("the catalog was rolled back with every access key disabled and every bucket policy removed: run "
      + "`ossv admin root-key reset --data-dir DIR`, then re-enable the keys you trust (`ossv admin key enable KEYID`) and put "
      + "back the bucket policies you still want");
  }
  return actions;
}

export async function fsck(dataDir: string, options: FsckOptions = {}): Promise<FsckResult> {
  if (!(await stat(dataDir).then((info) => info.isDirectory(), () => false))) throw new Error(`${dataDir} is not a directory`);
  const lock = await acquireDirLock(dataDir);
  try {
    return await run({
      store: new LocalBlobStore(dataDir), shared: false, report: { dataDir },
      quarantine: (names, now) => moveToQuarantine(dataDir, names, now),
    }, options);
  } finally {
    await lock.release();
  }
}

/**
 * fsck of a shared store (fsck-shared.ts). A check only reads. Repair is refused (an Error saying
 * why) while any node beats; it is the operator's to keep nodes from starting while it runs.
 */
export async function fsckSharedStore(store: BlobStore, options: SharedFsckOptions): Promise<FsckResult> {
  const where: Where = {
    store, shared: true, report: { store: options.location },
    quarantine: (names, now) => moveToStoreQuarantine(store, names, now),
  };
  if (options.repair) {
    const live = await liveNodes(store, options.deadAfterMs);
    if (live.length > 0) throw new Error(liveNodesMessage(live));
  }
  return run(where, options);
}

async function run(where: Where, options: FsckOptions): Promise<FsckResult> {
  const ctx = new FsckContext(where.store, where.shared);
  const findings = await checkAll(ctx).catch((error: unknown) => {
    // Found before repair ran: nothing was changed.
    if (error instanceof NewerFormatError) error.message += NEWER_FORMAT_HINT;
    throw error;
  });
  const repairing = options.repair === true && ctx.problems.length > 0;
  const repaired = repairing ? await repair(where, findings, options.now ?? new Date()) : {};
  const report: FsckReport = {
    ...where.report, mode: options.repair ? "repair" : "check", objectsChecked: ctx.objectsChecked,
    clean: ctx.problems.length === 0, repaired: repairing, problems: ctx.problems, ...repaired,
    operatorActions: operatorActions(findings, repairing),
  };
  return { report, accessKeys: accessKeysInForce(findings.catalog, repairing) };
}

function accessKeysInForce(catalog: CatalogCheck, repaired: boolean): AccessKeyRecord[] {
  const document: CatalogDocument | undefined = catalog.document;
  if (!document) return [];
  return repaired && catalog.rolledBack ? document.accessKeys.filter((key) => key.securityToken === undefined) : document.accessKeys;
}
