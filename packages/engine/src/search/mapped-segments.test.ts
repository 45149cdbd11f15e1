// Segments whose graphs are mapped from their objects (vector-placement.ts "mapped"), through the
// engine: what they answer is what float32 segments answer (bit for bit with euclidean, whose mapped
// graph is the very graph; the same distances and recall against the float path with cosine), deletes
// made before and after a restart hold, a merge maps its new segment again and lets the old mappings
// go, a restart opens segments without reading them whole, and damage is found: in the graph at open,
// in the vectors by the background check that follows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, openSync, readdirSync, readFileSync, closeSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseFilter } from "@ossv/protocol";
import { configureVectorPlacement, VECTOR_PLACEMENT, type GraphsOnDisk } from "./vector-placement.ts";
import type { BackgroundFailureEvent } from "../base/background-failures.ts";
import type { DistanceMetric, IndexRecord, QueryHit } from "../base/types.ts";
import type { OssvEngine } from "../engine.ts";
import { SEGMENT_HEADER_BYTES, segmentLayout } from "../format/segment-format.ts";
import { dumpCollection, openTestEngine, randomVector, seededRandom, seedFromEnv, setupIndex, withTempDir } from "../testing/test-support.ts";

const DIMENSION = 24;
const SEGMENT_ROWS = 2500;

interface Run {
  engine: OssvEngine;
  index: IndexRecord;
  failures: BackgroundFailureEvent[];
}

async function open(dir: string, metric: DistanceMetric, graphsOnDisk: GraphsOnDisk, memoryBudget = Number.POSITIVE_INFINITY): Promise<Run> {
  configureVectorPlacement({ quantization: "off", graphsOnDisk, memoryBudget, minRows: 1000 });
  const failures: BackgroundFailureEvent[] = [];
  const engine = await openTestEngine(dir, { onBackgroundFailure: (event) => failures.push(event) });
  const index = engine.catalog.getIndex("1000000000000001", "bucket-a", "mapped") ?? await setupIndex(engine, "mapped", DIMENSION, metric);
  return { engine, index, failures };
}

const mappedFlags = ({ engine, index }: Run) => engine.collection(index).describe().segments.map((segment) => segment.graphOnDisk);
/** Whether the index has segments and every one is mapped (or, with `mapped` false, none is). */
const allMapped = (run: Run, mapped = true) => {
  const flags = mappedFlags(run);
  return flags.length > 0 && flags.every((flag) => flag === mapped);
};

/** Segment files under `dir` this process has mapped (Linux). */
function mappedSegmentFiles(dir: string): string[] {
  return readFileSync("/proc/self/maps", "latin1").split("\n")
    .filter((line) => line.includes(dir) && /\.seg( \(deleted\))?$/.test(line))
    .map((line) => line.slice(line.indexOf("/")));
}

function ask({ engine, index }: Run, vector: Float32Array, topK: number, filter?: object): QueryHit[] {
  return engine.collection(index).query({ vector, topK, ...(filter && { filter: parseFilter(filter) }) });
}

const plain = (hits: QueryHit[]) => hits.map(({ key, distance }) => ({ key, distance }));

/** Puts `segments` flushed segments of rows with a metadata group, and returns what was put. */
async function fill(run: Run, seed: number, segments: number): Promise<Map<string, Float32Array>> {
  const random = seededRandom(seed);
  const put = new Map<string, Float32Array>();
  const collection = run.engine.collection(run.index);
  for (let s = 0; s < segments; s++) {
    const batch = Array.from({ length: SEGMENT_ROWS }, (_, i) => {
      const key = `k${s * SEGMENT_ROWS + i}`;
      const data = randomVector(random, DIMENSION).map((value) => value * (1 + (i % 3)));
      put.set(key, data);
      return { key, data, metadata: { group: i % 10 } };
    });
    await collection.put(batch);
    await collection.flush();
  }
  await collection.settleBackground();
  return put;
}

/** Deletes every `every`th row from `from` and checkpoints: a restart reads the deletions from the segments' bitmaps, not the WAL. */
async function deleteSome(run: Run, put: Map<string, Float32Array>, every: number, from: number): Promise<void> {
  const keys = [...put.keys()].filter((_, i) => i % every === from);
  await run.engine.collection(run.index).delete(keys);
  await run.engine.collection(run.index).checkpoint();
  for (const key of keys) put.delete(key);
}

