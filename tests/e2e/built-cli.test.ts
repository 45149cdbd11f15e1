// The compiled CLI (scripts/build.mjs), built afresh from the sources: it answers --version and --help
// and serves, with no TypeScript loader. Other CLI tests run the sources (serve-process.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_ACCOUNT } from "./serve-process.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

test("the built ossv answers --version and --help and serves", async () => {
  // Inside the repository, so the bundle's third-party imports resolve from its node_modules.
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "built-cli-"));
  try {
    const build = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--outdir", join(dir, "dist")], { encoding: "utf8" });
    assert.equal(build.status, 0, build.stderr);
    mkdirSync(join(dir, "bin"));
    copyFileSync(join(ROOT, "packages/cli/bin/ossv.js"), join(dir, "bin/ossv.js"));
    const bin = join(dir, "bin/ossv.js");
    // No --import: the child runs plain JavaScript.
    const version = spawnSync(process.execPath, [bin, "--version"], { encoding: "utf8" });
    const { version: expected } = JSON.parse(readFileSync(join(ROOT, "packages/cli/package.json"), "utf8")) as { version: string };
    assert.equal(version.stdout.trim(), expected);
    const help = spawnSync(process.execPath, [bin, "--help"], { encoding: "utf8" });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /usage: ossv <command>/i);

    const child = spawn(process.execPath, [bin, "serve", "--port", "0", "--host", "127.0.0.1", "--data-dir", join(dir, "data"), "--quiet"], {
      env: { ...process.env, ...TEST_ACCOUNT }, stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (/listening on .* port \d+/.test(output)) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      void exited.then((code) => reject(new Error(`ossv serve exited with ${code}:\n${output}`)));
    });
    child.kill("SIGTERM");
    assert.equal(await exited, 0, output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
