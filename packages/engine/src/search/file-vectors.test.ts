// FileVectors holds its segment's local file (BlobStore.openLocalFile) while open: a disk cache keeps
// that copy, and lets it go when the vectors are closed or, failing that, collected.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { openSegmentVectors } from "./file-vectors.ts";
import { fullCollection } from "../base/memory-reclaimer.ts";
import { SEGMENT_VECTORS_OFFSET } from "../format/segment-format.ts";
import { CachedBlobStore } from "../storage/disk-cache/cached-blob-store.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { withTempDir } from "../testing/test-support.ts";

const NAME = "indexes/abc/segment/00000000000000000001.seg";
const ROWS = 4;
const DIMENSION = 3;

async function cacheWithSegment(dir: string): Promise<CachedBlobStore> {
  const cache = await CachedBlobStore.open(new LocalBlobStore(join(dir, "remote")), { dir: join(dir, "cache"), maxBytes: 1 << 20 });
  const vectors = Float32Array.from({ length: ROWS * DIMENSION }, (_, i) => i);
  await cache.createIfAbsent(NAME, Buffer.concat([Buffer.alloc(SEGMENT_VECTORS_OFFSET), Buffer.from(vectors.buffer)]));
  return cache;
}

test("the vectors hold their cached copy until closed, and read it meanwhile", () => withTempDir(async (dir) => {
  const cache = await cacheWithSegment(dir);
  const vectors = openSegmentVectors(cache, NAME, ROWS, DIMENSION)!;
  assert.deepEqual([...vectors.read(2, 1)], [6, 7, 8]);
  assert.ok(cache.stats().pinnedBytes > 0);
  vectors.close();
  vectors.close();
  assert.equal(cache.stats().pinnedBytes, 0);
  assert.equal(openSegmentVectors(cache, "indexes/abc/segment/00000000000000000002.seg", ROWS, DIMENSION), undefined, "no copy, no vectors");
  assert.throws(() => openSegmentVectors(cache, NAME, ROWS + 10, DIMENSION), /shorter than its rows/);
  assert.equal(cache.stats().pinnedBytes, 0, "a file too short to open is not held");
}));

test("vectors collected without close let their copy go", () => withTempDir(async (dir) => {
  const gc = fullCollection();
  assert.ok(gc, "a full collection is available");
  const cache = await cacheWithSegment(dir);
  (() => openSegmentVectors(cache, NAME, ROWS, DIMENSION))();
  assert.ok(cache.stats().pinnedBytes > 0);
  // Finalizers run in a later task after the collection that found the object unreachable.
  for (let i = 0; i < 20 && cache.stats().pinnedBytes > 0; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.equal(cache.stats().pinnedBytes, 0);
}));
