// `ossv restore --from DIR --data-dir NEW`: a data directory made from a backup that
// `ossv admin snapshot create` wrote. Offline: NEW must be new or empty, and nothing else runs on it.
import { constants, copyFile, open } from "node:fs/promises";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { restoreBackup } from "@ossv/engine";

const RESTORE_USAGE = `usage: ossv restore --from DIR --data-dir NEW [--master-key-file FILE]

Makes the data directory NEW (new or empty) from the backup in DIR, as
'ossv admin snapshot create' wrote it: every object, and master.key when the
backup holds it. Files are hard-linked where DIR and NEW share a file system
(stored objects are never changed in place, so the backup stays as it was) and
copied otherwise. Then start 'ossv serve --data-dir NEW'.

  --master-key-file FILE  the master key to put in NEW, for a backup taken
                          without one (or set OSSV_MASTER_KEY when serving)
`;

export async function restoreCommand(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv, strict: true,
      options: {
        from: { type: "string" }, "data-dir": { type: "string" }, "master-key-file": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`ossv restore: ${(error as Error).message}\n${RESTORE_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(RESTORE_USAGE);
    return 0;
  }
  if (!values.from || !values["data-dir"]) {
    process.stderr.write(`ossv restore: --from and --data-dir are required\n${RESTORE_USAGE}`);
    return 2;
  }
  try {
    const summary = await restoreBackup(values.from, values["data-dir"]);
    const keyFile = values["master-key-file"];
    if (keyFile) {
      const target = join(values["data-dir"], "master.key");
      await copyFile(keyFile, target, constants.COPYFILE_EXCL); // a key the backup holds is never replaced
      const handle = await open(target, "r");
      await handle.sync();
      await handle.close();
    }
    process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
    return 0;
  } catch (error) {
    process.stderr.write(`ossv restore: ${(error as Error).message}\n`);
    return 1;
  }
}
