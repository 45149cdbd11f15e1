// IndexReader: a node that is not an index's writer holds the state of some prefix of the writer's
// WAL, and after a thorough look at the store (a listing) exactly the writes acknowledged before that
// look (a probe by name may stop at WAL objects a checkpoint pruned; the next listing crosses), across the
// writer's checkpoints (which commit a manifest through the WAL and prune what it replaces),
// flushes and compactions. Random sequences of writer operations and looks of two readers, checked
// against a model of the acknowledged writes; all on one real store (a local directory). A reload
// keeps the segments the new manifest still names: a store that counts gets shows which objects a
// reload fetches, and deletions in kept segments, merges, a damaged bitmap and what queries see while
// a reload runs are checked one by one.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import type { BlobStore } from "../storage/blob-store.ts";
import { CollectionLayout, SEGMENT_EXT, WAL_EXT } from "../storage/collection-layout.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { getRecords, listStateKeys, queryState } from "../collection/state-reads.ts";
import { decodeDeletions, encodeDeletions } from "../format/deletion-format.ts";
import { CorruptionError } from "../base/errors.ts";
import type { CollectionState } from "../state/collection-state.ts";
import { IndexReader, LIST_EVERY } from "./index-reader.ts";
import type { SharedCollection } from "./shared-collection.ts";
import { MANUAL_POLICY, TestCluster, testIndex } from "../testing/cluster-nodes.ts";
import type { CheckpointPolicy } from "../maintenance/policy.ts";
import { DelegatingStore, seedFromEnv, withTempDir } from "../testing/test-support.ts";

const DIMENSION = 3;
// Few keys, so that puts overwrite and deletes hit; one outside ASCII, since keys are any UTF-8.
const KEYS = ["a", "b", "c", "d", "e", "f", "g", "ключ-😀"];
const index = testIndex("0123456789abcdef", DIMENSION);
const layout = new CollectionLayout(index.id);

type Op =
  | { kind: "put"; rows: { key: string; data: number[] }[] }
  | { kind: "delete"; keys: string[] }
  | { kind: "checkpoint" | "flush" | "compact" | "open" }
  /**
   * Two readers poll apart, so that one misses WAL objects a checkpoint prunes and takes its deletions
   * from bitmaps. A poll that is not thorough mostly probes for the next WAL object by name.
   */
  | { kind: "poll"; reader: 0 | 1; thorough: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    kind: fc.constant("put" as const),
    rows: fc.array(fc.record({ key: fc.constantFrom(...KEYS), data: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: DIMENSION, maxLength: DIMENSION }) }), { minLength: 1, maxLength: 4 }),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("checkpoint" as const, "flush" as const, "compact" as const, "open" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("poll" as const), reader: fc.constantFrom(0 as const, 1 as const), thorough: fc.boolean() }) },
);

/** The state holds exactly the model: every key with its vector, and no other key. */
function assertHolds(state: CollectionState, model: Map<string, number[]>, who: string): void {
  const listed: string[] = [];
  for (let token: string | undefined, first = true; first || token !== undefined; first = false) {
    const page = listStateKeys(state, { limit: 1000, ...(token !== undefined && { token }) });
    listed.push(...page.keys);
    token = page.nextToken;
  }
  assert.deepEqual([...listed].sort(), [...model.keys()].sort(), `${who}: keys`);
  for (const record of getRecords(state, [...model.keys()])) {
    assert.deepEqual([...record.data], model.get(record.key), `${who}: vector of ${record.key}`);
  }
  assert.equal(state.count, model.size, `${who}: count`);
}

/** Holds the model, and a query for every row returns exactly the model's keys: no deleted row is ranked. */
function assertAnswers(state: CollectionState, model: Map<string, number[]>, who: string): void {
  assertHolds(state, model, who);
  const hits = queryState(state, index, { vector: Float32Array.from([0, 0, 0]), topK: model.size + 10 });
  assert.deepEqual(hits.map((hit) => hit.key).sort(), [...model.keys()].sort(), `${who}: query hits`);
}

