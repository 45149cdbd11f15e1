// The `ossv admin` commands run as an operator runs them, against `ossv serve` on a free port: every
// server-calling subcommand with its JSON (the default, which scripts parse) and table output, per-command
// --help, usage errors (exit 2), a refusal of the server as one line with its code and request id
// (exit 1), an endpoint that does not answer (exit 3), and connection and keys from a profile file.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "./serve-process.ts";
import { cliEnv, runCli, type CliRun } from "./cli-run.ts";

let server: ServeProcess;
let dir: string;
let home: string;
let endpoint: string;

/** An operator's environment: the root key set, HOME a fresh directory, no other OSS_* or OSSV_*. */
const rootEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => cliEnv(home, extra);

/** `ossv admin ...args`, with --endpoint of the test server unless `connect` is false. */
function admin(args: string[], options: { env?: NodeJS.ProcessEnv; connect?: boolean } = {}): Promise<CliRun> {
  const connection = options.connect === false ? [] : ["--endpoint", endpoint];
  return runCli(["admin", ...args, ...connection], options.env ?? rootEnv());
}

async function ok(args: string[], options?: Parameters<typeof admin>[1]): Promise<string> {
  const result = await admin(args, options);
  assert.equal(result.code, 0, `ossv admin ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

async function json<T>(args: string[], options?: Parameters<typeof admin>[1]): Promise<T> {
  return JSON.parse(await ok(args, options)) as T;
}

/** The data commands, for the bucket and index that `admin index` looks at. */
async function data(args: string[]): Promise<void> {
  const result = await runCli([...args, "--endpoint", endpoint, "--account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID], rootEnv());
  if (result.code !== 0) throw new Error(`ossv ${args.join(" ")}: ${result.stderr}`);
}

/** The one line a failure prints: the command, the code, the message, the HTTP status and request id. */
function assertServiceErrorLine(result: CliRun, command: string, code: string, status: number): void {
  assert.equal(result.code, 1, result.stderr);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, new RegExp(`^ossv admin ${command}: ${code}: [^\\n]+ \\(HTTP ${status}, request id [0-9A-F]+\\)\\n$`), result.stderr);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ossv-cli-admin-"));
  home = join(dir, "home");
  await mkdir(home);
  server = await spawnServe(["--data-dir", join(dir, "data"), "--quiet"], TEST_ACCOUNT);
  endpoint = `http://127.0.0.1:${server.port}`;
});

after(async () => {
  server.child.kill("SIGTERM");
  await server.exited;
  await rm(dir, { recursive: true, force: true });
});

test("users, keys and identity policies: create, list, disable, enable, attach, detach, delete", async () => {
  assert.deepEqual(Object.keys(await json<object>(["user", "create", "alice"])).sort(), ["userId", "userName"]);
  const key = await json<{ accessKeyId: string; accessKeySecret: string }>(["key", "create", "alice"]);
  assert.match(key.accessKeyId, /^LTAI/);
  assert.deepEqual(await json(["key", "disable", key.accessKeyId]), { accessKeyId: key.accessKeyId, status: "disabled" });
  assert.deepEqual(await json(["key", "enable", key.accessKeyId]), { accessKeyId: key.accessKeyId, status: "active" });

  const policy = join(dir, "read-only.json");
  await writeFile(policy, JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["oss:GetVectors"], Resource: ["*"] }] }));
  assert.deepEqual(await json(["policy", "attach", "alice", "--file", policy]), { userName: "alice", policyName: "read-only" });
  assert.deepEqual(await json(["policy", "attach", "alice", "--file", policy, "--name", "second"]), { userName: "alice", policyName: "second" });

  const { users } = await json<{ users: Array<{ userName: string; policies: string[] }> }>(["user", "list"]);
  assert.deepEqual(users.find((u) => u.userName === "alice")?.policies, ["read-only", "second"]);
  const table = await ok(["user", "list", "--output", "table"]);
  assert.match(table.split("\n")[0]!, /^userId\s+userName\s+createdAt\s+policies$/);
  assert.match(table, /\salice\s.*\sread-only,second$/m);

  assert.deepEqual(await json(["policy", "detach", "alice", "second"]), { detached: "second" });
  assert.deepEqual(await json(["key", "delete", key.accessKeyId]), { deleted: key.accessKeyId });
  assert.deepEqual(await json(["user", "delete", "alice"]), { deleted: "alice" });
  assert.ok(!(await json<{ users: Array<{ userName: string }> }>(["user", "list"])).users.some((u) => u.userName === "alice"));
});

