// One process per data directory: two engines appending to the same WAL numbers would each think the
// other's objects were their own. A lock file holding the owner's pid is taken with O_EXCL; a lock
// whose process is gone (a crash, SIGKILL) is stale and taken over.
import { open, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { EngineError } from "../base/types.ts";

export const LOCK_FILE = "LOCK";

export interface DirLock {
  release(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function tryCreate(path: string): Promise<boolean> {
  try {
    const handle = await open(path, "wx");
    await handle.writeFile(`${process.pid}\n`);
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
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await tryCreate(path)) return { release: () => rm(path, { force: true }) };
    const owner = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
    if (Number.isInteger(owner) && owner !== process.pid && isAlive(owner)) {
      throw new EngineError("LOCKED", `data directory ${dataDir} is in use by process ${owner}`);
    }
    await rm(path, { force: true });
  }
  throw new EngineError("LOCKED", `could not lock data directory ${dataDir}`);
}
