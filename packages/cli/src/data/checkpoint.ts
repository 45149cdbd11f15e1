// An import checkpoint: "every record before `position` is settled", i.e. acknowledged by the server
// or reported bad. Resuming skips exactly those records; PutVectors is an upsert, so a record sent
// again after a crash between its acknowledgement and the next checkpoint write does no harm, and
// none is missed because `position` only ever covers acknowledged records.
//
// Written to a temporary file beside it and renamed over it, so a process killed mid-write leaves the
// old checkpoint or the new one, never half of one (a rename within a directory is atomic on POSIX).
// The new file's bytes are synced before the rename and the directory after it, so that after a power
// cut the name holds a whole checkpoint, never an empty file a resume could not read. Imports write
// one at most every few seconds, so the syncs cost nothing measurable.
import { randomBytes } from "node:crypto";
import { dirname } from "node:path";
import { open, readFile, rename, rm } from "node:fs/promises";

export interface Checkpoint {
  version: 1;
  bucket: string;
  index: string;
  /** Whatever identifies the source to the caller (a path and size); checked on resume if given. */
  source?: string;
  position: number;
  /** Records acknowledged and records reported bad, up to `position`. */
  written: number;
  errors: number;
  complete: boolean;
}

export async function readCheckpoint(path: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  const value = JSON.parse(text) as Partial<Checkpoint>;
  if (value.version !== 1 || !Number.isSafeInteger(value.position) || typeof value.bucket !== "string" || typeof value.index !== "string") {
    throw new Error(`${path} is not an import checkpoint`);
  }
  return value as Checkpoint;
}

export async function writeCheckpoint(path: string, checkpoint: Checkpoint): Promise<void> {
  const temporary = `${path}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    const file = await open(temporary, "w");
    try {
      await file.writeFile(JSON.stringify(checkpoint) + "\n");
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
    await syncDirectory(dirname(path));
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

async function syncDirectory(path: string): Promise<void> {
  const directory = await open(path, "r");
  try {
    await directory.sync();
  } finally {
    await directory.close();
  }
}
