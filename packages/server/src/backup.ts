// `ossv admin snapshot create`: a consistent copy of the whole data directory, taken by the running
// server (the engine's backup), with the master key beside it so that a restore opens the sealed
// access key secrets without manual steps (docs/storage-format.md#backup-and-restore).
import { readFile } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { ApiError } from "@ossv/protocol";
import type { BackupSummary, Engine } from "@ossv/engine";

export interface ServerBackup extends BackupSummary {
  /**
   * "included": master.key was copied into the backup; "left-out": it was asked not to be;
   * "configured": the key comes from the server's configuration (OSSV_MASTER_KEY), not a file,
   * and the restored server needs the same setting.
   */
  masterKey: "included" | "left-out" | "configured";
}

export type BackupTaker = (dest: string, withMasterKey: boolean) => Promise<ServerBackup>;

/** The backup function of a server on `dataDir`; `configuredKey` is set when the key is not a file. */
export function backupTaker(engine: Engine, dataDir: string, configuredKey: string | undefined): BackupTaker {
  return async (dest, withMasterKey) => {
    // The path is the server's, not the caller's: a relative one would land wherever the server runs.
    if (!isAbsolute(dest)) throw new ApiError("InvalidArgument", "dest must be an absolute path on the server's machine.");
    const copyKey = withMasterKey && configuredKey === undefined;
    const extraFiles: Record<string, Uint8Array> = copyKey ? { "master.key": await readFile(join(dataDir, "master.key")) } : {};
    const summary = await engine.backup(dest, { extraFiles });
    return { ...summary, masterKey: configuredKey !== undefined ? "configured" : copyKey ? "included" : "left-out" };
  };
}
