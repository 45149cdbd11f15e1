// `ossv admin fsck --data-dir DIR [--repair]`: offline, like root-key reset. The engine checks (and
// repairs) the stored objects; the server package checks the master key, which only it knows how to
// use. Prints the report as JSON; exit code 0 when clean or fully repaired, 1 when a problem is left.
//
// With --store s3://BUCKET/PREFIX (and serve's other store options) it checks a store many nodes
// share instead: a check only reads, so it may run while nodes serve; --repair is refused while any
// node is alive (docs/scale-out.md#offline-tools-on-a-shared-store). The master key then lives where
// the nodes keep it: OSSV_MASTER_KEY, or master.key in the node's --data-dir.
import { CLUSTER_DEFAULTS, fsck, fsckExitCode, fsckSharedStore, type FsckResult } from "@ossv/engine";
import { checkMasterKey } from "@ossv/server";
import { clusterTimings } from "./serve.ts";
import { openObjectStore, storeFromFlags, type ObjectStoreSettings, type StoreFlags } from "./serve-store.ts";

export interface FsckFlags extends StoreFlags {
  dataDir?: string;
  repair?: boolean;
}

async function fsckStore(settings: ObjectStoreSettings, repair: boolean): Promise<FsckResult> {
  // A check sends no write at all, not even the probe of conditional creates; a repair needs them.
  const store = await openObjectStore(settings, { probe: repair });
  try {
    const deadAfterMs = clusterTimings().deadAfterMs ?? CLUSTER_DEFAULTS.deadAfterMs;
    return await fsckSharedStore(store, { repair, location: store.location, deadAfterMs });
  } finally {
    store.destroy();
  }
}

/** Options that cannot be run as given (exit code 2): none of --data-dir and --store, a bad store option, no store credentials. */
export class FsckUsageError extends Error {}

function storeOf(flags: FsckFlags): ObjectStoreSettings | undefined {
  let settings: ObjectStoreSettings | undefined;
  try {
    settings = storeFromFlags(flags, process.env);
  } catch (error) {
    throw new FsckUsageError((error as Error).message);
  }
  if (!settings && !flags.dataDir) throw new FsckUsageError("give --data-dir DIR, or --store s3://BUCKET/PREFIX for a shared store");
  return settings;
}

export async function fsckCommand(flags: FsckFlags): Promise<number> {
  const repair = flags.repair === true;
  const settings = storeOf(flags);
  const { report, accessKeys } = settings ? await fsckStore(settings, repair) : await fsck(flags.dataDir!, { repair });
  const configuredKey = process.env["OSSV_MASTER_KEY"] || undefined;
  if (settings && !flags.dataDir && !configuredKey) {
    report.operatorActions.push("the master key was not checked: give the --data-dir of a node (it holds master.key), or set OSSV_MASTER_KEY");
  } else {
    const masterKeyProblem = await checkMasterKey(flags.dataDir ?? "", accessKeys, configuredKey);
    if (masterKeyProblem) {
      report.problems.push(masterKeyProblem);
      report.clean = false;
      report.operatorActions.push(masterKeyProblem.repair);
    }
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  return fsckExitCode(report);
}
