// Where `ossv serve` takes its options from, through the real CLI: a flag beats its OSSV_* variable,
// which beats the --config file, which beats the default; and a bad value stops start-up with exit
// code 2 and one line naming where the value came from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OSSV_CLI, spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";


async function stop(proc: ServeProcess): Promise<string> {
  proc.child.kill("SIGTERM");
  assert.equal(await proc.exited, 0);
  return proc.output();
}

function listening(output: string): Record<string, unknown> {
  const line = output.split("\n").find((l) => l.includes('"msg":"listening on '));
  assert.ok(line, output);
  return JSON.parse(line) as Record<string, unknown>;
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-config-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("a flag beats its environment variable, which beats the config file, which beats the default", async () => {
  await withDir(async (dir) => {
    const dataDir = join(dir, "data");
    const file = join(dir, "ossv.json");
    await writeFile(file, JSON.stringify({ "region": "cn-shanghai", "data-dir": dataDir, "log-format": "text", "quiet": true }));

    // region in all three places: the flag wins. log-format in the file and the environment: the
    // environment wins (JSON, not the file's text). data-dir and quiet only in the file: the file
    // wins over the defaults. log-level nowhere: the default, info.
    const all = await spawnServe(["--config", file, "--region", "cn-beijing"], {
      ...TEST_ACCOUNT, OSSV_REGION: "cn-shenzhen", OSSV_LOG_FORMAT: "json",
    });
    await fetch(`http://127.0.0.1:${all.port}/`);
    const first = await stop(all);
    const record = listening(first);
    assert.equal(record["region"], "cn-beijing");
    assert.equal(record["dataDir"], dataDir);
    assert.equal(record["level"], "info");
    assert.doesNotMatch(first, /"msg":"request"/, "quiet came from the file");

    // Without the flag, the environment beats the file; the file may also be named by OSSV_CONFIG.
    const envOverFile = await spawnServe([], { ...TEST_ACCOUNT, OSSV_CONFIG: file, OSSV_REGION: "cn-shenzhen" });
    const second = await stop(envOverFile);
    assert.match(second, /^\S+Z INFO {2}listening on 127\.0\.0\.1 port \d+ \(http\), region cn-shenzhen, .*data /m, "the file's text format");

    // Without the environment, the file's region; an empty variable counts as unset, so the file's
    // quiet stays.
    const fileOnly = await spawnServe(["--config", file, "--log-format", "json"], { ...TEST_ACCOUNT, OSSV_QUIET: "" });
    const third = await stop(fileOnly);
    assert.equal(listening(third)["region"], "cn-shanghai");
    assert.doesNotMatch(third, /"msg":"request"/);

    // No file, no variable, no flag: the defaults.
    const defaults = await spawnServe(["--data-dir", dataDir], TEST_ACCOUNT);
    assert.equal(listening(await stop(defaults))["region"], "cn-hangzhou");
  });
});

test("a bad option value is one line naming its source, exit code 2, and nothing is started", async () => {
  await withDir(async (dir) => {
    const write = async (name: string, text: string) => {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    };
    const unknownKey = await write("unknown.json", '{"port": 9000, "prot": 9001}');
    const badPort = await write("port.json", '{"port": "ninety"}');
    const dataDir = join(dir, "data");

    // The cases the option table's unit test (packages/cli/src/serve-options.test.ts) covers one
    // by one, here a few through the real command, which must also leave no stack and start nothing.
    const cases: Array<{ args: string[]; env?: Record<string, string>; message: RegExp }> = [
      { args: ["--config", unknownKey], message: /unknown\.json: unknown option "prot" \(known: port, host, data-dir,/ },
      { args: ["--config", badPort], message: /"port" in \S*port\.json must be a whole number from 0 to 65535, not "ninety"/ },
      { args: ["--config", join(dir, "missing.json")], message: /--config: cannot read the config file: ENOENT/ },
      { args: [], env: { OSSV_PORT: "80a" }, message: /OSSV_PORT \(environment\) must be a whole number from 0 to 65535, not "80a"/ },
      { args: ["--log-level", "loud"], message: /--log-level must be one of trace, debug, info, warn, error, fatal, silent, not "loud"/ },
      { args: [], env: { OSSV_CHECKPOINT_POLICY: "{segmentRows" }, message: /OSSV_CHECKPOINT_POLICY is not JSON/ },
    ];
    for (const { args, env, message } of cases) {
      const run = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--data-dir", dataDir, ...args], {
        encoding: "utf8", env: { ...process.env, ...env }, timeout: 60_000,
      });
      const what = `ossv serve ${args.join(" ")} ${JSON.stringify(env ?? {})}`;
      assert.equal(run.status, 2, `${what}: ${run.stdout}${run.stderr}`);
      assert.match(run.stderr, /^ossv serve: /, what);
      assert.match(run.stderr, message, what);
      assert.doesNotMatch(run.stderr, /\n\s+at /, `${what}: no stack`);
      assert.equal(run.stdout, "", what);
    }
    // Refused before anything was opened: no data directory was made.
    assert.equal(existsSync(dataDir), false);
  });
});

test("serve --help lists every option with its variable and file key", () => {
  const help = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--help"], { encoding: "utf8" });
  assert.equal(help.status, 0);
  for (const [flag, env] of [["port", "OSSV_PORT"], ["data-dir", "OSSV_DATA_DIR"], ["tls-cert", "OSSV_TLS_CERT"], ["log-level", "OSSV_LOG_LEVEL"], ["config", "OSSV_CONFIG"]]) {
    assert.match(help.stdout, new RegExp(`--${flag} [\\s\\S]*?env ${env}`), flag);
  }
  assert.match(help.stdout, /file "max-list-response-bytes"/);
});
