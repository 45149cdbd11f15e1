// The offline `ossv admin` commands: they work on a stopped server's data directory itself (taking its
// lock), or fsck on a shared object store, so they need no endpoint or ossv credentials. Results are
// JSON on standard output; a failure (the directory in use, no account in it) is one line on standard
// error with exit code 1, or 2 for options that cannot be run as given.
import { replaceRootKey } from "@ossv/server";
import { EXIT } from "./exit-codes.ts";
import { fsckCommand, FsckUsageError, type FsckFlags } from "./fsck.ts";
import { configuredAccount } from "./serve.ts";

export type OfflineCommandName = "root-key reset" | "fsck";

export interface OfflineFlags extends FsckFlags {
  newMasterKey?: boolean;
}

/** A new root key for the directory's account (OSSV_ACCOUNT_ID and OSSV_ROOT_ACCESS_KEY_* choose one). */
async function resetRootKey(flags: OfflineFlags): Promise<number> {
  const account = configuredAccount(process.env);
  const masterKey = process.env["OSSV_MASTER_KEY"];
  const newMasterKey = flags.newMasterKey === true;
  const { root, deletedKeys } = await replaceRootKey(flags.dataDir!, { ...(account && { account }), ...(masterKey && { masterKey }), newMasterKey });
  const printed = {
    accountId: root.accountId, accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret,
    ...(newMasterKey && { deletedKeys }),
  };
  process.stdout.write(JSON.stringify(printed, null, 2) + "\n");
  return EXIT.ok;
}

export async function runOfflineCommand(name: OfflineCommandName, flags: OfflineFlags): Promise<number> {
  try {
    return name === "fsck" ? await fsckCommand(flags) : await resetRootKey(flags);
  } catch (error) {
    process.stderr.write(`ossv admin ${name}: ${((error as Error).message ?? String(error)).replace(/\s*\n\s*/g, " ")}\n`);
    return error instanceof FsckUsageError ? EXIT.usage : EXIT.failed;
  }
}
