// `ossv admin fsck --data-dir DIR [--repair]`: offline, like root-key reset. The engine checks (and
// repairs) the stored objects; the server package checks the master key, which only it knows how to
// use. Prints the report as JSON; exit code 0 when clean or fully repaired, 1 when a problem is left.
import { fsck, fsckExitCode } from "@ossv/engine";
import { checkMasterKey } from "@ossv/server";

export async function fsckCommand(dataDir: string, repair: boolean): Promise<number> {
  const { report, accessKeys } = await fsck(dataDir, { repair });
  const masterKeyProblem = await checkMasterKey(dataDir, accessKeys, process.env["OSSV_MASTER_KEY"] || undefined);
  if (masterKeyProblem) {
    report.problems.push(masterKeyProblem);
    report.clean = false;
    report.operatorActions.push(masterKeyProblem.repair);
  }
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  return fsckExitCode(report);
}
