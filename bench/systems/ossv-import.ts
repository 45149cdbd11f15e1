// Runs the built `ossv vectors import` as a user would (issue #19's figure): its own process, the
// server's address and account as flags, the credentials in the environment, and the summary line it
// prints on standard error read back for the row count.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { BENCH_ACCOUNT } from "./ossv-server.ts";

const CLI = fileURLToPath(new URL("../../packages/cli/bin/ossv.js", import.meta.url));

export interface ImportRun {
  port: number;
  file: string;
  bucket: string;
  index: string;
  batchSize: number;
  concurrency: number;
}

export interface ImportResult {
  rows: number;
  /** From spawn to exit. */
  seconds: number;
}

export function runImportCommand(run: ImportRun): Promise<ImportResult> {
  const args = [
    CLI, "vectors", "import", run.file, "--bucket", run.bucket, "--index", run.index,
    "--endpoint", `http://127.0.0.1:${run.port}`, "--path-style", "--region", "cn-hangzhou", "--account-id", BENCH_ACCOUNT.accountId,
    "--batch-size", String(run.batchSize), "--concurrency", String(run.concurrency),
  ];
  const env = { ...process.env, OSS_ACCESS_KEY_ID: BENCH_ACCOUNT.accessKeyId, OSS_ACCESS_KEY_SECRET: BENCH_ACCOUNT.accessKeySecret };
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`ossv vectors import exited with ${code}: ${stderr.slice(-2000)}`));
      // The summary line, "import: N rows in S s (R rows/s), E errors", counts the records finished.
      const summary = /: (\d+) rows in /.exec(stderr);
      resolve({ rows: summary ? Number(summary[1]) : 0, seconds });
    });
  });
}
