import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { totalMemory } from "./base/memory-use.ts";
import { ACCOUNT, BUCKET, openTestEngine, setupIndex, vector, withTempDir } from "./testing/test-support.ts";

/** What `indexes/<id>/` really holds on disk, summed file by file. */
async function bytesOnDisk(dataDir: string, id: string): Promise<number> {
  let total = 0;
  const root = join(dataDir, "indexes", id);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

test("indexStats() counts rows and segments, and its stored bytes match the files on disk", async () => {
  await withTempDir(async (dir) => {
    const syncs: number[] = [];
    const engine = await openTestEngine(dir, {
      onWalSync: (ms) => syncs.push(ms),
      // Deleted rows stay in their segment until compact() below.
      checkpoint: { maxDeletedFraction: 1, idleMergeMs: 0 },
    });
    const index = await setupIndex(engine);
    const other = await setupIndex(engine, "other");
    const collection = engine.collection(index);
    await collection.put([0, 1, 2, 3, 4].map((i) => vector(`k${i}`, [i, 1, 1, 1])));
    assert.equal(syncs.length, 1);
    assert.ok(syncs[0]! >= 0);
    await collection.flush();
    await collection.delete(["k0", "k1"]);
    await collection.put([vector("k9", [9, 1, 1, 1])]);
    await collection.settleBackground();
    const stats = engine.indexStats().find((s) => s.indexId === index.id)!;
    assert.deepEqual({ ...stats, storedBytes: 0, memory: undefined }, {
      indexId: index.id, accountId: ACCOUNT, bucket: BUCKET, indexName: index.name,
      vectors: 4, memtableRows: 1, segments: 1, segmentsOnDisk: 0, deletedRows: 2, storedBytes: 0,
      backgroundRunning: 0, backgroundQueued: 0, backgroundFailing: false, memory: undefined,
    });
    assert.equal(stats.storedBytes, await bytesOnDisk(dir, index.id));
    assert.equal(engine.indexStats().find((s) => s.indexId === other.id)?.storedBytes, 0);
    await collection.compact();
    assert.equal(engine.indexStats().find((s) => s.indexId === index.id)?.storedBytes, await bytesOnDisk(dir, index.id));
    await engine.close();

    // Recovery reads every object it keeps and deletes the rest, so a reopened engine knows them all.
    const reopened = await openTestEngine(dir);
    const again = reopened.indexStats().find((s) => s.indexId === index.id)!;
    assert.equal(again.vectors, 4);
    assert.equal(again.deletedRows, 0);
    assert.equal(again.storedBytes, await bytesOnDisk(dir, index.id));
    await reopened.catalog.deleteIndex(ACCOUNT, BUCKET, index.name);
    assert.equal(reopened.indexStats().some((s) => s.indexId === index.id), false);
    await reopened.close();
  });
});

test("indexStats() accounts memory by part: vectors exactly, held once by the built graph, metadata that grows with its size", async () => {
  await withTempDir(async (dir) => {
    const engine = await openTestEngine(dir, { checkpoint: { idleMergeMs: 0 } });
    const dimension = 32;
    const index = await setupIndex(engine, "mem", dimension);
    const collection = engine.collection(index);
    const memory = () => engine.indexStats().find((s) => s.indexId === index.id)!.memory;
    assert.deepEqual(memory(), { vectors: memory().vectors, graphs: 0, metadata: 0, filterCache: 0 }, "an empty index holds no rows");
    const rows = 2_000;
    const batch = (from: number, text: string) => Array.from({ length: 500 }, (_, i) => vector(`k${from + i}`, Array.from({ length: dimension }, (_, d) => (from + i) * d), { text }));
    for (let from = 0; from < rows; from += 500) await collection.put(batch(from, "x"));
    await collection.flush();
    await collection.settleBackground();
    const flushed = memory();
    // One segment of all rows, whose graph holds the vectors: the segment keeps only their norms
    // (float64) and deletion flags (a byte), exactly, and no second copy of the vectors.
    // (plus the empty memtable's first few slots).
    const segmentOnly = rows * (8 + 1);
    assert.ok(flushed.vectors >= segmentOnly && flushed.vectors < segmentOnly + 4096, `the vectors are not held twice: ${JSON.stringify(flushed)}`);
    assert.ok(flushed.graphs > rows * dimension * 4, `the graph holds the vectors: ${flushed.graphs}`);
    assert.ok(flushed.metadata > 0);
    const small = flushed.metadata;
    // The same keys with metadata 1 KB longer each: the estimate grows by about that much a row.
    for (let from = 0; from < rows; from += 500) await collection.put(batch(from, "y".repeat(1024)));
    await collection.compact();
    const big = memory();
    assert.ok(big.metadata - small > rows * 900, `metadata ${small} -> ${big.metadata}`);
    assert.equal(totalMemory(big), big.vectors + big.graphs + big.metadata + big.filterCache);
    await engine.close();
  });
});
