// SharedCollection: one index as each node of a cluster sees it (docs/scale-out.md). The first node
// to look at an index without a live writer takes it; writes through any other node are forwarded
// to the writer and seen on the forwarding node once acknowledged; a writer judged dead is replaced,
// and the old writer, meeting the new writer's fence at its next WAL number, steps down and sends
// its write on. Nothing acknowledged is lost and no deleted vector comes back, a fenced writer's
// checkpoint included. Nodes run in one process on one real store (a local directory); who is dead
// is decided by each node's own clock, which the test moves.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { CollectionLayout, LEASE_EXT } from "../storage/collection-layout.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { encodeLease, LEASES_KEPT, newestLease } from "./lease.ts";
import { FencedError } from "../base/errors.ts";
import type { SharedCollection } from "./shared-collection.ts";
import { DEAD_AFTER_MS, IDLE_AFTER_MS, takeOver, TestCluster, testIndex, type TestNode } from "../testing/cluster-nodes.ts";
import { DelegatingStore, withTempDir } from "../testing/test-support.ts";
import { EngineError } from "../base/types.ts";
import type { VectorRecord } from "../base/types.ts";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";

const index = testIndex("fedcba9876543210");
const layout = new CollectionLayout(index.id);
const row = (key: string, x: number): VectorRecord => ({ key, data: Float32Array.from([x, x + 1, x + 2]), metadata: { x } });

/** key -> first coordinate, of what `collection` returns for `keys`. */
function contents(collection: SharedCollection, keys: string[]): Record<string, number> {
  return Object.fromEntries(collection.get(keys).map((record) => [record.key, record.data[0]!]));
}

async function withNodes(
  names: string[], run: (cluster: TestCluster, nodes: TestNode[]) => Promise<void>, wrap: (store: BlobStore) => BlobStore = (store) => store,
): Promise<void> {
  await withTempDir(async (dir) => {
    const cluster = new TestCluster(wrap(new LocalBlobStore(dir)));
    try {
      const nodes: TestNode[] = [];
      for (const name of names) nodes.push(await cluster.join(name));
      await run(cluster, nodes);
    } finally {
      await cluster.close();
    }
  });
}

test("one node takes an index without a writer; writes through the others are forwarded and seen there at once", async () => {
  await withNodes(["node-a", "node-b", "node-c"], async (cluster, [a, b, c]) => {
    const [onA, onB, onC] = [await a!.open(index), await b!.open(index), await c!.open(index)];
    await onA.maintain();
    await onB.maintain();
    await onC.maintain();
    assert.deepEqual([onA.isWriter, onB.isWriter, onC.isWriter], [true, false, false]);
    assert.deepEqual((await listNumbered(cluster.store, layout.leaseDir, LEASE_EXT)).map((o) => o.seq), [1], "one lease");
    await onB.put([row("k1", 10), row("k2", 20)]);
    assert.deepEqual(contents(onB, ["k1", "k2"]), { k1: 10, k2: 20 }, "the forwarding node sees its write once acknowledged");
    assert.deepEqual(contents(onA, ["k1", "k2"]), { k1: 10, k2: 20 }, "the writer too");
    await onC.delete(["k1"]);
    assert.deepEqual(contents(onC, ["k1", "k2"]), { k2: 20 });
    assert.deepEqual(contents(onA, ["k1", "k2"]), { k2: 20 });
    assert.equal(onA.count(), 1);
  });
});

test("a writer that meets a taken WAL number steps down and forwards its write; nothing acknowledged is lost, nothing deleted returns", async () => {
  await withNodes(["node-a", "node-b"], async (cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    await onA.maintain();
    await onA.put([row("k1", 1), row("k2", 2), row("k3", 3)]);
    await onA.checkpoint();
    await onA.delete(["k1"]);
    await takeOver(a!, b!, onB);
    assert.equal((await newestLease(cluster.store, layout))?.node, "node-b");
    assert.ok(onA.isWriter, "node-a has not looked at the leases yet");
    // node-a's next WAL number holds node-b's fence: its create is refused, so it steps down and
    // sends the write to node-b, whose acknowledgement it waits for.
    await onA.put([row("k4", 4)]);
    assert.ok(!onA.isWriter, "node-a stepped down");
    assert.ok(onB.isWriter);
    await onA.delete(["k2"]);
    const expected = { k3: 3, k4: 4 };
    const keys = ["k1", "k2", "k3", "k4"];
    assert.deepEqual(contents(onB, keys), expected, "on the new writer");
    assert.deepEqual(contents(onA, keys), expected, "on the old writer, now a reader");
    await onB.checkpoint();
    const fresh = await (await cluster.join("node-c")).open(index);
    assert.deepEqual(contents(fresh, keys), expected, "on a node that opens the index afterwards");
  });
});

