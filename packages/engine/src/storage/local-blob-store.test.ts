import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { LocalBlobStore } from "./local-blob-store.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { withTempDir } from "../testing/test-support.ts";
import { blobStoreConformance } from "../testing/blob-store-conformance.ts";

blobStoreConformance("local directory", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ossv-blobs-"));
  return { store: new LocalBlobStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
}, { propertyRuns: 100 });

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined): string | undefined => data && new TextDecoder().decode(data);

test("createIfAbsent() creates an object exactly once under concurrency", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const attempts = Array.from({ length: 16 }, (_, i) => store.createIfAbsent("wal/00001.wal", bytes(`writer ${i}`)));
    const results = await Promise.all(attempts);
    assert.equal(results.filter(Boolean).length, 1);
    const winner = results.indexOf(true);
    assert.equal(text(await store.get("wal/00001.wal")), `writer ${winner}`);
    assert.equal(await store.createIfAbsent("wal/00001.wal", bytes("late")), false);
    assert.equal(text(await store.get("wal/00001.wal")), `writer ${winner}`);
  });
});

test("createIfAbsent() leaves no temp files behind", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    await Promise.all([store.createIfAbsent("a/b", bytes("1")), store.createIfAbsent("a/b", bytes("2"))]);
    assert.deepEqual(await readdir(join(dir, ".tmp")), []);
  });
});

test("an object given in parts is stored as their bytes back to back", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const big = new Uint8Array(3 << 20).map((_, i) => i % 251); // larger than one write chunk
    const parts = [bytes("head:"), new Uint8Array(0), big.subarray(7), bytes(":tail")];
    assert.equal(await store.createIfAbsent("seg/1", parts), true);
    const stored = await store.get("seg/1");
    assert.ok(stored && Buffer.concat(parts).equals(stored));
  });
});

test("get() returns undefined for a missing object", async () => {
  await withTempDir(async (dir) => {
    assert.equal(await new LocalBlobStore(dir).get("nope/x"), undefined);
  });
});

test("delete() removes; deleting twice is fine", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    await store.createIfAbsent("x/y", bytes("one"));
    assert.equal(text(await store.get("x/y")), "one");
    await store.delete("x/y");
    await store.delete("x/y");
    assert.equal(await store.get("x/y"), undefined);
  });
});

test("list() returns sorted names under a prefix, nested ones included", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    for (const name of ["idx/b/2", "idx/a/1", "idx/a/0", "other/z", "idxx/q"]) await store.createIfAbsent(name, bytes(name));
    assert.deepEqual(await store.list("idx/"), ["idx/a/0", "idx/a/1", "idx/b/2"]);
    assert.deepEqual(await store.list("idx/a/"), ["idx/a/0", "idx/a/1"]);
    assert.deepEqual(await store.list("idx"), ["idx/a/0", "idx/a/1", "idx/b/2", "idxx/q"]);
    assert.deepEqual(await store.list("missing/"), []);
    assert.deepEqual(await store.list(""), ["idx/a/0", "idx/a/1", "idx/b/2", "idxx/q", "other/z"]);
  });
});

test("deletePrefix() removes everything under the prefix and nothing else", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    for (const name of ["idx/a/0", "idx/a/sub/1", "idx/b/2"]) await store.createIfAbsent(name, bytes(name));
    await store.deletePrefix("idx/a/");
    assert.deepEqual(await store.list(""), ["idx/b/2"]);
    // The directory is gone; creating under it again works.
    assert.equal(await store.createIfAbsent("idx/a/0", bytes("again")), true);
  });
});

test("names that could escape the root are refused", async () => {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    for (const name of ["../x", "a/../../x", "/abs", "a//b", ".tmp/x", ""]) {
      await assert.rejects(store.createIfAbsent(name, bytes("x")), RangeError, name);
    }
  });
});