/** Runs one writer operation and keeps the model of acknowledged writes. */
async function write(writer: SharedCollection, op: Op, model: Map<string, number[]>): Promise<void> {
  if (op.kind === "put") {
    await writer.put(op.rows.map((row) => ({ key: row.key, data: Float32Array.from(row.data), metadata: {} })));
    for (const row of op.rows) model.set(row.key, row.data);
  } else if (op.kind === "delete") {
    await writer.delete(op.keys);
    for (const key of op.keys) model.delete(key);
  } else if (op.kind === "checkpoint") await writer.checkpoint();
  else if (op.kind === "flush") await writer.flush();
  else if (op.kind === "compact") await writer.compact();
}

/** Each flush makes a segment of its own (no freeze-merge into a small earlier one): the shape under test is chosen. */
const SEPARATE_SEGMENTS: CheckpointPolicy = { ...MANUAL_POLICY, freezeMergeRatio: 0 };

async function withWriter(
  run: (store: LocalBlobStore, writer: SharedCollection) => Promise<void>, policy: CheckpointPolicy = MANUAL_POLICY,
): Promise<void> {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const cluster = new TestCluster(store, policy);
    try {
      const writer = await (await cluster.join("node-a")).open(index);
      await writer.maintain();
      assert.ok(writer.isWriter, "the only node takes the index");
      await run(store, writer);
    } finally {
      await cluster.close();
    }
  });
}

test("a reader holds exactly the writes acknowledged before its last look, never going back (a probe past a pruned gap, after the next listing)", async () => {
  const seed = seedFromEnv("index reader against the writer");
  const runArb = fc.record({ ops: fc.array(opArb, { minLength: 1, maxLength: 40, size: "medium" }), separateSegments: fc.boolean() });
  await fc.assert(fc.asyncProperty(runArb, async ({ ops, separateSegments }) => {
    await withWriter(async (store, writer) => {
      const model = new Map<string, number[]>();
      const readers = [await IndexReader.open(store, layout, index), await IndexReader.open(store, layout, index)];
      const applied = readers.map((reader) => reader.appliedSeq);
      for (const op of ops) {
        if (op.kind === "poll") {
          const reader = readers[op.reader] as IndexReader;
          await reader.poll(op.thorough);
          assert.ok(reader.appliedSeq >= (applied[op.reader] as number), "a look never goes back in the WAL");
          // A probe cannot see past WAL objects a checkpoint pruned before this reader read them; the
          // next listing (a thorough poll, or every LIST_EVERY-th) does.
          const gap = (await listNumbered(store, layout.walDir, WAL_EXT)).some((object) => object.seq > reader.appliedSeq);
          if (gap) {
            assert.ok(!op.thorough, "a thorough look leaves no WAL object unapplied");
            await reader.poll(true);
          }
          applied[op.reader] = reader.appliedSeq;
          assertAnswers(reader.state, model, `polling reader ${op.reader}`);
        } else if (op.kind === "open") {
          assertAnswers((await IndexReader.open(store, layout, index)).state, model, "a reader opened now");
        } else {
          await write(writer, op, model);
        }
      }
      for (const [i, reader] of readers.entries()) {
        await reader.poll(true);
        assertAnswers(reader.state, model, `polling reader ${i} at the end`);
      }
    }, separateSegments ? SEPARATE_SEGMENTS : MANUAL_POLICY);
  }), { seed, numRuns: 25, includeErrorInReport: true });
});

