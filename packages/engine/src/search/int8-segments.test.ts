// Segments of int8 codes with their float32 vectors on disk (vector-placement.ts), through the
// engine: what they answer is what float32 segments answer (the same distances, bit for bit, for the
// rows both return; recall against the float path), filters never come up short, deletes hold, merges
// grow their graph from a segment of codes, and a restart places every segment again.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readlinkSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseFilter } from "@ossv/protocol";
import { SEARCH_TUNING } from "./segment.ts";
import { configureVectorPlacement, VECTOR_PLACEMENT } from "./vector-placement.ts";
import type { DistanceMetric, IndexRecord, QueryHit } from "../base/types.ts";
import type { OssvEngine } from "../engine.ts";
import { CachedBlobStore } from "../storage/disk-cache/cached-blob-store.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { dumpCollection, openTestEngine, randomVector, seededRandom, seedFromEnv, setupIndex, withTempDir } from "../testing/test-support.ts";

const DIMENSION = 24;
const SEGMENT_ROWS = 2500;
const SEGMENTS = 3;

interface Run {
  engine: OssvEngine;
  index: IndexRecord;
}

async function open(dir: string, metric: DistanceMetric, quantization: "int8" | "off" | "auto", memoryBudget = Number.POSITIVE_INFINITY): Promise<Run> {
  configureVectorPlacement({ quantization, graphsOnDisk: "never", memoryBudget, minRows: 1000 });
  const engine = await openTestEngine(dir);
  const index = engine.catalog.getIndex("1000000000000001", "bucket-a", "int8") ?? await setupIndex(engine, "int8", DIMENSION, metric);
  return { engine, index };
}

/** Segment objects under `dir` this process holds open (Linux). */
function openSegmentFiles(dir: string): number {
  let open = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.startsWith(dir) && /\.seg( \(deleted\))?$/.test(target)) open++;
    } catch {
      // closed meanwhile (the readdir's own descriptor)
    }
  }
  return open;
}

const onDisk = ({ engine, index }: Run) => engine.collection(index).describe().segments.map((segment) => segment.vectorsOnDisk);

function queries(seed: number, count: number): Float32Array[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, () => randomVector(random, DIMENSION));
}

function ask({ engine, index }: Run, vector: Float32Array, topK: number, filter?: object): QueryHit[] {
  return engine.collection(index).query({ vector, topK, ...(filter && { filter: parseFilter(filter) }) });
}

for (const metric of ["euclidean", "cosine"] as DistanceMetric[]) {
  test(`${metric}: int8 segments answer as float32 segments do, through deletes, a merge and restarts`, async () => {
    const saved = { ...VECTOR_PLACEMENT };
    const seed = seedFromEnv(`int8 segments ${metric}`);
    try {
      await withTempDir(async (dir) => {
        const random = seededRandom(seed);
        const put = new Map<string, Float32Array>();
        let run = await open(dir, metric, "int8");
        for (let s = 0; s < SEGMENTS; s++) {
          const batch = Array.from({ length: SEGMENT_ROWS }, (_, i) => {
            const key = `k${s * SEGMENT_ROWS + i}`;
            const data = randomVector(random, DIMENSION).map((value) => value * (1 + (i % 3)));
            put.set(key, data);
            return { key, data, metadata: { group: i % 10 } };
          });
          await run.engine.collection(run.index).put(batch);
          await run.engine.collection(run.index).flush();
        }
        const deleted = [...put.keys()].filter((_, i) => i % 11 === 0);
        await run.engine.collection(run.index).delete(deleted);
        for (const key of deleted) put.delete(key);
        await run.engine.collection(run.index).settleBackground();
        assert.ok(onDisk(run).length > 0 && onDisk(run).every(Boolean), `every segment keeps codes: ${onDisk(run)}`);
        const memory = run.engine.collection(run.index).describe().memory;
        // Norms and deletion flags (9 bytes a row) and the empty memtable's arena, never the floats.
        assert.ok(memory.vectors < (SEGMENTS * SEGMENT_ROWS * DIMENSION * 4) / 4, `no float32 vectors held: ${memory.vectors} bytes`);

        const probes = queries(seed + 1, 40);
        const answers = (r: Run) => probes.flatMap((vector) => [ask(r, vector, 10), ask(r, vector, 10, { group: 3 })]);
        const withCodes = answers(run);
        // Filtered scans pick candidates by codes (the default); with every row read, they are exact.
        const scansByCodes = probes.map((vector) => ask(run, vector, 10, { group: 3 }));
        SEARCH_TUNING.diskScanRows = Infinity;
        const scansReadingAll = probes.map((vector) => ask(run, vector, 10, { group: 3 }));
        SEARCH_TUNING.diskScanRows = 0;
        for (const hits of [...withCodes, ...scansByCodes, ...scansReadingAll]) {
          assert.equal(hits.length, 10, "never short");
          for (const hit of hits) assert.ok(put.has(hit.key), `${hit.key} is live`);
        }
        for (const hits of scansByCodes) for (const hit of hits) assert.equal(Number(hit.key.slice(1)) % SEGMENT_ROWS % 10, 3, "the filter holds");
        const records = run.engine.collection(run.index).get(["k1", "k2", "k7000"]);
        for (const record of records) assert.deepEqual(record.data, put.get(record.key), "get reads the vector from disk");
        await run.engine.close();

        run = await open(dir, metric, "off");
        assert.ok(onDisk(run).length > 0 && !onDisk(run).some(Boolean), "quantization off: floats again");
        const floats = answers(run);
        let shared = 0;
        floats.forEach((hits, q) => {
          const mine = new Map((withCodes[q] as QueryHit[]).map((hit) => [hit.key, hit.distance]));
          for (const hit of hits) {
            const distance = mine.get(hit.key);
            if (distance === undefined) continue;
            shared++;
            assert.equal(distance, hit.distance, `${hit.key}: the same exact distance`);
          }
        });
        assert.ok(shared / (floats.length * 10) >= 0.95, `recall against the float path: ${shared / (floats.length * 10)}`);
        const plain = (hits: QueryHit[]) => hits.map(({ key, distance }) => ({ key, distance }));
        scansReadingAll.forEach((hits, q) => {
          assert.deepEqual(plain(hits), plain(floats[2 * q + 1] as QueryHit[]), "a scan reading every row from disk is the float path's exact scan");
        });
        await run.engine.close();

        run = await open(dir, metric, "int8");
        await run.engine.collection(run.index).compact(); // grows the merged graph from a segment of codes, from its stored bytes
        assert.deepEqual(onDisk(run), [true]);
        await new Promise((resolve) => setImmediate(resolve));
        if (existsSync("/proc/self/fd")) assert.equal(openSegmentFiles(dir), 1, "the merged-away segments' files are let go");
        for (const vector of probes) assert.equal(ask(run, vector, 10).length, 10);
        const dump = dumpCollection(run.engine, run.index);
        assert.equal(dump.size, put.size);
        for (const [key, data] of put) assert.deepEqual(dump.get(key)?.data, [...data], key);
        await run.engine.close();

        run = await open(dir, metric, "auto", 1 << 20);
        assert.deepEqual(onDisk(run), [true], "auto past the budget: codes");
        await run.engine.close();
        run = await open(dir, metric, "auto");
        assert.deepEqual(onDisk(run), [false], "auto within the budget: floats");
        await run.engine.close();
      });
    } finally {
      configureVectorPlacement(saved);
    }
  });
}