test("a fenced writer's checkpoint never comes into force, so a delete made after the fence stays", async () => {
  await withNodes(["node-a", "node-b"], async (cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    await onA.maintain();
    await onA.put([row("k1", 1), row("k2", 2)]);
    await onA.flush();
    await takeOver(a!, b!, onB);
    await onB.delete(["k1"]);
    await onB.put([row("k3", 3)]);
    // node-a still holds k1 and would write it into its snapshot and manifest; the commit record
    // cannot be created after node-b's fence, so the manifest never counts.
    await assert.rejects(onA.checkpoint(), (error: unknown) => error instanceof FencedError);
    // Its next write finds it fenced too (or already stepped down) and goes to node-b.
    await onA.put([row("k4", 4)]);
    assert.ok(!onA.isWriter, "node-a stepped down");
    const keys = ["k1", "k2", "k3", "k4"];
    const expected = { k2: 2, k3: 3, k4: 4 };
    assert.deepEqual(contents(await (await cluster.join("node-c")).open(index), keys), expected, "before node-b's next checkpoint");
    await onB.checkpoint();
    assert.deepEqual(contents(await (await cluster.join("node-d")).open(index), keys), expected, "after it");
    assert.deepEqual(contents(onB, keys), expected);
    assert.deepEqual(contents(onA, keys), expected);
  });
});

test("a writer that sees a newer lease at its tick steps down and reads the index again", async () => {
  await withNodes(["node-a", "node-b"], async (_cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    await onA.maintain();
    await onA.put([row("k1", 1)]);
    await takeOver(a!, b!, onB);
    await onB.put([row("k2", 2)]);
    await onA.maintain();
    assert.ok(!onA.isWriter);
    assert.deepEqual(contents(onA, ["k1", "k2"]), { k1: 1, k2: 2 });
    await assert.rejects(onA.compact(), (error: unknown) => (error as { code?: string }).code === "UNAVAILABLE");
  });
});

test("a node opened with takeOver takes the index at its first look, though the writer looks alive", async () => {
  await withNodes(["node-a", "node-b"], async (cluster, [a, b]) => {
    const onA = await a!.open(index);
    await onA.maintain();
    await onA.put([row("k1", 1)]);
    // A restart after a crash: node-a's beat is fresh to node-b, which was told the writer is gone.
    const onB = await b!.open(index, { takeOver: true });
    assert.ok(b!.liveness.isAlive("node-a"));
    await onB.maintain();
    assert.ok(onB.isWriter, "node-b took the index at once");
    assert.equal((await newestLease(cluster.store, layout))?.epoch, 2);
    await onB.put([row("k2", 2)]);
    // Only the first look: node-b does not take it again from whoever holds it later.
    await onA.maintain();
    assert.ok(!onA.isWriter);
    assert.deepEqual(contents(onA, ["k1", "k2"]), { k1: 1, k2: 2 });
    const onC = await (await cluster.join("node-c")).open(index);
    await onC.maintain();
    assert.ok(!onC.isWriter, "a node opened without it leaves a live writer alone");
  });
});

test("a node that stopped cleanly is dead at the next look: its index is taken without waiting for the bound", async () => {
  await withNodes(["node-a", "node-b"], async (_cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    await onA.maintain();
    await onA.put([row("k1", 1)]);
    await onA.close();
    await a!.leave();
    await b!.look();
    assert.ok(!b!.liveness.isAlive("node-a"), "no clock moved, yet node-a is dead to node-b");
    await onB.maintain();
    assert.ok(onB.isWriter);
    assert.deepEqual(contents(onB, ["k1"]), { k1: 1 });
  });
});

/** A store whose next WAL object create fails with an unclear outcome, once armed. */
class FailingWalStore extends LocalBlobStore {
  armed = false;
  override async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    if (this.armed && name.includes("/wal/")) {
      this.armed = false;
      throw new Error("simulated store failure");
    }
    return super.createIfAbsent(name, bytes);
  }
}

test("a node whose takeover failed after it claimed the lease takes the index again at its next write", async () => {
  await withTempDir(async (dir) => {
    const store = new FailingWalStore(dir);
    const cluster = new TestCluster(store);
    try {
      const [a, b] = [await cluster.join("node-a"), await cluster.join("node-b")];
      const [onA, onB] = [await a.open(index), await b.open(index)];
      await onA.maintain();
      await onA.put([row("k1", 1)]);
      await b.beat();
      await b.later(DEAD_AFTER_MS);
      store.armed = true;
      await assert.rejects(onB.maintain(), /simulated store failure/);
      assert.equal((await newestLease(store, layout))?.node, "node-b", "the lease was claimed");
      assert.ok(!onB.isWriter, "but the fence failed");
      // node-b is alive, so no other node would take the index from it: it must take it again itself.
      await onB.put([row("k2", 2)]);
      assert.ok(onB.isWriter);
      assert.deepEqual(contents(onB, ["k1", "k2"]), { k1: 1, k2: 2 });
    } finally {
      await cluster.close();
    }
  });
});