test("a reader whose next WAL object was pruned by checkpoints loads the newer manifest", async () => {
  await withWriter(async (store, writer) => {
    const model = new Map<string, number[]>();
    const reader = await IndexReader.open(store, layout, index);
    const next = reader.appliedSeq + 1;
    await write(writer, { kind: "put", rows: [{ key: "a", data: [1, 2, 3] }, { key: "b", data: [4, 5, 6] }] }, model);
    await write(writer, { kind: "flush" }, model);
    await write(writer, { kind: "delete", keys: ["a"] }, model);
    await write(writer, { kind: "put", rows: [{ key: "c", data: [7, 8, 9] }] }, model);
    await write(writer, { kind: "checkpoint" }, model);
    await write(writer, { kind: "put", rows: [{ key: "d", data: [0, 0, 1] }] }, model);
    const listed = (await listNumbered(store, layout.walDir, WAL_EXT)).map((object) => object.seq);
    assert.ok(!listed.includes(next) && listed.some((seq) => seq > next), `WAL ${next} pruned, later ones present: ${listed.join(",")}`);
    await reader.poll();
    assertHolds(reader.state, model, "the reader after the reload");
    assert.equal(reader.appliedSeq, Math.max(...listed));
  });
});

/** Counts the store's LISTs and GETs. */
class CountingStore extends DelegatingStore {
  lists = 0;
  gets = 0;
  override list(prefix: string): Promise<string[]> {
    this.lists++;
    return super.list(prefix);
  }
  override get(name: string): Promise<Uint8Array | undefined> {
    this.gets++;
    return super.get(name);
  }
}

test("polls mostly probe for the next WAL object by name: one LIST in LIST_EVERY polls, and a pruned gap is crossed at it", async () => {
  await withWriter(async (store, writer) => {
    const counting = new CountingStore(store);
    const model = new Map<string, number[]>();
    const reader = await IndexReader.open(counting, layout, index);
    await reader.poll(); // the first look of a reader lists
    counting.lists = 0;
    for (let i = 0; i < LIST_EVERY * 3; i++) await reader.poll();
    assert.equal(counting.lists, 3, `one listing in ${LIST_EVERY} polls`);
    await write(writer, { kind: "put", rows: [{ key: "a", data: [1, 2, 3] }] }, model);
    await reader.poll();
    assert.equal(reader.state.count, 1, "a new WAL object is found by the very next poll");
    assertHolds(reader.state, model, "after a probe");
    // A checkpoint prunes WAL objects the reader has not read: probes stop at the gap, the listing crosses it.
    await write(writer, { kind: "put", rows: [{ key: "b", data: [4, 5, 6] }] }, model);
    await write(writer, { kind: "checkpoint" }, model);
    await write(writer, { kind: "put", rows: [{ key: "c", data: [7, 8, 9] }] }, model);
    for (let polls = 0; reader.state.count !== model.size; polls++) {
      assert.ok(polls < LIST_EVERY, `the gap is crossed within ${LIST_EVERY} polls`);
      await reader.poll();
    }
    assertHolds(reader.state, model, "after the gap");
    counting.lists = 0;
    await reader.poll(true);
    assert.equal(counting.lists, 1, "a thorough poll lists");
  });
});

test("a reader's catchUp resolves once the given WAL object is applied, and not before", async () => {
  await withWriter(async (store, writer) => {
    const reader = await IndexReader.open(store, layout, index);
    const model = new Map<string, number[]>();
    await write(writer, { kind: "put", rows: [{ key: "e", data: [1, 1, 1] }] }, model);
    const newest = (await listNumbered(store, layout.walDir, WAL_EXT)).at(-1)!.seq;
    await reader.catchUp(newest);
    assert.equal(reader.appliedSeq, newest);
    assertHolds(reader.state, model, "the reader after catchUp");
    await assert.rejects(reader.catchUp(newest + 1), /did not appear/);
  });
});

/**
 * The store a reader reads through: the real one, with every `get` counted by object name, and the
 * deletion objects optionally passed through `alterDeletes` (to hand the reader a damaged bitmap).
 */
class RecordingStore extends DelegatingStore {
  readonly gets = new Map<string, number>();
  alterDeletes: ((bytes: Uint8Array) => Uint8Array) | undefined;

  override async get(name: string): Promise<Uint8Array | undefined> {
    this.gets.set(name, (this.gets.get(name) ?? 0) + 1);
    const bytes = await this.inner.get(name);
    return bytes && this.alterDeletes && name.startsWith(`${layout.deletesDir}/`) ? this.alterDeletes(bytes) : bytes;
  }

