// The offline tools on a shared store with the race that timing alone makes rare on Ceph, made to
// happen exactly (docs/scale-out.md#offline-tools-on-a-shared-store): another node's writer commits a
// checkpoint and prunes what it superseded while the tool reads.
// - A backup meets a snapshot pruned before it copied it: it names the index's newer state and
//   copies that; the store restored from it holds every row, and a node opens it.
// - An fsck check meets the same: no problem is reported, and it sends no write.
// Both run the prune at the first read of a snapshot, after the manifest in force was chosen.
// And a damaged newest lease, which stops every node: fsck reports it, and repair writes the next
// epoch's lease so that a node takes the index again.
// Nodes run in one process on one real store (a local directory), as in shared-collection.test.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { CollectionLayout } from "../storage/collection-layout.ts";
import { encodeCatalog } from "../catalog/catalog-codec.ts";
import { CATALOG_DIR, CATALOG_EXT } from "../catalog/catalog.ts";
import { numberedName } from "../storage/numbered-objects.ts";
import { encodeFormatGeneration, GENERATION_DIR, GENERATION_EXT, SHARED_GENERATION } from "../storage/format-generation.ts";
import { copySharedStore } from "./shared-backup.ts";
import { fsckSharedStore } from "../fsck/fsck.ts";
import { restoreBackupToStore, writeBackupWith } from "../storage/backup.ts";
import { TestCluster, testIndex } from "../testing/cluster-nodes.ts";
import { DelegatingStore, withTempDir } from "../testing/test-support.ts";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import type { SharedCollection } from "./shared-collection.ts";
import type { VectorRecord } from "../base/types.ts";

