// Backups of a running engine's data directory, and restoring one (docs/storage-format.md#backup-and-restore).
// The engine names the objects of one consistent moment and holds them against pruning
// (storage/holding-store.ts); this file copies them into the backup directory, then writes
// BACKUP.json last: a backup without it is unfinished and is never restored. The backup directory
// has the data directory's layout without a LOCK, so a server can also be started on it (or on a
// copy of it) directly.
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { readWholeFile } from "./read-whole.ts";
import { dirname, join } from "node:path";
import type { BlobStore } from "./blob-store.ts";
import { copyObjects, fsyncPath, linkOrCopy, writeNewFile, type CopyResult } from "./object-copy.ts";
import { EngineError, type BackupOptions, type BackupSummary } from "../base/types.ts";

export const BACKUP_FILE = "BACKUP.json";

interface BackupRecord {
  format: "ossv-backup";
  version: 1;
  createdAt: string;
  catalog: string | undefined;
  indexes: number;
  /** Every file of the backup besides BACKUP.json, as '/'-separated names. */
  files: string[];
  bytes: number;
  /** A backup of a shared store: restored into a store (restoreBackupToStore), never a data directory. */
  shared?: true;
}

/** DEST must be new or an empty directory: a backup never mixes with other files. */
async function prepareEmptyDir(dir: string, what: string): Promise<boolean> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dir, { recursive: true });
    await fsyncPath(dirname(dir));
    return true;
  }
  if (entries.length > 0) throw new EngineError("INVALID_ARGUMENT", `${what} ${dir} is not empty`);
  return false;
}

/**
 * Copies `names` (held against deletion by the caller) and `extraFiles` into `dest`, then writes
 * BACKUP.json. On failure, what was written is removed again.
 */
export async function writeBackup(
  store: BlobStore, names: readonly string[], dest: string, catalog: string | undefined, indexes: number, options: BackupOptions,
): Promise<BackupSummary> {
  return writeBackupWith(async (signal) => ({ names, catalog, indexes, result: await copyObjects(store, names, dest, signal) }), dest, options);
}

/** What a backup's copy step did: the objects it copied (BACKUP.json lists them) and their totals. */
export interface CopiedObjects {
  names: readonly string[];
  catalog: string | undefined;
  indexes: number;
  result: CopyResult;
  /** The backup is of a store many nodes share (a node of such a store restores it, not a data directory). */
  shared?: true;
}

/**
 * As writeBackup, with the objects chosen and copied into `dest` by `copy` (a shared store's backup
 * names them as it copies: cluster/shared-backup.ts).
 */
export async function writeBackupWith(
  copy: (signal: AbortSignal | undefined) => Promise<CopiedObjects>, dest: string, options: BackupOptions,
): Promise<BackupSummary> {
  const started = performance.now();
  const created = await prepareEmptyDir(dest, "backup destination");
  try {
    const { names, catalog, indexes, result: copied, shared } = await copy(options.signal);
    const extra = Object.entries(options.extraFiles ?? {});
    for (const [name, bytes] of extra) {
      await writeNewFile(join(dest, name), bytes);
      copied.bytes += bytes.length;
    }
    options.signal?.throwIfAborted();
    const createdAt = new Date().toISOString();
    const record: BackupRecord = {
      format: "ossv-backup", version: 1, createdAt, catalog, indexes,
      files: [...names, ...extra.map(([name]) => name)], bytes: copied.bytes, ...(shared && { shared }),
    };
    await writeNewFile(join(dest, BACKUP_FILE), `${JSON.stringify(record, null, 1)}\n`);
    await fsyncPath(dest);
    return { dest, createdAt, catalog, indexes, files: copied.files + extra.length, bytes: copied.bytes, linked: copied.linked, ms: performance.now() - started };
  } catch (error) {
    if (created) await rm(dest, { recursive: true, force: true });
    else for (const entry of await readdir(dest)) await rm(join(dest, entry), { recursive: true, force: true });
    throw error;
  }
}