test("a takeover prunes the leases far below its own epoch, never the newest ones", async () => {
  await withNodes(["node-a", "node-b"], async (cluster, [a, b]) => {
    const onA = await a!.open(index);
    // Leases of 20 earlier writers, as years of restarts and takeovers leave them.
    for (let epoch = 1; epoch <= 20; epoch++) await cluster.store.createIfAbsent(layout.leaseName(epoch), encodeLease({ epoch, node: `old-${epoch}`, url: "" }));
    await onA.maintain();
    assert.ok(onA.isWriter);
    const kept = (await listNumbered(cluster.store, layout.leaseDir, LEASE_EXT)).map((o) => o.seq);
    assert.deepEqual(kept, Array.from({ length: LEASES_KEPT }, (_, i) => 21 - LEASES_KEPT + 1 + i), "epochs 6..21 stay");
    const onB = await b!.open(index);
    await takeOver(a!, b!, onB);
    assert.equal((await newestLease(cluster.store, layout))?.node, "node-b");
    assert.equal((await listNumbered(cluster.store, layout.leaseDir, LEASE_EXT)).length, LEASES_KEPT);
    assert.deepEqual(a!.failures, [], "nothing failed");
  });
});

test("a reader stops polling an idle index; its next read looks at the store first and sees every acknowledged write", async () => {
  await withNodes(["node-a", "node-b"], async (_cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    // B's clock passes the idle time; A beats meanwhile, so it stays alive (and the writer) to B.
    const idleOnB = async () => {
      await b!.later(IDLE_AFTER_MS + 1);
      await a!.beat();
      await b!.look();
    };
    await onA.maintain();
    assert.ok(onA.isWriter && !onB.isWriter);
    await onA.put([row("k1", 10)]);
    // In use (just opened): reads do not wait; the poll timer (250 ms by default) keeps the state.
    await onB.freshen();
    assert.deepEqual(contents(onB, ["k1"]), {}, "no look: a reader in use relies on its polling");
    // Idle on its own clock: the timer no longer polls, and the next read looks first.
    await idleOnB();
    await onB.freshen();
    assert.deepEqual(contents(onB, ["k1"]), { k1: 10 }, "the read after the idle time sees the write");
    // A write through the reader marks the index in use, and waits until the reader has applied it.
    await idleOnB();
    await onB.put([row("k2", 20)]);
    await onA.delete(["k1"]);
    await onB.freshen();
    assert.deepEqual(contents(onB, ["k1", "k2"]), { k1: 10, k2: 20 }, "in use again after the write: no look");
    await idleOnB();
    await onB.freshen();
    assert.deepEqual(contents(onB, ["k1", "k2"]), { k2: 20 }, "idle again: the delete is seen before the read");
  });
});

test("an idle writer that another node replaced steps down at its next read, and the read sees the new writer's writes", async () => {
  await withNodes(["node-a", "node-b"], async (_cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    await onA.maintain();
    await onA.put([row("k1", 10)]);
    // A goes idle (its ticks skip the index); B finds A dead and takes the index, then writes.
    await a!.later(IDLE_AFTER_MS + 1);
    await b!.later(DEAD_AFTER_MS + 1);
    await onB.maintain();
    assert.ok(onB.isWriter, "B took the index");
    await onB.put([row("k2", 20)]);
    assert.ok(onA.isWriter, "A, idle, has not looked yet");
    await onA.freshen();
    assert.ok(!onA.isWriter, "A's read looked at the lease first and stepped down");
    assert.deepEqual(contents(onA, ["k1", "k2"]), { k1: 10, k2: 20 }, "and it sees B's write");
  });
});

/** A store whose listings fail while `down` is set: an object store that cannot be reached. */
class FlakyStore extends DelegatingStore {
  down = false;
  override list(prefix: string): Promise<string[]> {
    return this.down ? Promise.reject(new Error("connect ECONNREFUSED")) : super.list(prefix);
  }
}

test("a read of an idle index whose look fails is refused as unavailable, and the next read looks again", async () => {
  let flaky: FlakyStore | undefined;
  await withNodes(["node-a", "node-b"], async (_cluster, [a, b]) => {
    const [onA, onB] = [await a!.open(index), await b!.open(index)];
    await onA.maintain();
    await onA.put([row("k1", 10)]);
    await b!.later(IDLE_AFTER_MS + 1);
    flaky!.down = true;
    await assert.rejects(onB.freshen(), (error: unknown) => error instanceof EngineError && error.code === "UNAVAILABLE" && /ECONNREFUSED/.test(error.message));
    flaky!.down = false;
    await onB.freshen();
    assert.deepEqual(contents(onB, ["k1"]), { k1: 10 }, "the look after the failure is made, and sees the write");
  }, (store) => (flaky = new FlakyStore(store)));
});
