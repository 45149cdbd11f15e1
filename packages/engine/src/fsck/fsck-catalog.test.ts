// fsck of the catalog: a damaged newest catalog object is rolled back to the newest readable one with
// all access revoked (a lost change may have deleted a key or removed a policy statement); storage of
// indexes the rolled-back catalog does not know goes to quarantine; a damaged older object is harmless.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fsck } from "./fsck.ts";
import { fsckExitCode } from "./fsck-report.ts";
import type { OssvEngine } from "../engine.ts";
import { ACCOUNT, BUCKET, flipBit, openTestEngine, setupIndex, vector, withTempDir } from "../testing/test-support.ts";
import type { AccessKeyRecord } from "../base/types.ts";

const CREATED = "2026-01-01T00:00:00.000Z";
const POLICY = '{"Version":"1","Statement":[{"Effect":"Allow","Principal":["*"],"Action":["oss:*"],"Resource":["*"]}]}';

function key(accessKeyId: string, extra: Partial<AccessKeyRecord> = {}): AccessKeyRecord {
  return { accessKeyId, accessKeySecret: `secret-${accessKeyId}`, accountId: ACCOUNT, status: "active", createdAt: CREATED, ...extra };
}

/** Account with a root key, a RAM user with two keys and temporary credentials, a bucket policy. */
async function populate(engine: OssvEngine) {
  const index = await setupIndex(engine, "index1", 2);
  await engine.collection(index).put([vector("a", [1, 2]), vector("b", [3, 4])]);
  const { catalog } = engine;
  await catalog.createUser(ACCOUNT, "alice", "200000000000001");
  await catalog.putAccessKey(key("ROOT1"));
  await catalog.putAccessKey(key("ALICE1", { userName: "alice" }));
  await catalog.putAccessKey(key("ALICE2", { userName: "alice" }));
  await catalog.putAccessKey(key("STS1", { userName: "alice", securityToken: "token", expiresAt: "2099-01-01T00:00:00.000Z" }));
  await catalog.setBucketPolicy(ACCOUNT, BUCKET, POLICY);
  return index;
}

async function damageNewestCatalog(dir: string): Promise<string> {
  const name = `catalog/${(await readdir(join(dir, "catalog"))).sort().at(-1)}`;
  const bytes = await readFile(join(dir, name));
  await writeFile(join(dir, name), flipBit(bytes, Math.floor(bytes.length / 2), 2));
  return name;
}

function assertRevoked(engine: OssvEngine): void {
  const keys = engine.catalog.listAccessKeys(ACCOUNT);
  assert.deepEqual(keys.map((record) => [record.accessKeyId, record.status]), [["ALICE1", "disabled"], ["ROOT1", "disabled"]]);
  assert.equal(engine.catalog.getAccessKey("STS1"), undefined, "temporary credentials are dropped");
  assert.equal(engine.catalog.getBucket(ACCOUNT, BUCKET)?.policy, undefined, "bucket policies are removed");
}

test("a RAM key deleted, then the newest catalog damaged: repair keeps it deleted, disables every other key", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    const index = await populate(engine);
    await engine.catalog.deleteAccessKey("ALICE2");
    const spec = { name: "index2", dimension: 2, distanceMetric: "cosine" as const, dataType: "float32" as const, nonFilterableMetadataKeys: [] };
    const lostIndex = await engine.catalog.createIndex(ACCOUNT, BUCKET, spec, 100);
    await engine.collection(lostIndex).put([vector("x", [1, 0])]);
    await engine.close();
    const damaged = await damageNewestCatalog(dir);

    const { report } = await fsck(dir);
    assert.equal(fsckExitCode(report), 1);
    const problem = report.problems.find((found) => found.object === damaged);
    assert.match(problem?.repair ?? "", /2 access key\(s\) disabled \(root included\), 1 temporary credential\(s\) dropped, 1 bucket policy/);
    const orphan = report.problems.find((found) => found.object === `indexes/${lostIndex.id}/`);
    assert.equal(orphan?.severity, "damage", "storage of an index the lost change created");
    assert.ok(report.operatorActions.some((action) => action.includes("ossv admin root-key reset --data-dir DIR")));

    const repaired = (await fsck(dir, { repair: true })).report;
    assert.equal(fsckExitCode(repaired), 0);
    assert.deepEqual(repaired.moved, [damaged, `indexes/${lostIndex.id}/`]);
    await stat(join(dir, repaired.quarantine as string, "indexes", lostIndex.id, "wal"));
    await stat(join(dir, repaired.quarantine as string, damaged));
    assert.ok((await fsck(dir)).report.clean);

    const reopened = await openTestEngine(dir);
    try {
      assert.equal(reopened.catalog.getAccessKey("ALICE2"), undefined, "the deleted key is still gone");
      assertRevoked(reopened);
      assert.equal(reopened.catalog.getIndex(ACCOUNT, BUCKET, "index2"), undefined);
      assert.deepEqual(reopened.collection(index).get(["a", "b"]).map((record) => record.key), ["a", "b"]);
    } finally {
      await reopened.close();
    }
  });
});

test("the deletion of a key is the damaged catalog change: the key comes back disabled, never usable", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    await populate(engine);
    await engine.catalog.deleteAccessKey("ALICE2");
    await engine.close();
    await damageNewestCatalog(dir);
    assert.equal(fsckExitCode((await fsck(dir, { repair: true })).report), 0);
    const reopened = await openTestEngine(dir);
    try {
      assert.equal(reopened.catalog.getAccessKey("ALICE2")?.status, "disabled");
      assert.ok(reopened.catalog.listAccessKeys(ACCOUNT).every((record) => record.status === "disabled"));
    } finally {
      await reopened.close();
    }
  });
});

test("a damaged older catalog object is harmless: reported, moved aside, and nothing is revoked", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    await populate(engine);
    await engine.close();
    const oldest = `catalog/${(await readdir(join(dir, "catalog"))).sort()[0]}`;
    await writeFile(join(dir, oldest), (await readFile(join(dir, oldest))).subarray(0, 20));
    const { report } = await fsck(dir);
    assert.deepEqual(report.problems.map((problem) => [problem.object, problem.severity]), [[oldest, "harmless"]]);
    const repaired = (await fsck(dir, { repair: true })).report;
    assert.deepEqual([repaired.moved, repaired.written], [[oldest], []]);
    const reopened = await openTestEngine(dir);
    try {
      assert.equal(reopened.catalog.getAccessKey("ROOT1")?.status, "active");
    } finally {
      await reopened.close();
    }
  });
});

test("the catalog directory gone while index data remains: the data is reported and quarantined, not deleted", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir);
    const index = await populate(engine);
    await engine.close();
    await rm(join(dir, "catalog"), { recursive: true });
    const { report } = await fsck(dir);
    assert.deepEqual(report.problems.map((problem) => [problem.object, problem.severity]), [[`indexes/${index.id}/`, "damage"]]);
    const repaired = (await fsck(dir, { repair: true })).report;
    assert.deepEqual(repaired.moved, [`indexes/${index.id}/`]);
    await stat(join(dir, repaired.quarantine as string, "indexes", index.id));
    const reopened = await openTestEngine(dir);
    assert.deepEqual(reopened.catalog.listAccounts(), [], "the directory opens as a new one");
    await reopened.close();
  });
});
