// Runs `ossv serve` as a real child process, for tests of the CLI and of crash recovery (SIGKILL).
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { storeArgsFor } from "./test-store.ts";

/**
 * How tests start the CLI: its TypeScript sources through tsx, so a test always runs the code it
 * tests, never a build left over from before an edit. The built bundle is what the packaging check
 * (scripts/package/check-install.mjs) and tests/e2e/built-cli.test.ts run.
 * Usage: spawn(process.execPath, [...OSSV_CLI, "serve", ...]).
 */
export const OSSV_CLI = ["--import", "tsx", fileURLToPath(new URL("../../packages/cli/src/bin.ts", import.meta.url))];

/** Runs the CLI to its end; resolves with its exit code and output. */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...OSSV_CLI, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<number | null>;
}

export const TEST_ACCOUNT = {
  OSSV_ACCOUNT_ID: "1234567890123456",
  OSSV_ROOT_ACCESS_KEY_ID: "LTAItestrootkey00000000",
  OSSV_ROOT_ACCESS_KEY_SECRET: "test-root-secret-0000000000000",
};

/**
 * Starts `ossv serve --port 0` and resolves once it reports its port. With OSSV_E2E_STORE=s3 its
 * --data-dir's data goes to the test object store (test-store.ts).
 */
export async function spawnServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const store = await storeArgsFor(args);
  const child = spawn(process.execPath, [...OSSV_CLI, "serve", "--port", "0", "--host", "127.0.0.1", ...args, ...store.args], {
    env: { ...process.env, ...store.env, ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  // A signal as the end (a crash, say) goes into the output, which the failing assertion prints.
  const exited = new Promise<number | null>((resolve) => child.on("close", (code, signal) => {
    if (signal !== null) output += `\n[ossv serve ended by ${signal}]\n`;
    resolve(code);
  }));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ossv serve did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on .* port (\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]), output: () => output, exited });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`ossv serve exited with ${code}:\n${output}`));
    });
  });
}
