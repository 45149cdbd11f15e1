// Runs `ossv serve` in its own process, as a user would: port 0 on loopback, a fresh data directory,
// the root account from the environment, and the port read from its "listening on ... port N" line.
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const CLI = fileURLToPath(new URL("../../packages/cli/bin/ossv.js", import.meta.url));
const START_TIMEOUT_MS = 300_000; // recovery of a large index replays its WAL before listening

export const BENCH_ACCOUNT = {
  accountId: "1234567890123456",
  accessKeyId: "LTAIbenchmarkroot",
  accessKeySecret: "bench-secret-not-for-production",
};

export interface RunningServer {
  pid: number;
  port: number;
  /** performance.now() when the process was spawned, and when it printed that it listens. */
  spawnedAt: number;
  listeningAt: number;
  stop(): Promise<void>;
}

function waitForPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`ossv serve did not listen within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening on .* port (\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      // OSSV_BENCH_SERVER_LOG: keep the server's log (its stdout) in this file, to see why it failed.
      if (process.env.OSSV_BENCH_SERVER_LOG) child.stdout?.pipe(createWriteStream(process.env.OSSV_BENCH_SERVER_LOG, { flags: "a" }));
      else child.stdout?.resume(); // keep draining so the server never blocks on a full pipe
      resolve(Number(match[1]));
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(`[ossv] ${chunk.toString("utf8")}`));
    child.once("exit", (code, signal) => {
      if (code !== 0 && code !== null) process.stderr.write(`[ossv] serve exited with code ${code}\n`);
      if (signal && signal !== "SIGTERM") process.stderr.write(`[ossv] serve ended by ${signal}\n`);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`ossv serve exited with ${code} before listening: ${output}`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.once("exit", () => {
      clearTimeout(killer);
      resolve();
    });
    child.kill("SIGTERM"); // a clean shutdown: the server drains and closes its collections
  });
}

export interface ServerOptions {
  /** More `ossv serve` options, such as `--store s3://...`. */
  args?: string[];
  /** More environment variables (credentials of an object store). */
  env?: Record<string, string>;
}

export async function startOssvServer(dataDir: string, options: ServerOptions = {}): Promise<RunningServer> {
  const spawnedAt = performance.now();
  // OSSV_BENCH_NODE_FLAGS: extra node flags for the server process, e.g. "--cpu-prof" when profiling.
  const nodeFlags = process.env.OSSV_BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeFlags, CLI, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", dataDir, "--quiet", ...(options.args ?? [])], {
    env: {
      // As docs/production.md recommends for a server (fewer glibc malloc arenas hold less freed memory).
      MALLOC_ARENA_MAX: "2",
      ...process.env,
      OSSV_ACCOUNT_ID: BENCH_ACCOUNT.accountId,
      OSSV_ROOT_ACCESS_KEY_ID: BENCH_ACCOUNT.accessKeyId,
      OSSV_ROOT_ACCESS_KEY_SECRET: BENCH_ACCOUNT.accessKeySecret,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await waitForPort(child);
  return { pid: child.pid!, port, spawnedAt, listeningAt: performance.now(), stop: () => stopProcess(child) };
}
