// Copying stored objects into another directory, as a backup and a restore do. Objects are
// immutable files (created whole, never written again, only unlinked), so on the same file system a
// hard link is a faithful copy that costs no space and no time; across file systems the bytes are
// copied and fsynced. Either way each directory is fsynced once its entries are in, so a copy that
// reported success survives a power cut.
import { copyFile, link, mkdir, open, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlobStore } from "./blob-store.ts";
import { LocalBlobStore } from "./local-blob-store.ts";

export interface CopyResult {
  files: number;
  bytes: number;
  /** Of `files`, how many were hard links rather than copies. */
  linked: number;
}

/** Errors of link(2) that mean "not here" (another file system, links unsupported), not failure. */
const LINK_UNAVAILABLE = new Set(["EXDEV", "EPERM", "ENOTSUP", "EOPNOTSUPP", "EMLINK", "ENOSYS"]);

const errorCode = (error: unknown): string | undefined =>
  typeof error === "object" && error !== null && "code" in error ? String(error.code) : undefined;

export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } catch (error) {
    // Directories cannot be fsynced on Windows; there durability of entries is the OS's business.
    if (process.platform !== "win32") throw error;
  } finally {
    await handle.close();
  }
}

/** Writes a new file (never replacing one) and fsyncs it. */
export async function writeNewFile(path: string, bytes: Uint8Array | string): Promise<void> {
  const handle = await open(path, "wx", 0o600);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Hard-links `from` to `to`, or copies and fsyncs it where a link cannot be made. True when linked. */
export async function linkOrCopy(from: string, to: string): Promise<boolean> {
  try {
    await link(from, to);
    return true;
  } catch (error) {
    if (!LINK_UNAVAILABLE.has(errorCode(error) ?? "")) throw error;
  }
  await copyFile(from, to);
  await fsyncPath(to);
  return false;
}

/** The directories under `root` that hold `paths`, deepest first. */
function destinationDirs(root: string, paths: readonly string[]): string[] {
  const dirs = new Set<string>();
  for (const path of paths) {
    for (let dir = dirname(path); dir.length > root.length; dir = dirname(dir)) dirs.add(dir);
  }
  // Deepest first: a directory's entry in its parent is synced after the directory's own entries.
  return [...dirs].sort((a, b) => b.length - a.length);
}

/**
 * Copies objects `names` of `store` into `destRoot` under the same names (the blob store layout).
 * The caller keeps them from being deleted meanwhile. Stops between objects when `signal` aborts.
 */
export async function copyObjects(
  store: BlobStore, names: readonly string[], destRoot: string, signal?: AbortSignal,
): Promise<CopyResult> {
  const local = store instanceof LocalBlobStore ? store : undefined;
  const result: CopyResult = { files: 0, bytes: 0, linked: 0 };
  const targets = names.map((name) => join(destRoot, ...name.split("/")));
  for (const dir of destinationDirs(destRoot, targets).reverse()) await mkdir(dir, { recursive: true });
  for (const [i, name] of names.entries()) {
    signal?.throwIfAborted();
    const target = targets[i]!;
    if (local) {
      const source = local.localFile(name);
      if (await linkOrCopy(source, target)) result.linked++;
      result.bytes += (await stat(source)).size;
    } else {
      const bytes = await store.get(name);
      if (bytes === undefined) throw new Error(`${name} vanished while it was held for a copy`);
      await writeNewFile(target, bytes);
      result.bytes += bytes.length;
    }
    result.files++;
  }
  for (const dir of destinationDirs(destRoot, targets)) await fsyncPath(dir);
  await fsyncPath(destRoot);
  return result;
}