/** Bytes of each segment copy in a disk cache directory, by segment id (less the cache's 40-byte trailer). */
function cachedSegmentSizes(cacheDir: string): Map<number, number> {
  const sizes = new Map<number, number>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith(".seg")) sizes.set(Number(/(\d+)\.seg$/.exec(entry.name)![1]), statSync(child).size - 40);
    }
  };
  walk(join(cacheDir, "objects"));
  return sizes;
}

test("on a store behind a disk cache, segments of codes hold their copies until they are merged away or closed", async () => {
  const saved = { ...VECTOR_PLACEMENT };
  const random = seededRandom(seedFromEnv("int8 disk cache"));
  try {
    await withTempDir(async (dir) => {
      configureVectorPlacement({ quantization: "int8", minRows: 1000 });
      const cache = await CachedBlobStore.open(new LocalBlobStore(join(dir, "remote")), { dir: join(dir, "cache"), maxBytes: 1 << 30 });
      const engine = await openTestEngine(join(dir, "unused"), { store: cache });
      const index = await setupIndex(engine, "cached", DIMENSION, "cosine");
      const collection = engine.collection(index);
      for (let segment = 0; segment < 2; segment++) {
        const batch = Array.from({ length: SEGMENT_ROWS }, (_, i) => ({ key: `k${segment}-${i}`, data: randomVector(random, DIMENSION), metadata: {} }));
        await collection.put(batch);
        await collection.flush();
      }
      await collection.settleBackground();
      assert.ok(collection.describe().segments.every((segment) => segment.vectorsOnDisk), "codes, vectors read from the cached copies");
      // Exactly the live segments' copies are held, whatever merges the flushes set off.
      const liveCopiesBytes = () => {
        const sizes = cachedSegmentSizes(join(dir, "cache"));
        return collection.describe().segments.reduce((sum, segment) => sum + sizes.get(segment.id)!, 0);
      };
      assert.equal(cache.stats().pinnedBytes, liveCopiesBytes());
      assert.ok(cache.stats().pinnedBytes > 0);
      const before = collection.describe().segments.map((segment) => segment.id);
      await collection.put(Array.from({ length: SEGMENT_ROWS }, (_, i) => ({ key: `more-${i}`, data: randomVector(random, DIMENSION), metadata: {} })));
      await collection.flush();
      await collection.compact();
      await collection.settleBackground();
      await new Promise((resolve) => setImmediate(resolve)); // merged-away segments close their files on the next turn
      const after = collection.describe().segments.map((segment) => segment.id);
      assert.deepEqual(after.filter((id) => before.includes(id)), [], `merged away: ${before.join(", ")}; now ${after.join(", ")}`);
      assert.equal(cache.stats().pinnedBytes, liveCopiesBytes(), "the merged-away copies are let go, the merged one is held");
      await engine.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(cache.stats().pinnedBytes, 0, "closing lets every copy go");
    });
  } finally {
    configureVectorPlacement(saved);
  }
});
