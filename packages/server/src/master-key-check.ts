// fsck's check of the master key, which only the server package knows how to use. Sealed access key
// secrets open with exactly one key; without it every sealed key is useless. A new key would not open
// them, so this check never makes one (loadMasterKey would, on a first start): it says what is wrong,
// and the operator restores the file or replaces the root key.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AccessKeyRecord, FsckProblem } from "@ossv/engine";
import { isSealed, keyOpens } from "./secret-box.ts";

const MASTER_KEY_FILE = "master.key";

/** The key's bytes, or why there are none. */
async function readKey(dataDir: string, configured: string | undefined): Promise<Buffer | string> {
  if (configured) return Buffer.from(configured, "base64");
  try {
    return Buffer.from((await readFile(join(dataDir, MASTER_KEY_FILE), "utf8")).trim(), "base64");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "missing";
    throw error;
  }
}

/**
 * A problem when the catalog holds sealed secrets and the master key (OSSV_MASTER_KEY when given,
 * else `<dataDir>/master.key`) is missing or does not open them; undefined otherwise.
 */
export async function checkMasterKey(dataDir: string, accessKeys: AccessKeyRecord[], configured?: string): Promise<FsckProblem | undefined> {
  const sealed = accessKeys.filter((key) => isSealed(key.accessKeySecret));
  if (sealed.length === 0) return undefined;
  const key = await readKey(dataDir, configured);
  if (typeof key !== "string" && sealed.every((record) => keyOpens(key, record.accessKeySecret))) return undefined;
  const source = configured ? "OSSV_MASTER_KEY" : MASTER_KEY_FILE;
  return {
    object: source, severity: "damage", repairable: false,
    problem: typeof key === "string" ? key : "does not open the sealed access key secrets (damaged, or another directory's key)",
    holds: `the key that opens the ${sealed.length} sealed access key secret(s) of the catalog: without it none of those keys `
      + "can sign a request",
    repair: `none: fsck never makes a new master key, which would not open them. Restore ${source} from where it was kept, `
      + "or run `ossv admin root-key reset --data-dir DIR --new-master-key` (a new master key and root key; the keys sealed with "
      + "the lost one are deleted, to be created again)",
  };
}
