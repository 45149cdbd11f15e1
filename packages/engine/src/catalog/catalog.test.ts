import { test } from "node:test";
import assert from "node:assert/strict";
import { EngineError, type AccessKeyRecord, type EngineErrorCode, type IndexSpec } from "../base/types.ts";
import { ACCOUNT, BUCKET, openTestEngine, vector, withTempDir } from "../testing/test-support.ts";
import type { OssvEngine } from "../engine.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEngine } from "../engine.ts";

const spec = (name: string): IndexSpec => ({
  name,
  dimension: 3,
  distanceMetric: "cosine",
  dataType: "float32",
  nonFilterableMetadataKeys: ["raw"],
});

const rootKey: AccessKeyRecord = {
  accessKeyId: "LTAIroot",
  accessKeySecret: "secret",
  accountId: ACCOUNT,
  status: "active",
  createdAt: "2025-01-01T00:00:00.000Z",
};

async function rejectsWith(promise: Promise<unknown>, code: EngineErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => error instanceof EngineError && error.code === code);
}

async function withEngine(run: (engine: OssvEngine, dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    try {
      await run(engine, dir);
    } finally {
      await engine.close();
    }
  });
}

test("users: create, list, attach and detach policies, delete with their keys, survive reopen", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ossv-users-"));
  try {
    const engine = await openEngine({ dataDir: dir });
    const { catalog } = engine;
    await catalog.createAccount(ACCOUNT);
    await rejectsWith(catalog.createUser("nobody", "x", "1"), "NO_SUCH_ACCOUNT");
    await catalog.createUser(ACCOUNT, "bob", "7001");
    await catalog.createUser(ACCOUNT, "amy", "7002");
    await rejectsWith(catalog.createUser(ACCOUNT, "bob", "7003"), "USER_EXISTS");
    await rejectsWith(catalog.createUser(ACCOUNT, "cid", "7001"), "USER_EXISTS");
    assert.deepEqual(catalog.listUsers(ACCOUNT).map((u) => u.userName), ["amy", "bob"]);
    await catalog.putUserPolicy(ACCOUNT, "bob", "read", '{"Version":"1"}');
    await rejectsWith(catalog.deleteUserPolicy(ACCOUNT, "bob", "write"), "NO_SUCH_POLICY");
    await rejectsWith(catalog.putUserPolicy(ACCOUNT, "zed", "read", "{}"), "NO_SUCH_USER");
    await catalog.putAccessKey({ ...rootKey, accessKeyId: "LTAIbob", userName: "bob" });
    await engine.close();
    const reopened = await openEngine({ dataDir: dir });
    assert.deepEqual(reopened.catalog.getUser(ACCOUNT, "bob")?.policies, { read: '{"Version":"1"}' });
    await reopened.catalog.deleteUserPolicy(ACCOUNT, "bob", "read");
    await reopened.catalog.deleteUser(ACCOUNT, "bob");
    assert.equal(reopened.catalog.getAccessKey("LTAIbob"), undefined);
    assert.equal(reopened.catalog.getUser(ACCOUNT, "bob"), undefined);
    await rejectsWith(reopened.catalog.deleteUser(ACCOUNT, "bob"), "NO_SUCH_USER");
    await reopened.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("accounts: create, get, list sorted, refuse duplicates", async () => {
  await withEngine(async ({ catalog }) => {
    await catalog.createAccount("2");
    const first = await catalog.createAccount("1");
    assert.equal(first.accountId, "1");
    assert.equal(catalog.getAccount("1")?.createdAt, first.createdAt);
    assert.equal(catalog.getAccount("3"), undefined);
    assert.deepEqual(catalog.listAccounts().map((a) => a.accountId), ["1", "2"]);
    await rejectsWith(catalog.createAccount("1"), "ACCOUNT_EXISTS");
  });
});

test("access keys: put, replace, list, delete, and their errors", async () => {
  await withEngine(async ({ catalog }) => {
    await rejectsWith(catalog.putAccessKey(rootKey), "NO_SUCH_ACCOUNT");
    await catalog.createAccount(ACCOUNT);
    await catalog.putAccessKey(rootKey);
    await rejectsWith(catalog.putAccessKey({ ...rootKey, accessKeyId: "LTAIuser", userName: "alice" }), "NO_SUCH_USER");
    await catalog.createUser(ACCOUNT, "alice", "9001");
    await catalog.createUser(ACCOUNT, "mallory", "9002");
    await catalog.putAccessKey({ ...rootKey, accessKeyId: "LTAIuser", userName: "alice" });
    await catalog.putAccessKey({ ...rootKey, status: "disabled" });
    assert.equal(catalog.getAccessKey("LTAIroot")?.status, "disabled");
    assert.deepEqual(catalog.listAccessKeys(ACCOUNT).map((k) => k.accessKeyId), ["LTAIroot", "LTAIuser"]);
    assert.deepEqual(catalog.listAccessKeys("other"), []);
    await rejectsWith(catalog.putAccessKey({ ...rootKey, userName: "mallory" }), "ACCESS_KEY_EXISTS");
    await catalog.deleteAccessKey("LTAIuser");
    assert.equal(catalog.getAccessKey("LTAIuser"), undefined);
    await rejectsWith(catalog.deleteAccessKey("LTAIuser"), "NO_SUCH_ACCESS_KEY");
  });
});

test("buckets: create, get, list in byte order, delete, and their errors", async () => {
  await withEngine(async ({ catalog }) => {
    await rejectsWith(catalog.createBucket({ accountId: ACCOUNT, name: "b", region: "r" }), "NO_SUCH_ACCOUNT");
    await catalog.createAccount(ACCOUNT);
    for (const name of ["b-2", "b1", "a", "b-10"]) {
      await catalog.createBucket({ accountId: ACCOUNT, name, region: "cn-hangzhou", tags: { team: "x" } });
    }
    assert.deepEqual(catalog.listBuckets(ACCOUNT).map((b) => b.name), ["a", "b-10", "b-2", "b1"]);
    assert.deepEqual(catalog.getBucket(ACCOUNT, "a")?.tags, { team: "x" });
    await rejectsWith(catalog.createBucket({ accountId: ACCOUNT, name: "a", region: "r" }), "BUCKET_EXISTS");
    await catalog.deleteBucket(ACCOUNT, "a");
    assert.equal(catalog.getBucket(ACCOUNT, "a"), undefined);
    await rejectsWith(catalog.deleteBucket(ACCOUNT, "a"), "NO_SUCH_BUCKET");
  });
});

test("bucket policy is kept byte for byte, and logging config is set and cleared", async () => {
  await withEngine(async (engine, dir) => {
    const { catalog } = engine;
    await catalog.createAccount(ACCOUNT);
    await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "r" });
    const policy = '{ "Version":"1",\n\t"Statement" : [ ] , "note": "ünïcödé \\u00e9 😀" }  ';
    await catalog.setBucketPolicy(ACCOUNT, BUCKET, policy);
    await catalog.setBucketLogging(ACCOUNT, BUCKET, { targetBucket: "logs", targetPrefix: "p/" });
    await rejectsWith(catalog.setBucketPolicy(ACCOUNT, "missing", "{}"), "NO_SUCH_BUCKET");
    await rejectsWith(catalog.setBucketLogging(ACCOUNT, "missing", undefined), "NO_SUCH_BUCKET");
    await engine.close();
    const reopened = await openTestEngine(dir);
    assert.equal(reopened.catalog.getBucket(ACCOUNT, BUCKET)?.policy, policy);
    assert.deepEqual(reopened.catalog.getBucket(ACCOUNT, BUCKET)?.logging, { targetBucket: "logs", targetPrefix: "p/" });
    await reopened.catalog.setBucketPolicy(ACCOUNT, BUCKET, undefined);
    await reopened.catalog.setBucketLogging(ACCOUNT, BUCKET, undefined);
    assert.equal(reopened.catalog.getBucket(ACCOUNT, BUCKET)?.policy, undefined);
    assert.equal(reopened.catalog.getBucket(ACCOUNT, BUCKET)?.logging, undefined);
    await reopened.close();
  });
});

