// The log of a real `ossv serve`: one JSON record per request naming the caller (root, RAM user,
// temporary credentials, anonymous), the operation, bucket, index, status, error code and body
// bytes; the text format with the same fields; and never a secret, a security token or a signature.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ServiceError, VectorsClient } from "@ossv/sdk";
import { OSSV_CLI, spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";


interface Key {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

/** Every Authorization header the client sent, so the test can look for its signatures in the log. */
function clientFor(port: number, key: Key, sentAuthorizations: string[]): VectorsClient {
  return new VectorsClient({
    region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${port}`, retry: false,
    credentials: key,
    fetch: (input, init) => {
      const authorization = new Headers(init.headers).get("authorization");
      if (authorization) sentAuthorizations.push(authorization);
      return globalThis.fetch(input, init);
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ServiceError) return error.code;
    throw error;
  }
  assert.fail("the request was not refused");
}

function admin(port: number, ...args: string[]): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const env = { ...process.env, OSS_ACCESS_KEY_ID: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
  const run = spawnSync(process.execPath, [...OSSV_CLI, "admin", ...args, "--endpoint", `http://127.0.0.1:${port}`], { env, encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout);
}

type LogRecord = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The JSON records of the output; every line but the plain root-key message must be one. */
function records(output: string): LogRecord[] {
  return output.split("\n").filter((line) => line !== "").map((line) => {
    try {
      return JSON.parse(line) as LogRecord;
    } catch {
      assert.fail(`a log line that is not JSON: ${line}`);
    }
  });
}

async function stop(proc: ServeProcess): Promise<string> {
  proc.child.kill("SIGTERM");
  assert.equal(await proc.exited, 0);
  return proc.output();
}

test("JSON access records name the caller, operation, bucket, index, status, error code and bytes; no secret or signature", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-logs-"));
  try {
    // Standard output is a pipe here, so the default format is JSON.
    const proc = await spawnServe(["--data-dir", dataDir], TEST_ACCOUNT);
    const authorizations: string[] = [];
    const secrets: string[] = [TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET];
    let output: string;
    let user: Key;
    let temporary: Key;
    try {
      const root = clientFor(proc.port, { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET }, authorizations);
      await root.putVectorBucket({ bucket: "logged" });
      await root.putVectorIndex({ bucket: "logged", indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "euclidean" });
      await root.putVectors({ bucket: "logged", indexName: "idx", vectors: [{ key: "a", data: { float32: [1, 2] } }] });
      await root.getVectors({ bucket: "logged", indexName: "idx", keys: ["a"], returnData: true });
      assert.equal(await refusal(root.getVectorBucket({ bucket: "missing" })), "NoSuchBucket");

      admin(proc.port, "user", "create", "alice");
      user = admin(proc.port, "key", "create", "alice");
      temporary = admin(proc.port, "sts", "issue", "alice", "--duration-seconds", "900");
      secrets.push(user.accessKeySecret, temporary.accessKeySecret, temporary.securityToken!);
      // alice has no policy: both her keys are refused, and the log says it was her.
      assert.equal(await refusal(clientFor(proc.port, user, authorizations).getVectorBucket({ bucket: "logged" })), "AccessDenied");
      assert.equal(await refusal(clientFor(proc.port, temporary, authorizations).getVectorBucket({ bucket: "logged" })), "AccessDenied");

      const anonymous = await fetch(`http://127.0.0.1:${proc.port}/`);
      assert.equal(anonymous.status, 403);
    } finally {
      output = await stop(proc);
    }

    const all = records(output.replace(/^ossv: account .*\n( {2}OSS_ACCESS_KEY_\w+=.*\n)*/m, ""));
    const requests = all.filter((r) => r["msg"] === "request");
    const byOp = (operation: string) => requests.filter((r) => r["operation"] === operation);
    const rootPrincipal = { type: "root", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID };

    const [put] = byOp("PutVectors");
    assert.ok(put, output);
    assert.equal(put["level"], "info");
    assert.match(put["time"], /^\d{4}-\d\d-\d\dT/);
    assert.match(put["requestId"], /^[0-9A-F]{24}$/);
    assert.equal(put["method"], "POST");
    assert.equal(put["bucket"], "logged");
    assert.equal(put["index"], "idx");
    assert.deepEqual(put["principal"], rootPrincipal);
    assert.equal(put["status"], 200);
    assert.equal(put["errorCode"], undefined);
    assert.ok(put["bytesIn"] > 0, "the PutVectors body was counted");
    assert.equal(typeof put["durationMs"], "number");
    const [get] = byOp("GetVectors");
    assert.ok(get!["bytesOut"] > 0, "the GetVectors answer was counted");

    const refused = byOp("GetVectorBucket");
    assert.deepEqual(refused.map((r) => [r["bucket"], r["status"], r["errorCode"], r["principal"]["type"]]), [
      ["missing", 404, "NoSuchBucket", "root"],
      ["logged", 403, "AccessDenied", "user"],
      ["logged", 403, "AccessDenied", "user"],
    ]);
    assert.deepEqual(refused[1]!["principal"], { type: "user", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, accessKeyId: user.accessKeyId, userName: "alice" });
    assert.deepEqual(refused[2]!["principal"], {
      type: "user", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, accessKeyId: temporary.accessKeyId, userName: "alice", temporary: true,
    });
    assert.ok(refused.every((r) => r["bytesOut"] > 0 && r["bytesIn"] === 0));

    const [listing] = byOp("ListVectorBuckets");
    assert.deepEqual([listing!["principal"], listing!["status"], listing!["errorCode"]], [{ type: "anonymous" }, 403, "AccessDenied"]);

    // The admin API is logged too, as Admin, by whoever called it.
    assert.ok(byOp("Admin").length >= 3 && byOp("Admin").every((r) => r["principal"]["type"] === "root"));
    assert.ok(all.some((r) => /^listening on /.test(r["msg"]) && r["port"] === proc.port));
    assert.ok(all.some((r) => r["msg"] === "stopped"));

    for (const secret of secrets) assert.ok(!output.includes(secret), "a secret or security token reached the log");
    assert.ok(authorizations.length >= 7, `the client signed its requests (${authorizations.length})`);
    for (const authorization of authorizations) {
      const signature = /Signature=([0-9a-f]+)/.exec(authorization)?.[1];
      assert.ok(signature, authorization);
      assert.ok(!output.includes(signature), "a signature reached the log");
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("the text format: one readable line per record with the same fields, and the root key as on any start", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-logs-"));
  try {
    const proc = await spawnServe(["--data-dir", dataDir, "--log-format", "text"]);
    const anonymous = await fetch(`http://127.0.0.1:${proc.port}/logged/?putVectors`, { method: "POST", body: '{"indexName":"idx"}' });
    assert.equal(anonymous.status, 403);
    const output = await stop(proc);
    const secret = /^ {2}OSS_ACCESS_KEY_SECRET=(\S+)$/m.exec(output)?.[1];
    assert.ok(secret, output);
    assert.match(output, /^ossv: account \d+ is ready; its root key is shown only now:\n {2}OSS_ACCESS_KEY_ID=LTAI\w+\n {2}OSS_ACCESS_KEY_SECRET=\S+$/m);
    // The secret is in the root-key message, and nowhere else.
    assert.equal(output.split(secret).length, 2);
    assert.match(output, /^\S+Z INFO {2}listening on 127\.0\.0\.1 port \d+ \(http\)/m);
    assert.match(output, /^\S+Z INFO {2}[0-9A-F]{24} 127\.0\.0\.1 POST PutVectors logged anonymous 403 in=0B out=\d+B [\d.]+ms AccessDenied$/m);
    assert.match(output, /^\S+Z INFO {2}stopped$/m);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("--log-level warn drops the info records but not the root key; --quiet drops only the access records", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-logs-"));
  try {
    // spawnServe waits for the listening record, an info one; so start quiet first, then warn-only.
    const quiet = await spawnServe(["--data-dir", dataDir, "--quiet"]);
    await fetch(`http://127.0.0.1:${quiet.port}/`);
    const quietOutput = await stop(quiet);
    assert.match(quietOutput, /OSS_ACCESS_KEY_SECRET=/);
    assert.doesNotMatch(quietOutput, /"msg":"request"/);
    assert.match(quietOutput, /"msg":"stopped"/);

    const warnOnly = spawn(process.execPath, [...OSSV_CLI, "serve", "--data-dir", join(dataDir, "fresh"), "--port", "0", "--host", "127.0.0.1", "--log-level", "warn"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let warnOutput = "";
    const exited = new Promise<number | null>((resolve) => warnOnly.on("close", resolve));
    await new Promise<void>((resolve) => warnOnly.stdout.on("data", (chunk: Buffer) => {
      warnOutput += chunk.toString();
      if (warnOutput.includes("OSS_ACCESS_KEY_SECRET=")) resolve();
    }));
    // The key is printed once the port is open; wait a moment for records that should not come.
    await new Promise((resolve) => setTimeout(resolve, 300));
    warnOnly.kill("SIGTERM");
    assert.equal(await exited, 0);
    assert.match(warnOutput, /^ossv: account \d+ is ready; its root key is shown only now:\n {2}OSS_ACCESS_KEY_ID=\S+\n {2}OSS_ACCESS_KEY_SECRET=\S+\n$/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