for (const metric of ["euclidean", "cosine"] as DistanceMetric[]) {
  test(`${metric}: mapped segments answer as float32 segments do, through deletes, restarts and a merge`, async () => {
    const saved = { ...VECTOR_PLACEMENT };
    const seed = seedFromEnv(`mapped segments ${metric}`);
    try {
      await withTempDir(async (dir) => {
        let run = await open(dir, metric, "always");
        const put = await fill(run, seed, 3);
        await deleteSome(run, put, 11, 0);
        assert.ok(allMapped(run), `every segment is mapped once written: ${mappedFlags(run)}`);
        const memory = run.engine.collection(run.index).describe().memory;
        // A float graph holds 4 x DIMENSION + 140 bytes a row (236 here); mapped, what is left is the
        // upper levels and hnswlib's bookkeeping: about 19 bytes a row.
        assert.ok(memory.graphs < 3 * SEGMENT_ROWS * 32, `the graphs' elements are not held: ${memory.graphs} bytes`);

        const probes = Array.from({ length: 40 }, (_, q) => randomVector(seededRandom(seed + 1 + q), DIMENSION));
        const answers = (r: Run) => probes.flatMap((vector) => [ask(r, vector, 10), ask(r, vector, 10, { group: 3 }), ask(r, vector, 10, { group: { $in: [1, 2, 4, 5, 6] } })]);
        const written = answers(run);
        await run.engine.close();

        // Reopened: every segment opened from its file, its body verified in the background.
        run = await open(dir, metric, "always");
        assert.ok(allMapped(run), `every segment is mapped after a restart: ${mappedFlags(run)}`);
        assert.deepEqual(plain(answers(run).flat()), plain(written.flat()), "a reopened mapped segment answers as the written one did");
        await deleteSome(run, put, 11, 5); // marks made on mapped graphs, which never reach the file
        await run.engine.collection(run.index).settleBackground();
        assert.deepEqual(run.failures, [], "the bodies verify");
        const afterDelete = answers(run);
        for (const hits of afterDelete) {
          assert.equal(hits.length, 10, "never short");
          for (const hit of hits) assert.ok(put.has(hit.key), `${hit.key} is live`);
        }
        await run.engine.close();

        run = await open(dir, metric, "never");
        assert.ok(allMapped(run, false), `never: held in memory again: ${mappedFlags(run)}`);
        const floats = answers(run);
        if (metric === "euclidean") {
          assert.deepEqual(plain(floats.flat()), plain(afterDelete.flat()), "the mapped graph is the float graph: the same answers");
        } else {
          let shared = 0;
          floats.forEach((hits, q) => {
            const mine = new Map((afterDelete[q] as QueryHit[]).map((hit) => [hit.key, hit.distance]));
            for (const hit of hits) {
              if (!mine.has(hit.key)) continue;
              shared++;
              assert.equal(mine.get(hit.key), hit.distance, `${hit.key}: the same exact distance`);
            }
          });
          assert.ok(shared / (floats.length * 10) >= 0.95, `recall against the float path: ${shared / (floats.length * 10)}`);
        }
        await run.engine.close();

        run = await open(dir, metric, "always");
        await run.engine.collection(run.index).compact(); // grows the merged graph from a mapped one
        await run.engine.collection(run.index).settleBackground();
        assert.deepEqual(mappedFlags(run), [true], "the merged segment is mapped too");
        await new Promise((resolve) => setImmediate(resolve));
        if (existsSync("/proc/self/maps")) assert.equal(new Set(mappedSegmentFiles(dir)).size, 1, "the merged-away segments' mappings are let go");
        for (const vector of probes) assert.equal(ask(run, vector, 10).length, 10);
        const dump = dumpCollection(run.engine, run.index);
        assert.equal(dump.size, put.size);
        for (const [key, data] of put) assert.deepEqual(dump.get(key)?.data, [...data], key);
        await run.engine.close();
        if (existsSync("/proc/self/maps")) assert.deepEqual(mappedSegmentFiles(dir), [], "closing lets every mapping go");
      });
    } finally {
      configureVectorPlacement(saved);
    }
  });
}

/** The segment files of the indexes under `dir`. */
function segmentFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(path, entry.name));
      else if (entry.name.endsWith(".seg")) found.push(join(path, entry.name));
    }
  };
  walk(join(dir, "indexes"));
  return found.sort();
}

/** The one segment file of the index under `dir`. */
function segmentFile(dir: string): string {
  const found = segmentFiles(dir);
  assert.equal(found.length, 1, `one segment: ${found.join(", ")}`);
  return found[0] as string;
}

function overwrite(path: string, offset: number, bytes: Uint8Array): void {
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, bytes, 0, bytes.length, offset);
  } finally {
    closeSync(fd);
  }
}