test("indexes: create, get, list sorted, limit, delete, and their errors", async () => {
  await withEngine(async ({ catalog }) => {
    await catalog.createAccount(ACCOUNT);
    await rejectsWith(catalog.createIndex(ACCOUNT, BUCKET, spec("i"), 10), "NO_SUCH_BUCKET");
    await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "r" });
    const created = await catalog.createIndex(ACCOUNT, BUCKET, spec("b"), 2);
    assert.equal(created.bucket, BUCKET);
    assert.match(created.id, /^[0-9a-f]{16}$/);
    assert.deepEqual(created.nonFilterableMetadataKeys, ["raw"]);
    await catalog.createIndex(ACCOUNT, BUCKET, spec("a"), 2);
    await rejectsWith(catalog.createIndex(ACCOUNT, BUCKET, spec("a"), 5), "INDEX_EXISTS");
    await rejectsWith(catalog.createIndex(ACCOUNT, BUCKET, spec("c"), 2), "INDEX_LIMIT");
    assert.deepEqual(catalog.listIndexes(ACCOUNT, BUCKET).map((i) => i.name), ["a", "b"]);
    assert.deepEqual(catalog.getIndex(ACCOUNT, BUCKET, "b"), created);
    await rejectsWith(catalog.deleteBucket(ACCOUNT, BUCKET), "BUCKET_NOT_EMPTY");
    await catalog.deleteIndex(ACCOUNT, BUCKET, "a");
    await rejectsWith(catalog.deleteIndex(ACCOUNT, BUCKET, "a"), "NO_SUCH_INDEX");
    await rejectsWith(catalog.deleteIndex(ACCOUNT, "nobucket", "a"), "NO_SUCH_BUCKET");
    await catalog.deleteIndex(ACCOUNT, BUCKET, "b");
    await catalog.deleteBucket(ACCOUNT, BUCKET);
  });
});