  /** Gets of segment objects since the last call, by name. */
  takeSegmentGets(): Map<string, number> {
    const taken = new Map([...this.gets].filter(([name]) => name.startsWith(`${layout.segmentDir}/`)));
    this.gets.clear();
    return taken;
  }
}

async function segmentNames(store: BlobStore): Promise<string[]> {
  return (await listNumbered(store, layout.segmentDir, SEGMENT_EXT)).map((object) => object.name);
}

/** Puts `count` new keys `prefix0`, `prefix1`…, each with its own vector, and flushes them into one segment. */
async function putSegment(writer: SharedCollection, model: Map<string, number[]>, prefix: string, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, data: [i, count - i, prefix.length] }));
  await write(writer, { kind: "put", rows }, model);
  await write(writer, { kind: "flush" }, model);
}

/** A reader that reads through a recording store, opened on what the writer has committed so far. */
async function recordingReader(store: BlobStore): Promise<{ reader: IndexReader; recording: RecordingStore }> {
  const recording = new RecordingStore(store);
  const reader = await IndexReader.open(recording, layout, index);
  return { reader, recording };
}

test("a reload after a checkpoint that adds a segment fetches that segment only", async () => {
  await withWriter(async (store, writer) => {
    const model = new Map<string, number[]>();
    await putSegment(writer, model, "one-", 20);
    await putSegment(writer, model, "two-", 20);
    const { reader, recording } = await recordingReader(store);
    const held = await segmentNames(store);
    assert.equal(held.length, 2);
    assert.deepEqual([...recording.takeSegmentGets().values()], [1, 1], "opening reads each segment once");
    await putSegment(writer, model, "three-", 5);
    const added = (await segmentNames(store)).filter((name) => !held.includes(name));
    assert.equal(added.length, 1);
    await reader.poll(true);
    assert.deepEqual(recording.takeSegmentGets(), new Map([[added[0], 1]]), "only the added segment is fetched");
    assertAnswers(reader.state, model, "the reader after the reload");
    assert.equal(reader.state.segments.length, 3);
  }, SEPARATE_SEGMENTS);
});

test("deletes and overwrites of rows in kept segments are seen after the reload, through the WAL or the bitmap", async () => {
  await withWriter(async (store, writer) => {
    const model = new Map<string, number[]>();
    await putSegment(writer, model, "one-", 10);
    await putSegment(writer, model, "two-", 10);
    assert.equal((await segmentNames(store)).length, 2);
    const watching = await recordingReader(store);
    const late = await recordingReader(store);
    watching.recording.takeSegmentGets();
    late.recording.takeSegmentGets();
    await write(writer, { kind: "delete", keys: ["one-0", "one-9", "two-3"] }, model);
    await write(writer, { kind: "put", rows: [{ key: "two-4", data: [9, 9, 9] }] }, model);
    await watching.reader.poll(true);
    assertAnswers(watching.reader.state, model, "the reader that saw the WAL");
    await write(writer, { kind: "checkpoint" }, model);
    await write(writer, { kind: "delete", keys: ["one-1"] }, model);
    await write(writer, { kind: "checkpoint" }, model);
    const walFrom = (await listNumbered(store, layout.walDir, WAL_EXT))[0]?.seq ?? 0;
    assert.ok(late.reader.appliedSeq + 1 < walFrom, "the late reader's next WAL object was pruned: it must take the deletions from the bitmap");
    for (const { reader, recording } of [watching, late]) {
      await reader.poll(true);
      assert.deepEqual(recording.takeSegmentGets(), new Map(), "no segment is fetched again");
      assertAnswers(reader.state, model, "a reader after the checkpoints");
    }
    // And deletions never come back: a put of another key, another checkpoint, another reload.
    await write(writer, { kind: "put", rows: [{ key: "three", data: [1, 1, 1] }] }, model);
    await write(writer, { kind: "checkpoint" }, model);
    await late.reader.poll(true);
    assertAnswers(late.reader.state, model, "the late reader after one more checkpoint");
    assertAnswers((await IndexReader.open(store, layout, index)).state, model, "a reader opened now");
  }, SEPARATE_SEGMENTS);
});

