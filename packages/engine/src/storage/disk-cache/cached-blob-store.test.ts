// The disk cache over a real local store: it behaves as a BlobStore (the shared conformance suite,
// with every object cached), serves copies when the store's own file is gone, never serves a deleted
// or damaged copy, keeps to its size by least recent use, and finds its copies again after a restart.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { LocalBlobStore } from "../local-blob-store.ts";
import { blobStoreConformance } from "../../testing/blob-store-conformance.ts";
import { seedFromEnv, withTempDir } from "../../testing/test-support.ts";
import { CachedBlobStore, type DiskCacheOptions } from "./cached-blob-store.ts";

blobStoreConformance("local directory behind a disk cache", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ossv-cached-"));
  const store = await CachedBlobStore.open(new LocalBlobStore(join(dir, "store")), { dir: join(dir, "cache"), maxBytes: 8 * 2 ** 20, cacheable: () => true });
  return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
}, { propertyRuns: 60 });

const bytesOf = (text: string) => Buffer.from(text);
const textOf = (bytes: Uint8Array | undefined) => (bytes === undefined ? undefined : Buffer.from(bytes).toString());
const segment = (n: number) => `indexes/abc/segment/${String(n).padStart(20, "0")}.seg`;

interface Setup {
  backing: LocalBlobStore;
  cache: CachedBlobStore;
  problems: string[];
  reopen: (options?: Partial<DiskCacheOptions>) => Promise<CachedBlobStore>;
  cacheDir: string;
}

function withCache(maxBytes: number, run: (setup: Setup) => Promise<void>): () => Promise<void> {
  return () => withTempDir(async (dir) => {
    const backing = new LocalBlobStore(join(dir, "store"));
    const problems: string[] = [];
    const cacheDir = join(dir, "cache");
    const open = (options: Partial<DiskCacheOptions> = {}) =>
      CachedBlobStore.open(backing, { dir: cacheDir, maxBytes, onProblem: (message) => problems.push(message), ...options });
    await run({ backing, cache: await open(), problems, reopen: open, cacheDir });
  });
}

/** Removes the store's own file behind the cache's back, so only a cached copy can answer. */
const loseFromStore = (backing: LocalBlobStore, name: string) => rm(backing.localFile(name));

test("segments are served from the cache once the store's file is gone; other objects are not cached", withCache(1 << 20, async ({ backing, cache }) => {
  await cache.createIfAbsent(segment(1), bytesOf("written through"));
  await backing.createIfAbsent(segment(2), bytesOf("fetched once"));
  await backing.createIfAbsent("indexes/abc/wal/00000000000000000001.wal", bytesOf("wal"));
  assert.equal(textOf(await cache.get(segment(2))), "fetched once");
  assert.equal(textOf(await cache.get("indexes/abc/wal/00000000000000000001.wal")), "wal");
  for (const name of [segment(1), segment(2), "indexes/abc/wal/00000000000000000001.wal"]) await loseFromStore(backing, name);
  assert.equal(textOf(await cache.get(segment(1))), "written through");
  assert.equal(textOf(await cache.get(segment(2))), "fetched once");
  assert.equal(await cache.get("indexes/abc/wal/00000000000000000001.wal"), undefined);
  assert.deepEqual({ hits: cache.stats().hits, misses: cache.stats().misses, objects: cache.stats().objects }, { hits: 2, misses: 1, objects: 2 });
}));

test("a deleted object is never served again, one by one or by prefix", withCache(1 << 20, async ({ cache }) => {
  for (const n of [1, 2, 3]) await cache.createIfAbsent(segment(n), bytesOf(`s${n}`));
  await cache.createIfAbsent("indexes/other/segment/00000000000000000001.seg", bytesOf("other"));
  await cache.delete(segment(1));
  await cache.deletePrefix("indexes/abc/");
  for (const n of [1, 2, 3]) assert.equal(await cache.get(segment(n)), undefined);
  assert.equal(textOf(await cache.get("indexes/other/segment/00000000000000000001.seg")), "other");
  assert.equal(cache.stats().objects, 1);
}));