test("records handed out cannot change the catalog: a change's result is a copy, reads are frozen", async () => {
  await withEngine(async ({ catalog }) => {
    await catalog.createAccount(ACCOUNT);
    const bucket = await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "r", tags: { a: "1" } });
    bucket.tags = { changed: "yes" };
    const listed = catalog.listBuckets(ACCOUNT)[0]!;
    assert.throws(() => { listed.tags!.a = "2"; }, TypeError);
    assert.throws(() => { catalog.getBucket(ACCOUNT, BUCKET)!.region = "elsewhere"; }, TypeError);
    assert.deepEqual(catalog.getBucket(ACCOUNT, BUCKET)?.tags, { a: "1" });
    assert.equal(catalog.getBucket(ACCOUNT, BUCKET)?.region, "r");
    // A later change still works on its own unfrozen draft and becomes visible.
    await catalog.setBucketPolicy(ACCOUNT, BUCKET, "{}");
    assert.equal(catalog.getBucket(ACCOUNT, BUCKET)?.policy, "{}");
  });
});

test("concurrent changes are serialized and all survive reopen", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    await engine.catalog.createAccount(ACCOUNT);
    const names = Array.from({ length: 20 }, (_, i) => `bucket-${String(i).padStart(2, "0")}`);
    await Promise.all(names.map((name) => engine.catalog.createBucket({ accountId: ACCOUNT, name, region: "r" })));
    await engine.close();
    const reopened = await openTestEngine(dir);
    assert.deepEqual(reopened.catalog.listBuckets(ACCOUNT).map((b) => b.name), names);
    await reopened.close();
  });
});