async function readBackupRecord(from: string): Promise<BackupRecord> {
  let text: string;
  try {
    text = await readFile(join(from, BACKUP_FILE), "utf8");
  } catch {
    throw new EngineError("INVALID_ARGUMENT", `${from} holds no finished backup (${BACKUP_FILE} is missing)`);
  }
  const record = JSON.parse(text) as BackupRecord;
  if (record.format !== "ossv-backup" || record.version !== 1 || !Array.isArray(record.files)) {
    throw new EngineError("INVALID_ARGUMENT", `${join(from, BACKUP_FILE)} is not an ossv backup record`);
  }
  return record;
}

async function readCheckedRecord(from: string): Promise<BackupRecord> {
  const record = await readBackupRecord(from);
  for (const name of record.files) {
    if (name.split("/").some((part) => part === "" || part.startsWith("."))) {
      throw new EngineError("INVALID_ARGUMENT", `${BACKUP_FILE} lists an invalid name ${JSON.stringify(name)}`);
    }
  }
  return record;
}

export interface RestoreSummary {
  dataDir: string;
  createdAt: string;
  files: number;
  bytes: number;
  linked: number;
}

/**
 * Makes a new data directory from a finished backup: every file BACKUP.json lists, linked where
 * the file system allows (objects are never written in place, so sharing them is safe) and copied
 * otherwise, then fsynced. `dataDir` must be new or empty. The backup itself is not changed.
 */
export async function restoreBackup(from: string, dataDir: string): Promise<RestoreSummary> {
  const record = await readCheckedRecord(from);
  if (record.shared) {
    throw new EngineError("INVALID_ARGUMENT", `${from} is a backup of a shared object store, which a data directory cannot hold: `
      + "restore it into an empty store prefix with --store s3://BUCKET/PREFIX (docs/scale-out.md)");
  }
  const created = await prepareEmptyDir(dataDir, "data directory");
  try {
    let bytes = 0;
    let linked = 0;
    const dirs = new Set<string>();
    for (const name of record.files) {
      const target = join(dataDir, ...name.split("/"));
      for (let dir = dirname(target); dir.length > dataDir.length && !dirs.has(dir); dir = dirname(dir)) dirs.add(dir);
      await mkdir(dirname(target), { recursive: true });
      const source = join(from, ...name.split("/"));
      if (await linkOrCopy(source, target)) linked++;
      bytes += (await stat(source)).size;
    }
    for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await fsyncPath(dir);
    await fsyncPath(dataDir);
    return { dataDir, createdAt: record.createdAt, files: record.files.length, bytes, linked };
  } catch (error) {
    if (created) await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export interface StoreRestoreSummary {
  store: string;
  createdAt: string;
  /** Objects created in the store. */
  objects: number;
  bytes: number;
  /** Files of the backup that are no objects (master.key), for the caller to place: name to path in the backup. */
  files: Record<string, string>;
}

/**
 * Fills an empty object store (prefix) from a finished backup: every object BACKUP.json lists,
 * each created only if absent, so a store some node began to use meanwhile is never overwritten.
 * Files beside the objects (single names such as master.key) are returned, not stored: the nodes
 * keep the master key on their own disks. A backup of a data directory may be restored this way
 * too: a node of the store takes it as a store written before it was shared.
 */
export async function restoreBackupToStore(from: string, store: BlobStore, location: string): Promise<StoreRestoreSummary> {
  const record = await readCheckedRecord(from);
  if ((await store.list("")).length > 0) throw new EngineError("INVALID_ARGUMENT", `${location} is not empty: a backup is restored only into an empty prefix`);
  let bytes = 0;
  let objects = 0;
  const files: Record<string, string> = {};
  for (const name of record.files) {
    const path = join(from, ...name.split("/"));
    if (!name.includes("/")) {
      files[name] = path;
      continue;
    }
    const contents = await readWholeFile(path);
    if (!(await store.createIfAbsent(name, contents))) throw new EngineError("INVALID_ARGUMENT", `${name} appeared in ${location} during the restore: is a node using it?`);
    bytes += contents.length;
    objects++;
  }
  return { store: location, createdAt: record.createdAt, objects, bytes, files };
}