test("a damaged or cut-short copy is dropped, reported and fetched again", withCache(1 << 20, async ({ backing, cache, problems, cacheDir }) => {
  await cache.createIfAbsent(segment(1), bytesOf("first segment"));
  await cache.createIfAbsent(segment(2), bytesOf("second segment"));
  const copyOf = (n: number) => join(cacheDir, "objects", "indexes", "abc", "segment", `${String(n).padStart(20, "0")}.seg`);
  const damaged = await readFile(copyOf(1));
  damaged[3] = damaged[3]! ^ 0x20;
  await writeFile(copyOf(1), damaged);
  await truncate(copyOf(2), 5);
  assert.equal(textOf(await cache.get(segment(1))), "first segment");
  assert.equal(textOf(await cache.get(segment(2))), "second segment");
  assert.equal(cache.stats().damaged, 2);
  assert.equal(problems.length, 2);
  // The fresh copies are whole again: they answer without the store.
  await loseFromStore(backing, segment(1));
  assert.equal(textOf(await cache.get(segment(1))), "first segment");
}));

test("the cache keeps to its size, dropping the least recently used copy first", withCache(300, async ({ backing, cache }) => {
  const body = (n: number) => bytesOf(String(n).repeat(100));
  for (const n of [1, 2, 3]) await cache.createIfAbsent(segment(n), body(n));
  await cache.get(segment(1)); // 2 is now the least recently used
  await cache.createIfAbsent(segment(4), body(4));
  assert.equal(cache.stats().evictions, 1);
  assert.ok(cache.stats().bytes <= 300);
  for (const n of [1, 2, 3, 4]) await loseFromStore(backing, segment(n));
  assert.equal(await cache.get(segment(2)), undefined);
  for (const n of [1, 3, 4]) assert.equal(textOf(await cache.get(segment(n))), String(n).repeat(100));
  // An object larger than the whole cache is read through without a copy.
  await backing.createIfAbsent(segment(5), bytesOf("x".repeat(301)));
  assert.equal((await cache.get(segment(5)))?.length, 301);
  assert.equal(cache.stats().objects, 3);
}));

test("a copy a reader holds open is not evicted until it is released", withCache(300, async ({ backing, cache }) => {
  const body = (n: number) => bytesOf(String(n).repeat(100));
  for (const n of [1, 2, 3]) await cache.createIfAbsent(segment(n), body(n));
  const held = cache.openLocalFile(segment(1))!;
  assert.equal(await readFile(held.path, "utf8").then((text) => text.slice(0, 100)), "1".repeat(100));
  assert.equal(cache.openLocalFile(segment(9)), undefined, "no copy, no file");
  // 1 is the least recently used, but held: 2 goes instead.
  await cache.createIfAbsent(segment(4), body(4));
  assert.deepEqual({ evictions: cache.stats().evictions, pinnedBytes: cache.stats().pinnedBytes }, { evictions: 1, pinnedBytes: 100 });
  for (const n of [1, 2]) await loseFromStore(backing, segment(n));
  assert.equal(textOf(await cache.get(segment(1))), "1".repeat(100));
  assert.equal(await cache.get(segment(2)), undefined);
  held.release();
  held.release(); // a second release changes nothing
  assert.equal(cache.stats().pinnedBytes, 0);
  // Released and now the least recently used after a read of 3 and 4: the next copy evicts it.
  await cache.get(segment(3));
  await cache.get(segment(4));
  await cache.createIfAbsent(segment(5), body(5));
  assert.equal(await cache.get(segment(1)), undefined);
  assert.ok(cache.stats().bytes <= 300);
}));