test("roles and temporary credentials, with --role, a session policy and a duration", async () => {
  assert.deepEqual(Object.keys(await json<object>(["role", "create", "reader"])).sort(), ["roleId", "roleName"]);
  const policy = join(dir, "role-policy.json");
  await writeFile(policy, JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["oss:ListVectorBuckets"], Resource: ["*"] }] }));
  await ok(["policy", "attach", "reader", "--file", policy, "--role"]);
  const { roles } = await json<{ roles: Array<{ roleName: string; policies: string[] }> }>(["role", "list"]);
  assert.deepEqual(roles.find((r) => r.roleName === "reader")?.policies, ["role-policy"]);

  const sts = await json<Record<string, string>>(["sts", "issue", "reader", "--role", "--policy-file", policy, "--duration-seconds", "900"]);
  assert.deepEqual(Object.keys(sts).sort(), ["accessKeyId", "accessKeySecret", "expiration", "securityToken"]);
  const lifetime = Date.parse(sts["expiration"]!) - Date.now();
  assert.ok(lifetime > 0 && lifetime <= 900_000, `expires in ${lifetime} ms`);
  const fields = await ok(["sts", "issue", "reader", "--role", "-o", "table"]);
  assert.match(fields, /^securityToken\s+\S+$/m);

  // The role's temporary key lists buckets; it is no root key, so the admin API refuses it.
  const asRole = rootEnv({ OSS_ACCESS_KEY_ID: sts["accessKeyId"], OSS_ACCESS_KEY_SECRET: sts["accessKeySecret"], OSS_SESSION_TOKEN: sts["securityToken"] });
  assertServiceErrorLine(await admin(["user", "list"], { env: asRole }), "user list", "AccessDenied", 403);

  assert.deepEqual(await json(["policy", "detach", "reader", "role-policy", "--role"]), { detached: "role-policy" });
  assert.deepEqual(await json(["role", "delete", "reader"]), { deleted: "reader" });
});

test("index describe and compact print the index's storage state", async () => {
  await data(["bucket", "create", "upkeep"]);
  await data(["index", "create", "upkeep", "idx", "--dimension", "2", "--metric", "euclidean"]);
  await data(["vectors", "put", "--bucket", "upkeep", "--index", "idx", "--key", "a", "--vector", "[1, 2]"]);
  const described = await json<{ count: number; segments: unknown[]; backgroundTasks: number }>(["index", "describe", "upkeep", "idx"]);
  assert.equal(described.count, 1);
  assert.ok(Array.isArray(described.segments));
  const compacted = await json<{ count: number }>(["index", "compact", "upkeep", "idx"]);
  assert.equal(compacted.count, 1);
  const table = await ok(["index", "describe", "upkeep", "idx", "--output", "table"]);
  assert.match(table, /^count\s+1$/m);
  assertServiceErrorLine(await admin(["index", "describe", "upkeep", "missing"]), "index describe", "NoSuchVectorIndex", 404);
});

test("a refusal of the server is one line with its code, HTTP status and request id, exit 1", async () => {
  assertServiceErrorLine(await admin(["key", "create", "nobody"]), "key create", "NoSuchUser", 404);
  await ok(["user", "create", "twice"]);
  assertServiceErrorLine(await admin(["user", "create", "twice"]), "user create", "UserAlreadyExists", 409);
  assertServiceErrorLine(await admin(["user", "create", "x".repeat(65)]), "user create", "InvalidArgument", 400);
  const wrong = rootEnv({ OSS_ACCESS_KEY_SECRET: "not-the-secret" });
  const refused = await admin(["user", "list"], { env: wrong });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /^ossv admin user list: SignatureDoesNotMatch: .*request id [0-9A-F]+\)\n$/);
});

