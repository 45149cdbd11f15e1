// Taking an index as its writer on a shared store (docs/scale-out.md#safety-the-wal-sequence-fences):
// claim the next lease, fence the WAL, recover with leftovers removed. Two interleavings that timing
// alone made rare in fence-race.test.ts are made to happen exactly here:
// - a newer writer fences the recovering one and commits a checkpoint before the recovery's deletes
//   run (a store wrapper runs the newer writer's whole takeover while the older one lists snapshots):
//   only what was there before the recovering writer's fence may be removed;
// - two nodes claim leases 2 and 3, and the holder of 3 fences first: the holder of 2 must not write
//   after the fence of a newer epoch.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { CollectionLayout } from "../storage/collection-layout.ts";
import { claimLease, newestLease, type Lease } from "./lease.ts";
import { fenceAndRecover } from "./fence.ts";
import { SEGMENT_IDS_PER_EPOCH } from "./shared-collection.ts";
import { DurableCollection } from "../collection/collection.ts";
import { recoverShared } from "../collection/shared-recovery.ts";
import { FencedError } from "../base/errors.ts";
import { MANUAL_POLICY, testIndex } from "../testing/cluster-nodes.ts";
import { DelegatingStore, withTempDir } from "../testing/test-support.ts";
import type { VectorRecord } from "../base/types.ts";

const index = testIndex("0123456789abcdef");
const layout = new CollectionLayout(index.id);
const row = (key: string, x: number): VectorRecord => ({ key, data: Float32Array.from([x, x + 1, x + 2]), metadata: { x } });

/**
 * A store that runs `gap` once: at the first listing of the snapshots after this store created a WAL
 * object, which is a writer's fence when the gap is set just before it takes the index.
 */
class GapStore extends DelegatingStore {
  private gap: (() => Promise<void>) | undefined;
  private fenced = false;

  duringRecovery(gap: () => Promise<void>): void {
    this.gap = gap;
    this.fenced = false;
  }

  override async list(prefix: string): Promise<string[]> {
    const gap = this.gap;
    if (gap !== undefined && this.fenced && prefix.startsWith(layout.snapshotDir)) {
      this.gap = undefined;
      await gap();
    }
    return this.inner.list(prefix);
  }
  override async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const created = await this.inner.createIfAbsent(name, bytes);
    if (created && name.startsWith(layout.walDir)) this.fenced = true;
    return created;
  }
}

async function claim(store: BlobStore, node: string): Promise<Lease> {
  return await claimLease(store, layout, (await newestLease(store, layout))?.epoch ?? 0, { node, url: "" }) ?? assert.fail("lease");
}

/** Takes the index as a node does: the next lease (unless given), the fence, recovery with leftovers removed. */
async function takeWriter(store: BlobStore, node: string, claimed?: Lease): Promise<DurableCollection> {
  const lease = claimed ?? await claim(store, node);
  const { recovered } = await fenceAndRecover(store, layout, lease, index);
  if (recovered === undefined) assert.fail(`${node} found a newer lease after its fence`);
  recovered.nextSegmentId = lease.epoch * SEGMENT_IDS_PER_EPOCH + 1;
  return DurableCollection.sharedWriter(store, index, recovered, MANUAL_POLICY, {}, { onFenced: () => undefined });
}

/** A first writer that writes `key`, flushes and commits a checkpoint, then stops. */
async function commitOneRow(store: BlobStore, key: string): Promise<void> {
  const first = await takeWriter(store, "first");
  await first.put([row(key, 1)]);
  await first.flush();
  await first.checkpoint();
  first.abandonBackground();
  await first.close();
}

test("a writer fenced while it recovers removes nothing the newer writer made: its committed checkpoint stays whole", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    await commitOneRow(store, "old");

    const gap = new GapStore(store);
    let newer: DurableCollection | undefined;
    // The older writer's recovery pauses at its snapshot listing; meanwhile the newer one fences it,
    // recovers, acknowledges a write and commits a checkpoint with a snapshot and a segment of its own.
    gap.duringRecovery(async () => {
      newer = await takeWriter(store, "newer");
      await newer.put([row("new", 2)]);
      await newer.flush();
      await newer.checkpoint();
    });
    const older = await takeWriter(gap, "older");
    older.abandonBackground();
    await older.close();
    assert.ok(newer !== undefined, "the newer writer ran during the older one's recovery");

    const after = await recoverShared(store, layout, index);
    assert.deepEqual(["old", "new"].map((key) => after.state.get(key)?.key), ["old", "new"], "both acknowledged writes are there");
    assert.equal(after.state.count, 2);
    newer.abandonBackground();
    await newer.close();
  });
});

