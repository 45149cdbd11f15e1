// One process per data directory: two engines appending to the same WAL numbers would each think the
// other's objects were their own. A lock file is taken with O_EXCL; it names its holder, and a lock
// whose holder is gone is stale and taken over.
//
// A pid alone does not name a process for long: after a reboot, or in a copy of the directory
// (cp -a, a backup taken while the server ran) started on this or another machine, the pid in the
// lock may belong to a live process that has nothing to do with this directory, and the copy would
// never start. So the lock records what identifies the holder: the directory it locks (device and
// inode: a copy is another directory), the machine's boot (Linux's boot id, else the host name), the
// pid, and the process's start time (a pid reused by a later process starts at another time). Only a
// lock whose every recorded part matches a process running now holds the directory.
import { open, readFile, rm, stat } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { EngineError } from "../base/types.ts";

export const LOCK_FILE = "LOCK";

export interface DirLock {
  release(): Promise<void>;
}

/** What the lock file says about its holder; older versions wrote the pid alone. */
export interface LockHolder {
  pid: number;
  /** `<device>:<inode>` of the locked directory. */
  dir?: string;
  /** Linux's boot id, or absent where there is none. */
  boot?: string;
  host?: string;
  /** The process's start time in clock ticks after boot (Linux), or absent. */
  started?: string;
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return undefined;
  }
}

const bootId = (): Promise<string | undefined> => readOrUndefined("/proc/sys/kernel/random/boot_id");

/** Field 22 of /proc/<pid>/stat; the command name before it may hold spaces, so count after its ')'. */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
}

async function dirIdentity(dataDir: string): Promise<string> {
  const { dev, ino } = await stat(dataDir, { bigint: true });
  return `${dev}:${ino}`;
}

/** The holder record this process writes for `dataDir` (or that process `pid` would write). */
export async function holderRecord(dataDir: string, pid = process.pid): Promise<LockHolder> {
  const [dir, boot, started] = await Promise.all([dirIdentity(dataDir), bootId(), startTimeOf(pid)]);
  return { pid, dir, host: hostname(), ...(boot && { boot }), ...(started && { started }) };
}

function parseHolder(text: string): LockHolder | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) };
  try {
    const value = JSON.parse(trimmed) as LockHolder;
    return Number.isSafeInteger(value.pid) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether the recorded holder is a process running now with `dataDir` locked (other than this one). */
async function holdsNow(holder: LockHolder, dataDir: string): Promise<boolean> {
  if (holder.pid === process.pid) return false;
  if (holder.dir !== undefined && holder.dir !== (await dirIdentity(dataDir))) return false; // a copy
  const boot = await bootId();
  if (holder.boot !== undefined && boot !== undefined) {
    if (holder.boot !== boot) return false; // written before a reboot, or on another machine
  } else if (holder.host !== undefined && holder.host !== hostname()) return false;
  if (!isAlive(holder.pid)) return false;
  if (holder.started === undefined) return true;
  const started = await startTimeOf(holder.pid);
  return started === undefined || started === holder.started;
}

async function tryCreate(path: string, record: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx");
    await handle.writeFile(record);
    await handle.sync();
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  }
}

export async function acquireDirLock(dataDir: string): Promise<DirLock> {
  const path = join(dataDir, LOCK_FILE);
  const record = `${JSON.stringify(await holderRecord(dataDir))}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path, record)) return { release: () => rm(path, { force: true }) };
    const holder = parseHolder(await readFile(path, "utf8").catch(() => ""));
    if (holder && (await holdsNow(holder, dataDir))) {
      throw new EngineError("LOCKED", `data directory ${dataDir} is in use by process ${holder.pid}`);
    }
    await rm(path, { force: true });
  }
  throw new EngineError("LOCKED", `could not lock data directory ${dataDir}`);
}
