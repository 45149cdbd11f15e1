// Running the `ossv` command as a user does, for the CLI tests: an environment holding only the test
// account's root key (HOME a directory of the test's, no other OSS_* or OSSV_* from the outside), and
// one run's exit code and output.
import { execFile } from "node:child_process";
import { OSSV_CLI, TEST_ACCOUNT } from "./serve-process.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment with the root key set and `extra` over it (undefined removes a variable). */
export function cliEnv(home: string, extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: home };
  for (const name of Object.keys(env)) if (name.startsWith("OSS_") || name.startsWith("OSSV_")) delete env[name];
  Object.assign(env, { OSS_ACCESS_KEY_ID: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET, ...extra });
  for (const [name, value] of Object.entries(env)) if (value === undefined) delete env[name];
  return env;
}

/** `ossv ...args` to its end; a failure to start shows as code -1. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, maxBuffer = 1 << 20): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...OSSV_CLI, ...args], { env, encoding: "utf8", maxBuffer }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}