const index = testIndex("00112233445566aa");
const layout = new CollectionLayout(index.id);
const row = (key: string, x: number): VectorRecord => ({ key, data: Float32Array.from([x, x + 1, x + 2]), metadata: { x } });
const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`);

/**
 * Runs `gap` once, just before the first read of a snapshot: after the tool chose the manifest in
 * force (reading manifests and the WAL) and before it read what that manifest names. Counts the
 * writes sent through it.
 */
class PruneDuringRead extends DelegatingStore {
  gap: (() => Promise<void>) | undefined;
  writes = 0;

  override async get(name: string): Promise<Uint8Array | undefined> {
    const gap = this.gap;
    if (gap && name.startsWith(`${layout.snapshotDir}/`)) {
      this.gap = undefined;
      await gap();
    }
    return this.inner.get(name);
  }

  override createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    this.writes++;
    return this.inner.createIfAbsent(name, bytes);
  }

  override delete(name: string): Promise<void> {
    this.writes++;
    return this.inner.delete(name);
  }
}

/** A shared store with the catalog naming the index, its writer on node-a, 30 rows in a checkpoint and 10 in the WAL after it. */
async function sharedStore(dir: string, run: (store: BlobStore, writer: SharedCollection, cluster: TestCluster) => Promise<void>): Promise<void> {
  const store = new LocalBlobStore(dir);
  await store.createIfAbsent(numberedName(GENERATION_DIR, SHARED_GENERATION, GENERATION_EXT), encodeFormatGeneration(SHARED_GENERATION));
  await store.createIfAbsent(numberedName(CATALOG_DIR, 1, CATALOG_EXT), encodeCatalog({
    seq: 1, accounts: [{ accountId: index.accountId, createdAt: index.createdAt }], accessKeys: [],
    buckets: [{ accountId: index.accountId, name: index.bucket, region: "cn-hangzhou", createdAt: index.createdAt }], indexes: [index], users: [],
  }));
  const cluster = new TestCluster(store);
  try {
    const writer = await (await cluster.join("node-a")).open(index);
    await writer.maintain();
    assert.ok(writer.isWriter);
    for (let i = 0; i < 30; i++) await writer.put([row(`k${i}`, i)]);
    await writer.checkpoint();
    for (let i = 30; i < 40; i++) await writer.put([row(`k${i}`, i)]);
    await run(store, writer, cluster);
  } finally {
    await cluster.close();
  }
}

/** Ten more rows and a checkpoint, which prunes the snapshot and WAL objects the backup or fsck named. */
const commitMore = (writer: SharedCollection) => async () => {
  for (let i = 40; i < 50; i++) await writer.put([row(`k${i}`, i)]);
  await writer.checkpoint();
};

test("a backup whose snapshot is pruned before it is copied names the newer state; the restored store holds every row", async () => {
  await withTempDir(async (dir) => {
    await sharedStore(join(dir, "live"), async (store, writer) => {
      const racing = new PruneDuringRead(store);
      const before = await store.list(layout.root);
      racing.gap = commitMore(writer);
      const dest = join(dir, "backup");
      const summary = await writeBackupWith(async (signal) => ({ ...(await copySharedStore(racing, dest, signal)), shared: true }), dest, {});
      assert.equal(racing.gap, undefined, "the prune ran during the copy");
      assert.equal(racing.writes, 0, "a backup writes nothing to the store");
      const after = await store.list(layout.root);
      assert.ok(before.some((name) => name.includes("/snapshot/") && !after.includes(name)), "the checkpoint pruned the snapshot the copy had named");
      assert.equal(summary.indexes, 1);
      const record = JSON.parse(await readFile(join(dest, "BACKUP.json"), "utf8")) as { files: string[]; shared: boolean };
      assert.equal(record.shared, true);

      const restoredDir = await mkdtemp(join(dir, "restored-"));
      const restored = new LocalBlobStore(restoredDir);
      const result = await restoreBackupToStore(dest, restored, restoredDir);
      assert.equal(result.objects, record.files.length);
      const other = new TestCluster(restored);
      try {
        const reader = await (await other.join("node-x")).open(index);
        assert.deepEqual(reader.get(keys(50)).map((vector) => vector.key).sort(), keys(50).sort());
        assert.equal(reader.count(), 50);
      } finally {
        await other.close();
      }
    });
  });
});

test("fsck on a shared store pruned under the check reports nothing and writes nothing", async () => {
  await withTempDir(async (dir) => {
    await sharedStore(dir, async (store, writer) => {
      const racing = new PruneDuringRead(store);
      racing.gap = commitMore(writer);
      const { report } = await fsckSharedStore(racing, { location: dir, deadAfterMs: 5000 });
      assert.equal(racing.gap, undefined, "the prune ran during the check");
      assert.deepEqual(report.problems, []);
      assert.equal(report.clean, true);
      assert.equal(racing.writes, 0, "a check writes nothing");
    });
  });
});

test("a damaged newest lease is damage on a shared store; repair writes the next epoch's, and a node takes the index", async () => {
  await withTempDir(async (dir) => {
    await sharedStore(dir, async (store, _writer, cluster) => {
      const lease = layout.leaseName(1);
      const bytes = (await store.get(lease))!;
      await writeFile(join(dir, lease), bytes.subarray(0, bytes.length - 2));
      const checked = await fsckSharedStore(store, { location: dir, deadAfterMs: 5000 });
      assert.deepEqual(checked.report.problems.map((problem) => [problem.object, problem.severity]), [[lease, "damage"]]);

      for (const node of cluster.nodes.values()) await node.leave(); // stopped cleanly: no heartbeat is left
      const repaired = await fsckSharedStore(store, { location: dir, deadAfterMs: 5000, repair: true });
      assert.equal(repaired.report.repaired, true);
      assert.deepEqual(repaired.report.written, [layout.leaseName(2)]);
      assert.deepEqual((await fsckSharedStore(store, { location: dir, deadAfterMs: 5000 })).report.problems, []);

      const other = new TestCluster(store);
      try {
        const taken = await (await other.join("node-b")).open(index);
        await taken.maintain();
        assert.ok(taken.isWriter, "node-b took the index");
        assert.equal(taken.count(), 40);
        assert.ok(await store.get(layout.leaseName(3)), "node-b claimed the epoch above the repaired lease");
      } finally {
        await other.close();
      }
    });
  });
});
