// `ossv restore --from DIR --data-dir NEW`: a data directory made from a backup that
// `ossv admin snapshot create` wrote. Offline: NEW must be new or empty, and nothing else runs on it.
// With --store s3://BUCKET/PREFIX (and serve's other store options) the backup goes into an empty
// prefix of an object store instead, for `ossv serve --store` nodes; that is how a backup of a shared
// store is restored (docs/scale-out.md#backups-of-a-shared-store).
import { constants, copyFile, mkdir, open } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { restoreBackup, restoreBackupToStore } from "@ossv/engine";
import { openObjectStore, storeFromFlags, type ObjectStoreSettings } from "./serve-store.ts";

const RESTORE_USAGE = `usage: ossv restore --from DIR --data-dir NEW [--master-key-file FILE]
       ossv restore --from DIR --store s3://BUCKET/PREFIX [--s3-endpoint URL]
                    [--s3-region ID] [--s3-path-style] [--s3-conditional-write KIND] [--data-dir DIR]
                    [--master-key-file FILE]

Makes the data directory NEW (new or empty) from the backup in DIR, as
'ossv admin snapshot create' wrote it: every object, and master.key when the
backup holds it. Files are hard-linked where DIR and NEW share a file system
(stored objects are never changed in place, so the backup stays as it was) and
copied otherwise. Then start 'ossv serve --data-dir NEW'.

With --store, the objects go into that object store under the prefix, which
must be empty (the store options and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
as for ossv serve); master.key goes into --data-dir when given (the directory
a node then serves with), else it stays in the backup for you to place. A
backup taken from a node of a shared store can only be restored this way.
Then start 'ossv serve --store s3://BUCKET/PREFIX ...' nodes.

  --master-key-file FILE  the master key to put in NEW, for a backup taken
                          without one (or set OSSV_MASTER_KEY when serving)
`;

type RestoreFlags = Partial<Record<"from" | "data-dir" | "master-key-file" | "store" | "s3-endpoint" | "s3-region" | "s3-conditional-write", string>>
  & { "s3-path-style"?: boolean; help?: boolean };

function parse(argv: string[]): RestoreFlags {
  return parseArgs({
    args: argv, strict: true,
    options: {
      from: { type: "string" }, "data-dir": { type: "string" }, "master-key-file": { type: "string" },
      store: { type: "string" }, "s3-endpoint": { type: "string" }, "s3-region": { type: "string" }, "s3-path-style": { type: "boolean" },
      "s3-conditional-write": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  }).values;
}

/** Puts a master key file into `dataDir`; a key already there is never replaced. */
async function placeMasterKey(source: string, dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const target = join(dataDir, "master.key");
  await copyFile(source, target, constants.COPYFILE_EXCL);
  const handle = await open(target, "r");
  await handle.sync();
  await handle.close();
}

async function restoreToStore(from: string, settings: ObjectStoreSettings, values: RestoreFlags): Promise<object> {
  const store = await openObjectStore(settings);
  try {
    const summary = await restoreBackupToStore(from, store, store.location);
    const keyFile = values["master-key-file"] ?? summary.files["master.key"];
    const dataDir = values["data-dir"];
    if (keyFile && dataDir) await placeMasterKey(keyFile, dataDir);
    const masterKey = !keyFile ? "none in the backup: give the nodes OSSV_MASTER_KEY or their master.key"
      : dataDir ? `placed in ${join(dataDir, "master.key")}` : `in ${keyFile}: put it in each node's --data-dir, or its contents in OSSV_MASTER_KEY`;
    return { ...summary, masterKey };
  } finally {
    store.destroy();
  }
}

export async function restoreCommand(argv: string[]): Promise<number> {
  let values: RestoreFlags;
  let settings: ObjectStoreSettings | undefined;
  try {
    values = parse(argv);
    settings = values.help ? undefined : storeFromFlags({
      ...(values.store !== undefined && { store: values.store }), ...(values["s3-endpoint"] !== undefined && { s3Endpoint: values["s3-endpoint"] }),
      ...(values["s3-region"] !== undefined && { s3Region: values["s3-region"] }), s3PathStyle: values["s3-path-style"] === true,
      ...(values["s3-conditional-write"] !== undefined && { s3ConditionalWrite: values["s3-conditional-write"] }),
    }, process.env);
  } catch (error) {
    process.stderr.write(`ossv restore: ${(error as Error).message}\n${RESTORE_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(RESTORE_USAGE);
    return 0;
  }
  if (!values.from || (!values["data-dir"] && !settings)) {
    process.stderr.write(`ossv restore: --from and --data-dir (or --store) are required\n${RESTORE_USAGE}`);
    return 2;
  }
  try {
    let summary: object;
    if (settings) summary = await restoreToStore(values.from, settings, values);
    else {
      summary = await restoreBackup(values.from, values["data-dir"]!);
      const keyFile = values["master-key-file"];
      if (keyFile) await placeMasterKey(keyFile, values["data-dir"]!); // a key the backup holds is never replaced
    }
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return 0;
  } catch (error) {
    process.stderr.write(`ossv restore: ${(error as Error).message}\n`);
    return 1;
  }
}