test("with every copy held a new object gets no copy: the cache keeps to its size and unlinks nothing in use", withCache(200, async ({ cache }) => {
  const body = (n: number) => bytesOf(String(n).repeat(100));
  const held = [];
  for (const n of [1, 2]) {
    await cache.createIfAbsent(segment(n), body(n));
    held.push(cache.openLocalFile(segment(n))!);
  }
  assert.equal(await cache.createIfAbsent(segment(3), body(3)), true, "the store has it all the same");
  assert.deepEqual({ bytes: cache.stats().bytes, evictions: cache.stats().evictions, pinnedBytes: cache.stats().pinnedBytes }, { bytes: 200, evictions: 0, pinnedBytes: 200 });
  assert.equal(cache.openLocalFile(segment(3)), undefined, "no copy of the new object");
  assert.equal(textOf(await cache.get(segment(3))), "3".repeat(100), "read through from the store");
  for (const file of held) file.release();
  await cache.createIfAbsent(segment(4), body(4));
  assert.ok(cache.openLocalFile(segment(4)), "room again once released");
  assert.ok(cache.stats().bytes <= 200);
}));

test("after a restart the copies are found again, in their order of use, and a smaller size evicts the oldest", withCache(1 << 20, async ({ backing, cache, reopen, cacheDir }) => {
  for (const n of [1, 2, 3]) await cache.createIfAbsent(segment(n), bytesOf(`s${n}`.repeat(50)));
  await cache.get(segment(1)); // 2 is now the least recently used
  const leftover = join(cacheDir, "tmp", "half-written");
  await writeFile(leftover, "x");
  const smaller = await reopen({ maxBytes: 200 });
  assert.deepEqual(await readdir(join(cacheDir, "tmp")), []);
  assert.equal(smaller.stats().objects, 2);
  for (const n of [1, 2, 3]) await loseFromStore(backing, segment(n));
  assert.equal(await smaller.get(segment(2)), undefined);
  assert.equal(textOf(await smaller.get(segment(1))), "s1".repeat(50));
  assert.equal(textOf(await smaller.get(segment(3))), "s3".repeat(50));
}));

test("concurrent reads of one missing object fetch it once", withCache(1 << 20, async ({ backing, cache }) => {
  await backing.createIfAbsent(segment(1), bytesOf("shared"));
  const reads = await Promise.all(Array.from({ length: 8 }, () => cache.get(segment(1))));
  assert.ok(reads.every((bytes) => textOf(bytes) === "shared"));
  assert.equal(cache.stats().misses, 1);
}));

test("any sequence of writes, reads, deletes and restarts reads what a map holds, within the size (seeded property)", async () => {
  const seed = seedFromEnv("disk cache model");
  const op = fc.oneof(
    fc.record({ kind: fc.constant("create" as const), n: fc.integer({ min: 1, max: 6 }), size: fc.integer({ min: 0, max: 120 }) }),
    fc.record({ kind: fc.constant("get" as const), n: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ kind: fc.constant("delete" as const), n: fc.integer({ min: 1, max: 6 }) }),
    fc.record({ kind: fc.constant("deleteAll" as const) }),
    fc.record({ kind: fc.constant("reopen" as const), maxBytes: fc.integer({ min: 0, max: 400 }) }),
  );
  await fc.assert(fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
    await withCache(250, async ({ cache: first, reopen }) => {
      let cache = first;
      let maxBytes = 250;
      const model = new Map<string, string>();
      for (const step of ops) {
        if (step.kind === "create") {
          const value = `${step.n}:`.padEnd(step.size, "v");
          const created = await cache.createIfAbsent(segment(step.n), bytesOf(value));
          assert.equal(created, !model.has(segment(step.n)));
          if (created) model.set(segment(step.n), value);
        } else if (step.kind === "get") {
          assert.equal(textOf(await cache.get(segment(step.n))), model.get(segment(step.n)));
        } else if (step.kind === "delete") {
          await cache.delete(segment(step.n));
          model.delete(segment(step.n));
        } else if (step.kind === "deleteAll") {
          await cache.deletePrefix("indexes/");
          model.clear();
        } else {
          maxBytes = step.maxBytes;
          cache = await reopen({ maxBytes });
        }
        assert.ok(cache.stats().bytes <= maxBytes, `${cache.stats().bytes} bytes cached, at most ${maxBytes} allowed`);
      }
      for (const [name, value] of model) assert.equal(textOf(await cache.get(name)), value);
    })();
  }), { seed, numRuns: 150 });
});
