// Repair never deletes: what it cannot use is moved to `<dataDir>/quarantine/<timestamp>/<original
// name>`, where the operator (or a later, smarter tool) can still read it. A rename within the data
// directory is atomic, and both directories are fsynced so the move survives a power cut.
import { mkdir, open, rename, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { BlobStore } from "../storage/blob-store.ts";

const QUARANTINE_DIR = "quarantine";

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}

/** A new directory name under quarantine/ for this run (a second run in the same millisecond gets a suffix). */
async function freshRunDir(dataDir: string, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  for (let attempt = 0; ; attempt++) {
    const name = `${QUARANTINE_DIR}/${stamp}${attempt === 0 ? "" : `-${attempt}`}`;
    if (!(await exists(join(dataDir, name)))) return name;
  }
}

/**
 * Moves the named objects (a name ending in "/" is a whole directory) into a new quarantine run
 * directory; names that do not exist (a missing object reported as damage) are skipped. Returns the
 * run directory, relative to dataDir, and the names moved.
 */
export async function moveToQuarantine(dataDir: string, names: Iterable<string>, now = new Date()): Promise<{ dir: string; moved: string[] }> {
  const runDir = await freshRunDir(dataDir, now);
  const sorted = [...new Set(names)].sort();
  const directories = sorted.filter((name) => name.endsWith("/"));
  const moved: string[] = [];
  for (const name of sorted) {
    // Objects inside a directory that moves go with it.
    if (directories.some((directory) => directory !== name && name.startsWith(directory))) continue;
    const relative = name.endsWith("/") ? name.slice(0, -1) : name;
    const from = join(dataDir, relative);
    if (!(await exists(from))) continue;
    const to = join(dataDir, runDir, relative);
    await mkdir(dirname(to), { recursive: true });
    await rename(from, to);
    await fsyncDir(dirname(from));
    await fsyncDir(dirname(to));
    moved.push(name);
  }
  if (moved.length > 0) await fsyncDir(join(dataDir, QUARANTINE_DIR));
  return { dir: runDir, moved };
}

/**
 * The same on an object store, which has no rename: each object is copied to
 * `quarantine/<timestamp>/<original name>` in the same store (created only if absent) and then
 * deleted, so a run cut short leaves it in both places, never in neither. A name ending in "/" moves
 * every object under it.
 */
export async function moveToStoreQuarantine(store: BlobStore, names: Iterable<string>, now = new Date()): Promise<{ dir: string; moved: string[] }> {
  const stamp = now.toISOString().replace(/[:.]/g, "-");
  let runDir = `${QUARANTINE_DIR}/${stamp}`;
  for (let attempt = 1; (await store.list(`${runDir}/`)).length > 0; attempt++) runDir = `${QUARANTINE_DIR}/${stamp}-${attempt}`;
  const moved: string[] = [];
  for (const name of [...new Set(names)].sort()) {
    const objects = name.endsWith("/") ? await store.list(name) : [name];
    let any = false;
    for (const object of objects) {
      const bytes = await store.get(object);
      if (bytes === undefined) continue;
      await store.createIfAbsent(`${runDir}/${object}`, bytes);
      await store.delete(object);
      any = true;
    }
    if (any) moved.push(name);
  }
  return { dir: runDir, moved };
}
