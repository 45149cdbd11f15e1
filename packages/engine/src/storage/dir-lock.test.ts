import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { openEngine } from "../engine.ts";
import { LOCK_FILE } from "./dir-lock.ts";
import { EngineError } from "../base/types.ts";

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-lock-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("openEngine() refuses a data directory another open engine holds, until it closes", () => withDir(async (dir) => {
  const first = await openEngine({ dataDir: dir });
  await writeFile(join(dir, LOCK_FILE), `${process.ppid}\n`); // pretend a live other process owns it
  await assert.rejects(openEngine({ dataDir: dir }), (error: unknown) => error instanceof EngineError && error.code === "LOCKED");
  await first.close();
  const again = await openEngine({ dataDir: dir });
  await again.close();
}));

test("openEngine() takes over the lock of a process that died", () => withDir(async (dir) => {
  const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  await writeFile(join(dir, LOCK_FILE), `${dead.stdout}\n`);
  const engine = await openEngine({ dataDir: dir });
  await engine.close();
}));
