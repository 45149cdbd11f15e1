// Whether a node's catalog commit landed, on a shared store (docs/scale-out.md#the-catalog). A node
// creates catalog object N, then looks at the store again; other nodes may have committed on top of
// N in between, or a node far behind may have created a number that was taken and pruned since. Each
// case is made to happen exactly: a store wrapper runs the other node's commits right after this
// node's create succeeds and before it looks again.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { DurableCatalog } from "./catalog.ts";
import { CATALOG_ANCESTORS } from "./catalog-lineage.ts";
import { CATALOG_DIR, CATALOG_EXT } from "./catalog.ts";
import { EngineError } from "../base/types.ts";
import { encodeCheckedJson } from "../format/checked-json.ts";
import { listNumbered, numberedName } from "../storage/numbered-objects.ts";
import { ACCOUNT, DelegatingStore, withTempDir } from "../testing/test-support.ts";

const noHooks = { dropIndexData: async () => undefined };

/** A store that runs `gap` once, right after the next catalog object this node creates. */
class GapStore extends DelegatingStore {
  private gap: (() => Promise<void>) | undefined;

  afterNextCatalogCreate(gap: () => Promise<void>): void {
    this.gap = gap;
  }

  override async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const created = await this.inner.createIfAbsent(name, bytes);
    const gap = this.gap;
    if (created && gap !== undefined && name.startsWith(`${CATALOG_DIR}/`)) {
      this.gap = undefined;
      await gap();
    }
    return created;
  }
}

/** Two nodes on one store: `gapped` goes through a GapStore, `other` straight to the store. */
async function twoNodes(dir: string, run: (nodes: { store: LocalBlobStore; gap: GapStore; gapped: DurableCatalog; other: DurableCatalog }) => Promise<void>): Promise<void> {
  const store = new LocalBlobStore(dir);
  const gap = new GapStore(store);
  const gapped = await DurableCatalog.open(gap, noHooks, { shared: true });
  if (!gapped.getAccount(ACCOUNT)) await gapped.createAccount(ACCOUNT);
  const other = await DurableCatalog.open(store, noHooks, { shared: true });
  try {
    await run({ store, gap, gapped, other });
  } finally {
    await gapped.close();
    await other.close();
  }
}

/** `count` bucket creations by `node`, named `prefix-0`, `prefix-1`, … */
async function createBuckets(node: DurableCatalog, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await node.createBucket({ accountId: ACCOUNT, name: `${prefix}-${i}`, region: "r" });
}

async function bucketsOnStore(store: BlobStore): Promise<string[]> {
  const fresh = await DurableCatalog.open(store, noHooks);
  return fresh.listBuckets(ACCOUNT).map((b) => b.name).sort();
}

const bucket = (name: string) => ({ accountId: ACCOUNT, name, region: "r" });

test("a commit another node built on at once has landed: create and delete answer success", async () => {
  await withTempDir((dir) => twoNodes(dir, async ({ store, gap, gapped, other }) => {
    // The other node tries the same number, loses, reads this node's object and commits on top.
    gap.afterNextCatalogCreate(() => other.createBucket(bucket("theirs")).then(() => undefined));
    await gapped.createBucket(bucket("mine"));
    assert.deepEqual(await bucketsOnStore(store), ["mine", "theirs"]);
    gap.afterNextCatalogCreate(() => other.createBucket(bucket("theirs-2")).then(() => undefined));
    await gapped.deleteBucket(ACCOUNT, "mine");
    assert.deepEqual(await bucketsOnStore(store), ["theirs", "theirs-2"]);
  }));
});

test("a commit that landed is known as landed after the other nodes pruned it", async () => {
  await withTempDir((dir) => twoNodes(dir, async ({ store, gap, gapped, other }) => {
    // Five commits on top: the other node keeps three objects, so this node's is deleted.
    gap.afterNextCatalogCreate(() => createBuckets(other, "theirs", 5));
    await gapped.createBucket(bucket("mine"));
    assert.deepEqual(await bucketsOnStore(store), ["mine", "theirs-0", "theirs-1", "theirs-2", "theirs-3", "theirs-4"]);
    await gapped.refresh();
    await gapped.createBucket(bucket("after"));
    assert.deepEqual(gapped.listBuckets(ACCOUNT).map((b) => b.name).sort(), ["after", "mine", "theirs-0", "theirs-1", "theirs-2", "theirs-3", "theirs-4"]);
  }));
});

test("a node far behind whose number was taken and pruned applies its change again on the newest", async () => {
  await withTempDir((dir) => twoNodes(dir, async ({ store, gapped, other }) => {
    await createBuckets(other, "theirs", 5);
    const before = (await listNumbered(store, CATALOG_DIR, CATALOG_EXT)).map((o) => o.seq);
    assert.ok(!before.includes(2), "the number the node behind tries next was pruned");
    await gapped.createBucket(bucket("mine"));
    assert.deepEqual(await bucketsOnStore(store), ["mine", "theirs-0", "theirs-1", "theirs-2", "theirs-3", "theirs-4"]);
    // Its change landed on top of the newest, not in the re-created number.
    assert.equal(gapped.committedObject(), numberedName(CATALOG_DIR, 7, CATALOG_EXT));
  }));
});

test("more commits on top than an object names: the outcome is unknown, and the node goes on", async () => {
  await withTempDir((dir) => twoNodes(dir, async ({ store, gap, gapped, other }) => {
    gap.afterNextCatalogCreate(() => createBuckets(other, "theirs", CATALOG_ANCESTORS + 1));
    await assert.rejects(gapped.createBucket(bucket("mine")), (error: unknown) => error instanceof EngineError && error.code === "UNAVAILABLE");
    assert.ok((await bucketsOnStore(store)).includes("mine"), "it did land");
    await gapped.createBucket(bucket("after"));
    assert.ok((await bucketsOnStore(store)).includes("after"));
  }));
});

test("catalog objects written before commit ids existed open unchanged and are built on", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const old = encodeCheckedJson({
      format: "ossv-catalog", version: 2, seq: 1,
      accounts: [{ accountId: ACCOUNT, createdAt: "2026-01-01T00:00:00.000Z" }],
      accessKeys: [], buckets: [{ accountId: ACCOUNT, name: "old", region: "r", createdAt: "2026-01-01T00:00:00.000Z" }],
      indexes: [], users: [],
    });
    assert.ok(await store.createIfAbsent(numberedName(CATALOG_DIR, 1, CATALOG_EXT), old));
    assert.deepEqual(await bucketsOnStore(store), ["old"]);
    assert.ok(Buffer.from(old).equals((await store.get(numberedName(CATALOG_DIR, 1, CATALOG_EXT)))!), "opening changed nothing");
    assert.deepEqual((await listNumbered(store, CATALOG_DIR, CATALOG_EXT)).map((o) => o.seq), [1], "opening wrote nothing");
    await twoNodes(dir, async ({ gap, gapped, other }) => {
      gap.afterNextCatalogCreate(() => other.createBucket(bucket("theirs")).then(() => undefined));
      await gapped.createBucket(bucket("mine"));
      assert.deepEqual(await bucketsOnStore(store), ["mine", "old", "theirs"]);
    });
  });
});