test("a compaction that merges segments is followed: the merged segment is fetched, the merged-away ones dropped", async () => {
  await withWriter(async (store, writer) => {
    const model = new Map<string, number[]>();
    for (const prefix of ["one-", "two-", "three-"]) await putSegment(writer, model, prefix, 8);
    assert.equal((await segmentNames(store)).length, 3);
    const { reader, recording } = await recordingReader(store);
    recording.takeSegmentGets();
    await write(writer, { kind: "delete", keys: ["one-2", "three-7"] }, model);
    await write(writer, { kind: "compact" }, model);
    const merged = await segmentNames(store);
    assert.equal(merged.length, 1, "the compaction merged the three segments into one");
    await reader.poll(true);
    assert.deepEqual(recording.takeSegmentGets(), new Map([[merged[0], 1]]));
    assert.deepEqual(reader.state.segments.map((segment) => layout.segmentName(segment.id)), merged);
    assertAnswers(reader.state, model, "the reader after the compaction");
    await putSegment(writer, model, "four-", 3);
    await write(writer, { kind: "delete", keys: ["two-0"] }, model);
    await write(writer, { kind: "checkpoint" }, model);
    await reader.poll(true);
    assert.equal(recording.takeSegmentGets().get(merged[0] as string), undefined, "the merged segment is kept");
    assertAnswers(reader.state, model, "the reader after a delete in the merged segment");
  }, SEPARATE_SEGMENTS);
});

test("a committed bitmap that has a deleted row live again is refused as damage, and the reader keeps its state", async () => {
  await withWriter(async (store, writer) => {
    const model = new Map<string, number[]>();
    await putSegment(writer, model, "one-", 6);
    await write(writer, { kind: "delete", keys: ["one-1"] }, model);
    await write(writer, { kind: "checkpoint" }, model);
    const { reader, recording } = await recordingReader(store);
    const before = reader.appliedSeq;
    await putSegment(writer, model, "two-", 2);
    recording.alterDeletes = (bytes) => encodeDeletions(decodeDeletions(bytes).map((entry) => ({ ...entry, deleted: new Uint8Array(entry.deleted.length) })));
    await assert.rejects(reader.poll(true), (error: unknown) => error instanceof CorruptionError && /row 1 live again/.test(error.message));
    assert.equal(reader.appliedSeq >= before, true);
    assert.equal(reader.state.get("one-1"), undefined, "the deleted row stays deleted");
    recording.alterDeletes = undefined;
    await reader.poll(true);
    assertAnswers(reader.state, model, "the reader once the bitmap reads right again");
  }, SEPARATE_SEGMENTS);
});

test("queries during a reload are answered from the old state until the swap, and from the new one after", async () => {
  await withWriter(async (store, writer) => {
    const model = new Map<string, number[]>();
    // Segments of more rows than one step of the key directory takes, so that building it yields too.
    await putSegment(writer, model, "one-", 1500);
    await putSegment(writer, model, "two-", 1500);
    const reader = await IndexReader.open(store, layout, index);
    const before = new Map(model);
    await write(writer, { kind: "delete", keys: ["one-0", "one-5", "two-7"] }, model);
    await write(writer, { kind: "put", rows: [{ key: "two-8", data: [5, 5, 5] }] }, model);
    await putSegment(writer, model, "three-", 4);
    await write(writer, { kind: "checkpoint" }, model);
    let done = false;
    const reload = reader.poll(true).finally(() => {
      done = true;
    });
    let turns = 0;
    // Look at the state at every turn of the event loop the reload gives up, as a query would.
    while (!done) {
      assertAnswers(reader.state, before, `a query at turn ${turns} of the reload`);
      turns++;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    await reload;
    assert.ok(turns > 2, `the reload gave the event loop ${turns} turns`);
    assertAnswers(reader.state, model, "a query after the reload");
  }, SEPARATE_SEGMENTS);
});