test("usage errors exit 2 with one line: a bad or missing argument, an unknown command, an unreadable file, no credentials", async () => {
  const cases: Array<[string[], RegExp, NodeJS.ProcessEnv?]> = [
    [["sts", "issue", "alice", "--duration-seconds", "soon"], /--duration-seconds <n>.*must be a whole number/],
    [["user", "create"], /missing required argument 'name'/],
    [["policy", "detach", "alice"], /missing required argument 'policy'/],
    [["policy", "attach", "alice"], /required option '--file <f>' not specified/],
    [["user", "rename", "alice"], /unknown command 'rename'/],
    [["user", "list", "--output", "xml"], /option '-o, --output <format>' argument 'xml' is invalid/],
    [["user", "list", "--bogus"], /unknown option '--bogus'/],
    [["policy", "attach", "alice", "--file", join(dir, "absent.json")], /^ossv admin policy attach: cannot read policy file .*absent\.json/],
    [["user", "list"], /^ossv admin user list: no credentials: set OSS_ACCESS_KEY_ID/, rootEnv({ OSS_ACCESS_KEY_ID: undefined })],
    [["user", "list", "--profile", "absent"], /cannot read .*\.ossv\/config/],
    [["root-key", "reset"], /required option '--data-dir <dir>' not specified/],
  ];
  // fsck takes no connection flags: these run without them.
  const offline: Array<[string[], RegExp]> = [
    [["fsck"], /^ossv admin fsck: give --data-dir DIR, or --store s3:\/\/BUCKET\/PREFIX for a shared store$/],
    [["fsck", "--store", "http://bucket/prefix"], /^ossv admin fsck: --store must be an s3:\/\/BUCKET\/PREFIX URL/],
    [["fsck", "--data-dir", dir, "--s3-endpoint", "http://127.0.0.1:1"], /^ossv admin fsck: --s3-endpoint, --s3-path-style and --s3-conditional-write go with --store/],
  ];
  for (const [args, message, env, connect] of [...cases, ...offline.map(([args, message]) => [args, message, undefined, false] as const)]) {
    const result = await admin(args, { ...(env && { env }), ...(connect === false && { connect }) });
    assert.equal(result.code, 2, `ossv admin ${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, "");
    assert.match(result.stderr.split("\n")[0]!, message, result.stderr);
  }
  // With no subcommand, the group's help goes to standard error, and the code says nothing was done.
  const bare = await admin([], { connect: false });
  assert.equal(bare.code, 2);
  assert.match(bare.stderr, /^Usage: ossv admin /);
});

test("every admin command has its own --help; ossv help admin lists them", async () => {
  const issue = await ok(["sts", "issue", "--help"], { connect: false });
  assert.match(issue, /^Usage: ossv admin sts issue \[options\] <name>/);
  for (const flag of ["--role", "--policy-file <f>", "--duration-seconds <n>", "--endpoint <url>", "--region <id>", "--profile <name>", "--output <format>"]) {
    assert.ok(issue.includes(flag), flag);
  }
  assert.match(issue, /OSS_ACCESS_KEY_ID/);
  const fsck = await ok(["fsck", "--help"], { connect: false });
  assert.ok(fsck.includes("--data-dir <dir>") && fsck.includes("--repair"));
  for (const flag of ["--store <s3://BUCKET/PREFIX>", "--s3-endpoint <url>", "--s3-region <id>", "--s3-path-style"]) assert.ok(fsck.includes(flag), flag);
  assert.ok(!fsck.includes("--endpoint"), "an offline command takes no connection flags");
  const helpRun = await runCli(["help", "admin"], rootEnv());
  assert.equal(helpRun.code, 0, helpRun.stderr);
  const help = helpRun.stdout;
  for (const group of ["user", "key", "role", "policy", "sts", "index", "snapshot", "root-key", "fsck"]) assert.match(help, new RegExp(`^  ${group}\\b`, "m"), group);
});

test("an endpoint that does not answer: one line, exit 3", async () => {
  const gone = await spawnServe(["--data-dir", join(dir, "gone"), "--quiet"], TEST_ACCOUNT);
  gone.child.kill("SIGTERM");
  await gone.exited;
  const result = await admin(["user", "list", "--endpoint", `http://127.0.0.1:${gone.port}`], { connect: false });
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /^ossv admin user list: NetworkError: [^\n]+\n$/);
});

test("endpoint and root key from a profile of ~/.ossv/config; --profile beats the environment", async () => {
  await mkdir(join(home, ".ossv"), { recursive: true });
  await writeFile(join(home, ".ossv", "config"), [
    "[default]", `endpoint = ${endpoint}`,
    `access_key_id = ${TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID}`, `access_key_secret = ${TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET}`,
    "[profile wrong]", `endpoint = ${endpoint}`, "access_key_id = LTAIwrongwrongwrong0000", "access_key_secret = wrong",
  ].join("\n"));
  try {
    const noEnv = rootEnv({ OSS_ACCESS_KEY_ID: undefined, OSS_ACCESS_KEY_SECRET: undefined });
    assert.ok(Array.isArray((await json<{ users: unknown[] }>(["user", "list"], { env: noEnv, connect: false })).users));
    const named = await admin(["user", "list", "--profile", "wrong"], { connect: false });
    assert.equal(named.code, 1, named.stderr);
    assert.match(named.stderr, /^ossv admin user list: InvalidAccessKeyId: .*request id/);
  } finally {
    await rm(join(home, ".ossv"), { recursive: true, force: true });
  }
});
