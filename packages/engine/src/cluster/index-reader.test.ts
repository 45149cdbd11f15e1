// IndexReader: a node that is not an index's writer holds the state of some prefix of the writer's
// WAL, and after a look at the store exactly the writes acknowledged before that look, across the
// writer's checkpoints (which commit a manifest through the WAL and prune what it replaces),
// flushes and compactions. Random sequences of writer operations and reader looks, checked against
// a model of the acknowledged writes; all on one real store (a local directory).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { CollectionLayout, WAL_EXT } from "../storage/collection-layout.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { getRecords, listStateKeys } from "../collection/state-reads.ts";
import type { CollectionState } from "../state/collection-state.ts";
import { IndexReader } from "./index-reader.ts";
import type { SharedCollection } from "./shared-collection.ts";
import { TestCluster, testIndex } from "../testing/cluster-nodes.ts";
import { seedFromEnv, withTempDir } from "../testing/test-support.ts";

const DIMENSION = 3;
// Few keys, so that puts overwrite and deletes hit; one outside ASCII, since keys are any UTF-8.
const KEYS = ["a", "b", "c", "d", "e", "f", "g", "ключ-😀"];
const index = testIndex("0123456789abcdef", DIMENSION);
const layout = new CollectionLayout(index.id);

type Op =
  | { kind: "put"; rows: { key: string; data: number[] }[] }
  | { kind: "delete"; keys: string[] }
  | { kind: "checkpoint" | "flush" | "compact" | "poll" | "open" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({
    kind: fc.constant("put" as const),
    rows: fc.array(fc.record({ key: fc.constantFrom(...KEYS), data: fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: DIMENSION, maxLength: DIMENSION }) }), { minLength: 1, maxLength: 4 }),
  }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), keys: fc.uniqueArray(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom("checkpoint" as const, "flush" as const, "compact" as const, "poll" as const, "open" as const) }) },
);

/** The state holds exactly the model: every key with its vector, and no other key. */
function assertHolds(state: CollectionState, model: Map<string, number[]>, who: string): void {
  const listed = listStateKeys(state, { limit: 1000 }).keys;
  assert.deepEqual([...listed].sort(), [...model.keys()].sort(), `${who}: keys`);
  for (const record of getRecords(state, [...model.keys()])) {
    assert.deepEqual([...record.data], model.get(record.key), `${who}: vector of ${record.key}`);
  }
  assert.equal(state.count, model.size, `${who}: count`);
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

async function withWriter(run: (store: LocalBlobStore, writer: SharedCollection) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const store = new LocalBlobStore(dir);
    const cluster = new TestCluster(store);
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

test("a reader holds exactly the writes acknowledged before its last look, never going back", async () => {
  const seed = seedFromEnv("index reader against the writer");
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 30 }), async (ops) => {
    await withWriter(async (store, writer) => {
      const model = new Map<string, number[]>();
      const reader = await IndexReader.open(store, layout, index);
      let applied = reader.appliedSeq;
      for (const op of ops) {
        if (op.kind === "poll") {
          await reader.poll();
          assert.ok(reader.appliedSeq >= applied, "a look never goes back in the WAL");
          applied = reader.appliedSeq;
          assertHolds(reader.state, model, "the polling reader");
        } else if (op.kind === "open") {
          assertHolds((await IndexReader.open(store, layout, index)).state, model, "a reader opened now");
        } else {
          await write(writer, op, model);
        }
      }
      await reader.poll();
      assertHolds(reader.state, model, "the polling reader at the end");
    });
  }), { seed, numRuns: 40, includeErrorInReport: true });
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
