// The API commands of the ossv CLI (bucket, index, policy, logging, vectors) run as a user runs them,
// against `ossv serve` on a free port: their JSON and table output, the one-line error with its code
// and request id, the exit codes, and credentials from the environment and from a profile file.
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

/** The environment a user would have: the root key set, HOME a fresh directory, no other OSS_*. */
const userEnv = (extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv => cliEnv(home, extra);

function run(args: string[], options: { env?: NodeJS.ProcessEnv; connect?: boolean } = {}): Promise<CliRun> {
  const connection = options.connect === false ? [] : ["--endpoint", endpoint, "--account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID];
  return runCli([...args, ...connection], options.env ?? userEnv());
}

async function ok(args: string[], options?: Parameters<typeof run>[1]): Promise<string> {
  const result = await run(args, options);
  assert.equal(result.code, 0, `ossv ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

const json = async (args: string[]): Promise<unknown> => JSON.parse(await ok(args)) as unknown;
const vectorTarget = ["--bucket", "books", "--index", "titles"];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ossv-cli-data-"));
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

test("bucket create, get, list and delete", async () => {
  assert.equal(await ok(["bucket", "create", "scratch"]), "");
  const got = await json(["bucket", "get", "scratch"]) as { bucketInfo: { name: string } };
  assert.equal(got.bucketInfo.name, `acs:ossvector:cn-hangzhou:${TEST_ACCOUNT.OSSV_ACCOUNT_ID}:scratch`);
  const listed = await json(["bucket", "list"]) as { buckets: Array<{ name: string }> };
  assert.ok(listed.buckets.some((b) => b.name.endsWith(":scratch")), JSON.stringify(listed));
  const table = await ok(["bucket", "list", "--output", "table"]);
  assert.match(table.split("\n")[0]!, /^name\s+/);
  assert.match(table, /:scratch\s/);
  await ok(["bucket", "delete", "scratch"]);
  const gone = await run(["bucket", "get", "scratch"]);
  assert.equal(gone.code, 1);
});

test("index create, get, list and delete, with non-filterable keys", async () => {
  await ok(["bucket", "create", "idx-cmds"]);
  await ok(["index", "create", "idx-cmds", "one", "--dimension", "3", "--metric", "euclidean", "--non-filterable", "body,notes"]);
  const { index } = await json(["index", "get", "idx-cmds", "one"]) as { index: Record<string, unknown> };
  assert.equal(index["dimension"], 3);
  assert.equal(index["distanceMetric"], "euclidean");
  assert.deepEqual(index["metadata"], { nonFilterableMetadataKeys: ["body", "notes"] });
  const fields = await ok(["index", "get", "idx-cmds", "one", "-o", "table"]);
  assert.match(fields, /^dimension\s+3$/m);
  const listed = await json(["index", "list", "idx-cmds"]) as { indexes: Array<{ indexName: string }> };
  assert.deepEqual(listed.indexes.map((i) => i.indexName), ["one"]);
  await ok(["index", "delete", "idx-cmds", "one"]);
  assert.deepEqual(await json(["index", "list", "idx-cmds"]), { indexes: [] });
  await ok(["bucket", "delete", "idx-cmds"]);
});

test("vectors put, get, list, query and delete", async () => {
  await ok(["bucket", "create", "books"]);
  await ok(["index", "create", "books", "titles", "--dimension", "2", "--metric", "euclidean"]);
  const file = join(dir, "vectors.json");
  await writeFile(file, JSON.stringify([
    { key: "a", data: { float32: [0, 0] }, metadata: { genre: "jazz" } },
    { key: "b", data: { float32: [1, 0] }, metadata: { genre: "rock" } },
    { key: "c", data: { float32: [5, 5] }, metadata: { genre: "jazz" } },
  ]));
  await ok(["vectors", "put", ...vectorTarget, "--file", file]);
  await ok(["vectors", "put", ...vectorTarget, "--key", "d", "--vector", "[0.5, 0]", "--metadata", '{"genre":"pop"}']);

  const got = await json(["vectors", "get", ...vectorTarget, "--key", "a,d", "--key", "missing", "--data", "--metadata"]) as { vectors: unknown[] };
  assert.deepEqual(got.vectors, [
    { key: "a", data: { float32: [0, 0] }, metadata: { genre: "jazz" } },
    { key: "d", data: { float32: [0.5, 0] }, metadata: { genre: "pop" } },
  ]);

  const page = await json(["vectors", "list", ...vectorTarget, "--max-results", "2"]) as { vectors: Array<{ key: string }>; nextToken?: string };
  assert.equal(page.vectors.length, 2);
  assert.ok(page.nextToken);
  const all = await json(["vectors", "list", ...vectorTarget, "--all", "--max-results", "2"]) as { vectors: Array<{ key: string }> };
  assert.deepEqual(all.vectors.map((v) => v.key).sort(), ["a", "b", "c", "d"]);

  const query = await json(["vectors", "query", ...vectorTarget, "--vector", "[0.9, 0]", "--top-k", "2", "--distance", "--metadata"]) as {
    vectors: Array<{ key: string; distance: number; metadata: unknown }>;
  };
  assert.deepEqual(Object.keys(query), ["vectors"]);
  assert.deepEqual(query.vectors.map((v) => [v.key, v.metadata]), [["b", { genre: "rock" }], ["d", { genre: "pop" }]]);
  assert.ok(query.vectors.every((v) => typeof v.distance === "number"));
  const filtered = await json(["vectors", "query", ...vectorTarget, "--like", "b", "--top-k", "5", "--filter", '{"genre":{"$eq":"jazz"}}']);
  assert.deepEqual(filtered, { vectors: [{ key: "a" }, { key: "c" }] });
  const queryFile = join(dir, "query.json");
  await writeFile(queryFile, JSON.stringify({ float32: [5, 4] }));
  const fromFile = await json(["vectors", "query", ...vectorTarget, "--vector-file", queryFile, "--top-k", "1"]);
  assert.deepEqual(fromFile, { vectors: [{ key: "c" }] });
  const table = await ok(["vectors", "query", ...vectorTarget, "--vector", "[0,0]", "--top-k", "1", "--distance", "--metadata", "--output", "table"]);
  assert.deepEqual(table.trimEnd().split("\n").map((line) => line.split(/\s{2,}/)), [["key", "distance", "metadata"], ["a", "0", '{"genre":"jazz"}']]);

  await ok(["vectors", "delete", ...vectorTarget, "--key", "a,b"]);
  const left = await json(["vectors", "list", ...vectorTarget]) as { vectors: Array<{ key: string }> };
  assert.deepEqual(left.vectors.map((v) => v.key).sort(), ["c", "d"]);
});

test("policy and logging get, put and delete", async () => {
  await ok(["bucket", "create", "guarded"]);
  const document = JSON.stringify({
    Version: "1", Statement: [{ Effect: "Allow", Principal: ["*"], Action: ["oss:GetVectors"], Resource: [`acs:ossvector:*:${TEST_ACCOUNT.OSSV_ACCOUNT_ID}:guarded/*`] }],
  });
  const policyFile = join(dir, "policy.json");
  await writeFile(policyFile, document);
  await ok(["policy", "put", "guarded", "--file", policyFile]);
  assert.deepEqual(JSON.parse(await ok(["policy", "get", "guarded"])), JSON.parse(document));
  await ok(["policy", "delete", "guarded"]);
  const noPolicy = await run(["policy", "get", "guarded"]);
  assert.equal(noPolicy.code, 1);
  assert.match(noPolicy.stderr, /NoSuchBucketPolicy/);

  await ok(["logging", "put", "guarded", "--target-bucket", "logs-bucket", "--target-prefix", "vectors/"]);
  const logging = await json(["logging", "get", "guarded"]) as { bucketLoggingStatus: { loggingEnabled: Record<string, string> } };
  assert.equal(logging.bucketLoggingStatus.loggingEnabled["targetBucket"], "logs-bucket");
  assert.equal(logging.bucketLoggingStatus.loggingEnabled["targetPrefix"], "vectors/");
  assert.match(await ok(["logging", "get", "guarded", "-o", "table"]), /^targetBucket\s+logs-bucket$/m);
  await ok(["logging", "delete", "guarded"]);
  const off = await json(["logging", "get", "guarded"]) as { bucketLoggingStatus: { loggingEnabled?: Record<string, string> } };
  assert.equal(off.bucketLoggingStatus.loggingEnabled?.["targetBucket"], undefined);
  await ok(["bucket", "delete", "guarded"]);
});

test("a refused request is one line with its code and request id, exit 1", async () => {
  const result = await run(["index", "get", "no-such-bucket", "nothing"]);
  assert.equal(result.code, 1);
  assert.equal(result.stdout, "");
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, result.stderr);
  assert.match(lines[0]!, /^ossv index get: NoSuchBucket: .* \(HTTP 404, request id [0-9A-Za-z-]+\)$/);
});

test("usage errors exit 2, an endpoint that does not answer exits 3", async () => {
  const missing = await run(["index", "create", "b", "i", "--metric", "cosine"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--dimension/);
  const badChoice = await run(["index", "create", "b", "i", "--dimension", "3", "--metric", "manhattan"]);
  assert.equal(badChoice.code, 2);
  const badVector = await run(["vectors", "query", ...vectorTarget, "--vector", "[1,", "--top-k", "1"]);
  assert.equal(badVector.code, 2);
  assert.match(badVector.stderr, /^ossv vectors query: --vector is not valid JSON/);
  const two = await run(["vectors", "query", ...vectorTarget, "--vector", "[1,0]", "--like", "a", "--top-k", "1"]);
  assert.equal(two.code, 2);
  assert.equal((await run(["bucket", "nope"])).code, 2);
  assert.equal((await run(["bucket", "list", "--no-such-flag"])).code, 2);
  const noKeys = await run(["bucket", "list"], { env: userEnv({ OSS_ACCESS_KEY_ID: undefined, OSS_ACCESS_KEY_SECRET: undefined }) });
  assert.equal(noKeys.code, 2);
  assert.match(noKeys.stderr, /no credentials: set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET/);
  const noAccount = await run(["bucket", "list", "--endpoint", endpoint], { connect: false });
  assert.equal(noAccount.code, 2);
  assert.match(noAccount.stderr, /no account id/);
  // A port nothing listens on: the port of a server that was started and stopped.
  const gone = await spawnServe(["--data-dir", join(dir, "gone"), "--quiet"], TEST_ACCOUNT);
  gone.child.kill("SIGTERM");
  await gone.exited;
  const unreachable = await run(["bucket", "list", "--endpoint", `http://127.0.0.1:${gone.port}`, "--account-id", TEST_ACCOUNT.OSSV_ACCOUNT_ID], { connect: false });
  assert.equal(unreachable.code, 3, unreachable.stderr);
  assert.match(unreachable.stderr, /^ossv bucket list: NetworkError: /);
});

test("credentials and connection from a profile; a named profile beats the environment", async () => {
  await mkdir(join(home, ".ossv"), { recursive: true });
  await writeFile(join(home, ".ossv", "config"), [
    "# a local server",
    "[default]",
    `endpoint = ${endpoint}`,
    `account_id = ${TEST_ACCOUNT.OSSV_ACCOUNT_ID}`,
    `access_key_id = ${TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID}`,
    `access_key_secret = ${TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET}`,
    "",
    "[profile wrong]",
    `endpoint = ${endpoint}`,
    `account_id = ${TEST_ACCOUNT.OSSV_ACCOUNT_ID}`,
    `access_key_id = ${TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID}`,
    "access_key_secret = not-the-secret",
    "",
  ].join("\n"));
  try {
    const noEnv = userEnv({ OSS_ACCESS_KEY_ID: undefined, OSS_ACCESS_KEY_SECRET: undefined });
    // Everything from the default profile: no flags, no environment.
    assert.match(await ok(["bucket", "list"], { env: noEnv, connect: false }), /"buckets"/);
    // The environment's keys beat the default profile's...
    const wrongEnv = userEnv({ OSS_ACCESS_KEY_SECRET: "also-not-the-secret" });
    const refused = await run(["bucket", "list"], { env: wrongEnv, connect: false });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /SignatureDoesNotMatch|InvalidAccessKeyId/);
    // ...and a profile named on the command line beats the environment.
    const named = await run(["bucket", "list", "--profile", "wrong"], { connect: false });
    assert.equal(named.code, 1);
    assert.match(named.stderr, /request id/);
    const unknown = await run(["bucket", "list", "--profile", "absent"], { connect: false });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /no profile "absent" .* \(it has: default, wrong\)/);
  } finally {
    await rm(join(home, ".ossv"), { recursive: true, force: true });
  }
});

test("temporary credentials from OSS_SESSION_TOKEN", async () => {
  // A user with a policy, and its temporary key used through the environment.
  await ok(["admin", "user", "create", "reader", "--endpoint", endpoint], { connect: false });
  const policy = join(dir, "reader.json");
  await writeFile(policy, JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["oss:ListVectorBuckets"], Resource: ["*"] }] }));
  await ok(["admin", "policy", "attach", "reader", "--file", policy, "--endpoint", endpoint], { connect: false });
  const sts = JSON.parse(await ok(["admin", "sts", "issue", "reader", "--endpoint", endpoint], { connect: false })) as {
    accessKeyId: string; accessKeySecret: string; securityToken: string;
  };
  const env = userEnv({ OSS_ACCESS_KEY_ID: sts.accessKeyId, OSS_ACCESS_KEY_SECRET: sts.accessKeySecret, OSS_SESSION_TOKEN: sts.securityToken });
  assert.match(await ok(["bucket", "list"], { env }), /"buckets"/);
  const withoutToken = await run(["bucket", "list"], { env: { ...env, OSS_SESSION_TOKEN: "" } });
  assert.equal(withoutToken.code, 1);
});

test("every command has its own --help; ossv --help lists the command groups and exit codes", async () => {
  const top = await ok(["--help"], { connect: false });
  for (const group of ["serve", "admin", "restore", "bucket", "index", "policy", "logging", "vectors"]) assert.match(top, new RegExp(`^  ${group}\\b`, "m"));
  assert.match(top, /Exit codes:/);
  const query = await ok(["vectors", "query", "--help"], { connect: false });
  for (const flag of ["--vector <json>", "--vector-file <f>", "--like <key>", "--filter <json>", "--top-k <k>", "--metadata", "--distance", "--profile <name>", "--output <format>"]) {
    assert.ok(query.includes(flag), flag);
  }
  assert.match(await ok(["help", "serve"], { connect: false }), /usage: ossv serve \[options\]/);
});