test("a writer's recovery removes the leftovers that were there before its fence and keeps what its manifest names", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    await commitOneRow(store, "old");
    // What a writer fenced mid-checkpoint leaves: a snapshot, a deletion object and a segment no
    // committed manifest names.
    const removed = [layout.snapshotName(39), layout.segmentName(5 * SEGMENT_IDS_PER_EPOCH + 1)];
    const highest = layout.deletesName(40);
    for (const name of [...removed, highest]) assert.ok(await store.createIfAbsent(name, new Uint8Array([1, 2, 3])));

    const second = await takeWriter(store, "second");
    for (const name of removed) assert.equal(await store.get(name), undefined, `${name} was removed`);
    // Removed, number 40 could be taken again by the next writer, and a late duplicate of this
    // recovery's DELETE would then remove that writer's object.
    assert.ok(await store.get(highest), "the object at the highest checkpoint number stays, marking it used");
    assert.equal(second.get(["old"])[0]?.key, "old", "the committed checkpoint's row is there");
    await second.put([row("new", 2)]);
    await second.checkpoint();
    assert.ok(await store.get(layout.manifestName(41)), "the next checkpoint goes above it");
    second.abandonBackground();
    await second.close();

    const third = await takeWriter(store, "third");
    assert.equal(await store.get(highest), undefined, "once a higher number exists, the next recovery removes it");
    assert.deepEqual(third.get(["old", "new"]).map((record) => record.key), ["old", "new"]);
    third.abandonBackground();
    await third.close();
    const after = await recoverShared(store, layout, index);
    assert.equal(after.state.count, 2);
  });
});

test("a writer whose lease was overtaken before its fence was made writes nothing; the newer one is fenced by it and steps down", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const first = await takeWriter(store, "first");
    await first.put([row("k1", 1)]);
    first.abandonBackground();
    await first.close();
    const older = await claim(store, "older");
    const newer = await takeWriter(store, "newer", await claim(store, "newer"));
    const taken = await fenceAndRecover(store, layout, older, index);
    assert.equal(taken.recovered, undefined, "the holder of the older lease does not become the writer");
    await assert.rejects(newer.put([row("k2", 2)]), (error: unknown) => error instanceof FencedError, "its fence stops the newer one");
    newer.abandonBackground();
    await newer.close();
    const after = await recoverShared(store, layout, index);
    assert.deepEqual([after.state.count, after.state.get("k1")?.key], [1, "k1"]);
  });
});

/** A store that runs `before` once, just before the first WAL object it is asked to create: a fence. */
class BeforeFenceStore extends DelegatingStore {
  constructor(inner: BlobStore, private before: (() => Promise<void>) | undefined) {
    super(inner);
  }

  override async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const before = this.before;
    if (before !== undefined && name.startsWith(layout.walDir)) {
      this.before = undefined;
      await before();
    }
    return this.inner.createIfAbsent(name, bytes);
  }
}

test("a fence that lands on a number the old writer already wrote and pruned is made again above it: the old writer is stopped", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const first = await takeWriter(store, "first");
    await first.put([row("a", 1)]);
    // The new writer lists the WAL and finds its end; before its fence is created, the old writer
    // writes that very number, commits a checkpoint above it and prunes it, so the number is free again.
    const slow = new BeforeFenceStore(store, async () => {
      await first.put([row("b", 2)]);
      await first.checkpoint();
    });
    const second = await takeWriter(slow, "second");
    await assert.rejects(first.put([row("c", 3)]), (error: unknown) => error instanceof FencedError, "the old writer meets the fence");
    await second.put([row("d", 4)]);
    first.abandonBackground();
    await first.close();
    second.abandonBackground();
    await second.close();
    const after = await recoverShared(store, layout, index);
    assert.deepEqual(["a", "b", "c", "d"].map((key) => after.state.get(key)?.key), ["a", "b", undefined, "d"]);
  });
});
