// The real `ossv admin fsck` command on real data directories: it refuses while the directory is in
// use, reports damage with exit code 1, repairs it into quarantine/, reports a missing master key
// without inventing one, and refuses a directory a newer ossv wrote without touching it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { openEngine, type FsckReport } from "@ossv/engine";
import { replaceRootKey } from "@ossv/server";
import { encodeFormatGeneration } from "../../packages/engine/src/storage/format-generation.ts";
import { withTempDir } from "../../packages/engine/src/testing/test-support.ts";
import { OSSV_CLI } from "./serve-process.ts";

const ACCOUNT = "1000000000000001";

function runFsck(dataDir: string, ...extra: string[]): { status: number | null; report: FsckReport | undefined; stderr: string } {
  const env = { ...process.env };
  delete env["OSSV_MASTER_KEY"];
  const result = spawnSync(process.execPath, [...OSSV_CLI, "admin", "fsck", "--data-dir", dataDir, ...extra], { encoding: "utf8", env, timeout: 120_000 });
  return { status: result.status, report: result.stdout ? (JSON.parse(result.stdout) as FsckReport) : undefined, stderr: result.stderr };
}

/** An index with three WAL objects of one key each; returns the index record. */
async function indexWithWal(dataDir: string) {
  const engine = await openEngine({ dataDir });
  await engine.catalog.createAccount(ACCOUNT);
  await engine.catalog.createBucket({ accountId: ACCOUNT, name: "bucket-a", region: "cn-hangzhou" });
  const spec = { name: "index1", dimension: 2, distanceMetric: "euclidean" as const, dataType: "float32" as const, nonFilterableMetadataKeys: [] };
  const index = await engine.catalog.createIndex(ACCOUNT, "bucket-a", spec, 100);
  for (const key of ["a", "b", "c"]) await engine.collection(index).put([{ key, data: Float32Array.from([1, 2]), metadata: {} }]);
  return { engine, index };
}

test("ossv admin fsck: refuses a directory in use, reports a damaged WAL object, repairs it, then is clean", async () => {
  await withTempDir(async (dataDir) => {
    const { engine, index } = await indexWithWal(dataDir);
    const busy = runFsck(dataDir);
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, /in use/);
    await engine.close();

    const walDir = join(dataDir, "indexes", index.id, "wal");
    const second = join(walDir, (await readdir(walDir)).sort()[1] as string);
    const bytes = await readFile(second);
    await writeFile(second, bytes.subarray(0, bytes.length - 3));
    const checked = runFsck(dataDir);
    assert.equal(checked.status, 1, checked.stderr);
    assert.equal(checked.report?.problems[0]?.object, `indexes/${index.id}/wal/${second.split("/").at(-1)}`);
    assert.deepEqual(checked.report?.problems[0]?.lost, { unknownWalObjects: 1, putKeys: 1, deleteKeys: 0 });

    const repaired = runFsck(dataDir, "--repair");
    assert.equal(repaired.status, 0, repaired.stderr);
    assert.equal(repaired.report?.moved?.length, 2);
    await stat(join(dataDir, repaired.report?.quarantine as string, "indexes", index.id, "wal"));
    assert.equal(runFsck(dataDir).status, 0);

    const reopened = await openEngine({ dataDir });
    try {
      assert.deepEqual(reopened.collection(index).get(["a", "b", "c"]).map((record) => record.key), ["a"]);
    } finally {
      await reopened.close();
    }
  });
});

test("ossv admin fsck: a missing master.key with sealed secrets is reported, and repair makes no new key", async () => {
  await withTempDir(async (dataDir) => {
    const engine = await openEngine({ dataDir });
    await engine.catalog.createAccount(ACCOUNT);
    await engine.close();
    await replaceRootKey(dataDir); // seals the new root key under a new master.key
    await rm(join(dataDir, "master.key"));
    for (const extra of [[], ["--repair"]]) {
      const result = runFsck(dataDir, ...extra);
      assert.equal(result.status, 1, result.stderr);
      assert.deepEqual(result.report?.problems.map((problem) => [problem.object, problem.problem]), [["master.key", "missing"]]);
    }
    await assert.rejects(stat(join(dataDir, "master.key")), "no master key was invented");
  });
});

test("ossv admin fsck: a directory a newer ossv wrote is refused with both generations named, and left as it is", async () => {
  await withTempDir(async (dataDir) => {
    const { engine } = await indexWithWal(dataDir);
    await engine.close();
    await writeFile(join(dataDir, "format", "00000000000000000002.json"), encodeFormatGeneration(2));
    for (const extra of [[], ["--repair"]]) {
      const result = runFsck(dataDir, ...extra);
      assert.equal(result.status, 1, result.stderr);
      assert.equal(result.report, undefined, "no report: this build cannot judge the directory");
      assert.match(result.stderr, /data directory has format generation 2, but this ossv reads generation 1 at most: it was written by a newer ossv/);
      assert.match(result.stderr, /Nothing was changed; use a newer ossv/);
    }
    await assert.rejects(stat(join(dataDir, "quarantine")), "nothing was quarantined");
    await assert.rejects(openEngine({ dataDir }), /written by a newer ossv/);
  });
});