test("a damaged vector in a mapped segment is found by the background check, a damaged link at open", async () => {
  const saved = { ...VECTOR_PLACEMENT };
  try {
    await withTempDir(async (dir) => {
      let run = await open(dir, "euclidean", "always");
      await fill(run, 7, 1);
      await run.engine.close();
      const file = segmentFile(dir);
      const original = readFileSync(file);
      const layout = segmentLayout(original.subarray(0, SEGMENT_HEADER_BYTES), original.length, DIMENSION);

      // A vector's bytes: nothing at open reads them, so the index opens and answers; the check then fails.
      const flipped = original[SEGMENT_HEADER_BYTES + 100]! ^ 0x40;
      overwrite(file, SEGMENT_HEADER_BYTES + 100, Uint8Array.of(flipped));
      run = await open(dir, "euclidean", "always");
      assert.equal(ask(run, randomVector(seededRandom(1), DIMENSION), 5).length, 5);
      await run.engine.collection(run.index).settleBackground();
      const failure = run.engine.collection(run.index).describe().lastBackgroundFailure;
      assert.equal(failure?.task, "verify");
      assert.match(failure?.error ?? "", /CorruptionError: .*\.seg: unreadable segment: segment body checksum mismatch; `ossv admin fsck/);
      assert.equal(run.failures.length >= 1, true, "reported to the failure hook");
      await run.engine.close();
      overwrite(file, SEGMENT_HEADER_BYTES + 100, original.subarray(SEGMENT_HEADER_BYTES + 100, SEGMENT_HEADER_BYTES + 101));

      // A link of the graph naming no element: refused at open, naming the object.
      const element0 = layout.graphOffset + 96;
      overwrite(file, element0, Uint8Array.of(1, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f));
      await assert.rejects(open(dir, "euclidean", "always"), /CorruptionError|\.seg: unreadable segment graph: graph bytes are damaged: a link points at no element/);
      overwrite(file, element0, original.subarray(element0, element0 + 8));

      // Records cut short by a damaged length: refused at open too.
      const record0 = layout.recordsOffset;
      overwrite(file, record0, Uint8Array.of(0xff, 0xff, 0xff, 0x0f));
      await assert.rejects(open(dir, "euclidean", "always"), /\.seg: unreadable segment: row 0's record runs past the end/);
      overwrite(file, record0, original.subarray(record0, record0 + 4));

      run = await open(dir, "euclidean", "always");
      await run.engine.collection(run.index).settleBackground();
      assert.equal(run.engine.collection(run.index).describe().lastBackgroundFailure, null, "mended, it verifies");
      await run.engine.close();
    });
  } finally {
    configureVectorPlacement(saved);
  }
});

for (const metric of ["euclidean", "cosine"] as DistanceMetric[]) {
test(`${metric}: auto: a restart opens segments mapped and moves those the budget admits into memory in the background`, async () => {
  const saved = { ...VECTOR_PLACEMENT };
  try {
    await withTempDir(async (dir) => {
      let run = await open(dir, metric, "never");
      await fill(run, 13, 3);
      const probes = Array.from({ length: 30 }, (_, q) => randomVector(seededRandom(500 + q), DIMENSION));
      // Asked only once the segments are in memory: no query on the mappings has read their rows' norms.
      const fresh = Array.from({ length: 30 }, (_, q) => randomVector(seededRandom(900 + q), DIMENSION));
      const answersTo = (vectors: Float32Array[]) => (r: Run) => plain(vectors.flatMap((vector) => [ask(r, vector, 10), ask(r, vector, 10, { group: 3 })]).flat());
      const answers = answersTo(probes);
      const written = answers(run);
      const writtenFresh = answersTo(fresh)(run);
      const segments = mappedFlags(run).length;
      await run.engine.close();

      // A budget that admits no segment's object: every one stays mapped, verified in the background.
      run = await open(dir, metric, "auto", 1);
      assert.deepEqual(answers(run), written, "answers from the mappings");
      await run.engine.collection(run.index).settleBackground();
      assert.ok(allMapped(run), `a budget of 1 byte keeps them mapped: ${mappedFlags(run)}`);
      assert.deepEqual(run.failures, []);
      await run.engine.close();

      // A budget that admits them all: in memory once placed, answering the same before and after.
      run = await open(dir, metric, "auto");
      assert.deepEqual(answers(run), written, "answers while being placed");
      await run.engine.collection(run.index).settleBackground();
      assert.equal(mappedFlags(run).length, segments);
      assert.ok(allMapped(run, false), `every segment moved into memory: ${mappedFlags(run)}`);
      assert.deepEqual(answersTo(fresh)(run), writtenFresh, "answers from memory to queries not asked of the mappings");
      assert.deepEqual(answers(run), written, "answers from memory");
      await new Promise((resolve) => setImmediate(resolve));
      if (existsSync("/proc/self/maps")) assert.deepEqual(mappedSegmentFiles(dir), [], "the mappings are let go");
      await run.engine.close();

      // A damaged vector is found by the read that would move its segment, which then stays mapped.
      const [damaged] = segmentFiles(dir);
      const original = readFileSync(damaged!);
      overwrite(damaged!, SEGMENT_HEADER_BYTES + 100, Uint8Array.of(original[SEGMENT_HEADER_BYTES + 100]! ^ 0x40));
      run = await open(dir, metric, "auto");
      await run.engine.collection(run.index).settleBackground();
      const failure = run.engine.collection(run.index).describe().lastBackgroundFailure;
      assert.equal(failure?.task, "verify");
      assert.match(failure?.error ?? "", /\.seg: unreadable segment: segment body checksum mismatch/);
      assert.deepEqual(mappedFlags(run).filter(Boolean), [true], `only the damaged segment stays mapped: ${mappedFlags(run)}`);
      for (const vector of probes) assert.equal(ask(run, vector, 10).length, 10);
      await run.engine.close();
    });
  } finally {
    configureVectorPlacement(saved);
  }
});
}