test("a deleted then re-created index of the same name sees none of the old data", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    const { catalog } = engine;
    await catalog.createAccount(ACCOUNT);
    await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "r" });
    const old = await catalog.createIndex(ACCOUNT, BUCKET, spec("idx"), 10);
    await engine.collection(old).put([vector("k1", [1, 0, 0])]);
    await catalog.deleteIndex(ACCOUNT, BUCKET, "idx");
    assert.throws(() => engine.collection(old), (e: unknown) => e instanceof EngineError && e.code === "NO_SUCH_INDEX");
    const fresh = await catalog.createIndex(ACCOUNT, BUCKET, spec("idx"), 10);
    assert.notEqual(fresh.id, old.id);
    assert.equal(engine.collection(fresh).count(), 0);
    await engine.close();
    const reopened = await openTestEngine(dir);
    assert.equal(reopened.collection(fresh).count(), 0);
    assert.deepEqual(reopened.collection(fresh).get(["k1"]), []);
    await reopened.close();
  });
});

test("a collection held across deleteIndex refuses further calls with NO_SUCH_INDEX", async () => {
  await withEngine(async (engine) => {
    const { catalog } = engine;
    await catalog.createAccount(ACCOUNT);
    await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "r" });
    const index = await catalog.createIndex(ACCOUNT, BUCKET, spec("idx"), 10);
    const collection = engine.collection(index);
    await catalog.deleteIndex(ACCOUNT, BUCKET, "idx");
    const isNoSuchIndex = (e: unknown): boolean => e instanceof EngineError && e.code === "NO_SUCH_INDEX";
    assert.throws(() => collection.count(), isNoSuchIndex);
    await assert.rejects(collection.put([vector("k", [1, 2, 3])]), isNoSuchIndex);
  });
});

test("S3 Vectors settings: modes, encryption and tags of buckets and indexes survive reopen; tag changes are bounded", async () => {
  await withTempDir(async (dir) => {
    let engine = await openTestEngine(dir);
    try {
      await engine.catalog.createAccount(ACCOUNT);
      await engine.catalog.createBucket({ accountId: ACCOUNT, name: "s3v", region: "r", defaultIndexMode: "ENHANCED", encryption: { sseType: "AES256" }, tags: { a: "1" } });
      await engine.catalog.createIndex(ACCOUNT, "s3v", { ...spec("idx"), indexMode: "CLASSIC", tags: { t: "x" } }, 10);
      await engine.catalog.setBucketDefaultIndexMode(ACCOUNT, "s3v", "CLASSIC");
      await engine.catalog.setIndexMode(ACCOUNT, "s3v", "idx", "ENHANCED");
      assert.deepEqual(await engine.catalog.changeTags({ accountId: ACCOUNT, bucket: "s3v" }, { b: "2", a: "3" }, ["missing"], 3), { a: "3", b: "2" });
      assert.deepEqual(await engine.catalog.changeTags({ accountId: ACCOUNT, bucket: "s3v", index: "idx" }, {}, ["t"], 3), {});
      await rejectsWith(engine.catalog.changeTags({ accountId: ACCOUNT, bucket: "s3v" }, { c: "", d: "" }, [], 3), "INVALID_ARGUMENT");
      await rejectsWith(engine.catalog.changeTags({ accountId: ACCOUNT, bucket: "s3v", index: "none" }, { c: "" }, [], 3), "NO_SUCH_INDEX");
      await rejectsWith(engine.catalog.setIndexMode(ACCOUNT, "none", "idx", "CLASSIC"), "NO_SUCH_BUCKET");
    } finally {
      await engine.close();
    }
    engine = await openTestEngine(dir);
    try {
      const bucket = engine.catalog.getBucket(ACCOUNT, "s3v");
      assert.equal(bucket?.defaultIndexMode, "CLASSIC");
      assert.deepEqual(bucket?.encryption, { sseType: "AES256" });
      assert.deepEqual(bucket?.tags, { a: "3", b: "2" });
      const index = engine.catalog.getIndex(ACCOUNT, "s3v", "idx");
      assert.equal(index?.indexMode, "ENHANCED");
      assert.equal(index?.tags, undefined);
    } finally {
      await engine.close();
    }
  });
});
