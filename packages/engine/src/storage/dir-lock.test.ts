import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { openEngine } from "../engine.ts";
import { holderRecord, LOCK_FILE, type LockHolder } from "./dir-lock.ts";
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

/** The lock another live process (our parent) would hold on `dir`, changed by `change`. */
async function parentsLock(dir: string, change: Partial<LockHolder> = {}): Promise<string> {
  return `${JSON.stringify({ ...(await holderRecord(dir, process.ppid)), ...change })}\n`;
}

test("a live process's lock on this very directory refuses the open", () => withDir(async (dir) => {
  await writeFile(join(dir, LOCK_FILE), await parentsLock(dir));
  await assert.rejects(openEngine({ dataDir: dir }), (error: unknown) => error instanceof EngineError && error.code === "LOCKED");
}));

test("a lock copied from another directory, written before a reboot, or naming a reused pid is stale", () => withDir(async (dir) => {
  const other = await mkdtemp(join(tmpdir(), "ossv-lock-other-"));
  try {
    const stale = {
      "copied from a live server's directory": await parentsLock(other),
      "written under another boot": await parentsLock(dir, { boot: "00000000-0000-0000-0000-000000000000", host: "elsewhere" }),
      "of a pid now held by a later process": await parentsLock(dir, { started: "1" }),
    };
    for (const [what, lock] of Object.entries(stale)) {
      await writeFile(join(dir, LOCK_FILE), lock);
      const engine = await openEngine({ dataDir: dir }).catch((error: unknown) => assert.fail(`a lock ${what} blocked the open: ${String(error)}`));
      await engine.close();
    }
  } finally {
    await rm(other, { recursive: true, force: true });
  }
}));
