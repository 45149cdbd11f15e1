// `ossv serve` as a user runs it: first start prints the new root key once, later starts do not,
// OSSV_* variables choose the account, and SIGTERM/SIGINT stop it cleanly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { OSSV_CLI, spawnServe, TEST_ACCOUNT } from "./serve-process.ts";
import { configuredCheckpointPolicy } from "../../packages/cli/src/serve.ts";

test("the first start prints the new root key once; a restart does not", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-cli-"));
  try {
    const first = await spawnServe(["--data-dir", dataDir]);
    first.child.kill("SIGINT");
    assert.equal(await first.exited, 0);
    const secret = /OSS_ACCESS_KEY_SECRET=(\S+)/.exec(first.output())?.[1];
    assert.ok(secret, first.output());
    assert.match(first.output(), /stopped/);
    const second = await spawnServe(["--data-dir", dataDir]);
    second.child.kill("SIGTERM");
    assert.equal(await second.exited, 0);
    assert.doesNotMatch(second.output(), /OSS_ACCESS_KEY_SECRET/);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("OSSV_* variables name the account, and request records never show a secret", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-cli-"));
  try {
    const proc = await spawnServe(["--data-dir", dataDir], TEST_ACCOUNT);
    assert.match(proc.output(), /account 1234567890123456/);
    const res = await fetch(`http://127.0.0.1:${proc.port}/`);
    assert.equal(res.status, 403);
    proc.child.kill("SIGTERM");
    assert.equal(await proc.exited, 0);
    assert.match(proc.output(), /"method":"GET","operation":"ListVectorBuckets","principal":\{"type":"anonymous"\},"status":403/);
    assert.doesNotMatch(proc.output(), new RegExp(TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("bad flags exit 2 with usage", async () => {
  const { spawnSync } = await import("node:child_process");
  const res = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--port", "nope"], { encoding: "utf8" });
  assert.equal(res.status, 2);
  assert.match(res.stderr, /--port/);
  const budget = spawnSync(process.execPath, [...OSSV_CLI, "serve", "--max-list-response-bytes", "0"], { encoding: "utf8" });
  assert.equal(budget.status, 2);
  assert.match(budget.stderr, /--max-list-response-bytes must be a positive whole number/);
});

test("--max-list-response-bytes bounds ListVectors pages", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-cli-"));
  const proc = await spawnServe(["--data-dir", dataDir, "--quiet", "--max-list-response-bytes", "60"], TEST_ACCOUNT);
  try {
    const client = new VectorsClient({
      region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${proc.port}`, retry: false,
      credentials: { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET },
    });
    await client.putVectorBucket({ bucket: "paged" });
    await client.putVectorIndex({ bucket: "paged", indexName: "idx", dataType: "float32", dimension: 1, distanceMetric: "euclidean" });
    await client.putVectors({ bucket: "paged", indexName: "idx", vectors: ["a", "b", "c"].map((key) => ({ key, data: { float32: [1] } })) });
    // {"vectors":[{"key":"a"},{"key":"b"}],"nextToken":"..."} is over 60 bytes; one vector and a token fit.
    const first = await client.listVectors({ bucket: "paged", indexName: "idx", maxResults: 10 });
    assert.deepEqual(first.vectors.map((v) => v.key), ["a"]);
    assert.ok(first.nextToken);
  } finally {
    proc.child.kill("SIGTERM");
    await proc.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("OSSV_CHECKPOINT_POLICY overrides known policy fields with numbers, and nothing else", () => {
  assert.equal(configuredCheckpointPolicy({}), undefined);
  assert.deepEqual(configuredCheckpointPolicy({ OSSV_CHECKPOINT_POLICY: '{"segmentRows":64,"idleFlushMs":100}' }), { segmentRows: 64, idleFlushMs: 100 });
  assert.throws(() => configuredCheckpointPolicy({ OSSV_CHECKPOINT_POLICY: '{"segmentRow":64}' }), /unknown field segmentRow/);
  assert.throws(() => configuredCheckpointPolicy({ OSSV_CHECKPOINT_POLICY: '{"segmentRows":"64"}' }), /must be a number/);
  assert.throws(() => configuredCheckpointPolicy({ OSSV_CHECKPOINT_POLICY: "[64]" }), /JSON object/);
});

test("ossv admin creates a user and a key, printing JSON", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-cli-"));
  const { spawnSync } = await import("node:child_process");
  const proc = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
  try {
    const env = {
      ...process.env, OSS_ACCESS_KEY_ID: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET,
    };
    const admin = (...args: string[]) => spawnSync(process.execPath, [...OSSV_CLI, "admin", ...args, "--endpoint", `http://127.0.0.1:${proc.port}`], { env, encoding: "utf8" });
    const user = admin("user", "create", "alice");
    assert.equal(user.status, 0, user.stderr);
    assert.deepEqual(Object.keys(JSON.parse(user.stdout)).sort(), ["userId", "userName"]);
    const key = JSON.parse(admin("key", "create", "alice").stdout);
    assert.match(key.accessKeyId, /^LTAI/);
    assert.equal(typeof key.accessKeySecret, "string");
    const sts = JSON.parse(admin("sts", "issue", "alice", "--duration-seconds", "900").stdout);
    assert.deepEqual(Object.keys(sts).sort(), ["accessKeyId", "accessKeySecret", "expiration", "securityToken"]);
    const missing = admin("key", "create", "bob");
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /NoSuchUser/);
  } finally {
    proc.child.kill("SIGTERM");
    await proc.exited;
    await rm(dataDir, { recursive: true, force: true });
  }
});
