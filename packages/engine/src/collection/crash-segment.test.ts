// Crash tests for flushes and compactions: a crash can stop one before or after any of its objects
// was created. Recovery must come back with every acknowledged write, never undo a delete, and
// afterwards clean up and carry on. Objects no manifest names yet are removed whatever their state;
// a damaged manifest stops open.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { decodeSegment } from "../format/segment-format.ts";
import { DecodeError } from "../base/errors.ts";
import type { IndexRecord, VectorRecord } from "../base/types.ts";
import { assertRefusedUnchanged, copyWithObject, CrashingStore, dumpCollection, flipBit, openTestEngine, randomVector, seededRandom, setupIndex, withTempDir } from "../testing/test-support.ts";

/** No automatic flushes or compactions: the test decides when each happens. */
const MANUAL = { segmentRows: 1_000_000, maxSegments: 100, maxDeletedFraction: 1, idleMergeMs: 0 };

type Dump = ReturnType<typeof dumpCollection>;

interface Crashed {
  index: IndexRecord;
  expected: Dump;
  captured: { name: string; bytes: Uint8Array };
}

function rows(prefix: string, count: number, seed: number): VectorRecord[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, data: randomVector(random, 3), metadata: { i } }));
}

/**
 * Segment 1 (flushed), deletes and an upsert of frozen rows, then either a second flush or (after a
 * second segment) a compaction that crashes when it creates the object `crashOn` matches.
 */
async function crashDuring(dir: string, task: "flush" | "compact", crashOn: RegExp): Promise<Crashed> {
  const store = new CrashingStore(new LocalBlobStore(dir), (name) => crashOn.test(name));
  const engine = await openTestEngine(dir, { store, checkpoint: MANUAL });
  const index = await setupIndex(engine, "index1", 3);
  const collection = engine.collection(index);
  await collection.put(rows("a", 40, 1));
  await collection.flush();
  await collection.delete(["a1", "a2", "a3"]);
  await collection.put([{ key: "a4", data: Float32Array.from([7, 7, 7]), metadata: { upserted: true } }, ...rows("b", 20, 2)]);
  if (task === "compact") {
    await collection.flush();
    await collection.delete(["b1", "a5"]);
  }
  const expected = dumpCollection(engine, index);
  await assert.rejects(task === "flush" ? collection.flush() : collection.compact(), /simulated crash/);
  await engine.close();
  assert.ok(store.captured, "the crash happened");
  return { index, expected, captured: store.captured };
}

/**
 * Where to cut: the first bytes (header fields), an even spread through the body, and the last bytes
 * (the newline of a manifest, the end of a graph). Every byte of every object would take minutes; the
 * decoders are tested at every byte separately, and recovery treats all undecodable cuts alike.
 */
function cutOffsets(length: number): number[] {
  const offsets = new Set<number>();
  for (let i = 0; i <= Math.min(6, length); i++) offsets.add(i);
  for (let i = 0; i < length; i += Math.max(1, Math.floor(length / 6))) offsets.add(i);
  for (let i = Math.max(0, length - 2); i <= length; i++) offsets.add(i);
  return [...offsets];
}

/** `bytes` of the crashed object: absent, whole, or cut at each of cutOffsets. */
function variants(captured: Crashed["captured"]): Array<[string, Uint8Array | undefined]> {
  return [
    ["never created", undefined],
    ...cutOffsets(captured.bytes.length).map((offset): [string, Uint8Array] => [`cut at ${offset}`, captured.bytes.subarray(0, offset)]),
  ];
}

/**
 * An object no manifest names yet (a segment or deletion object of a flush or merge that never
 * committed) holds nothing the manifest in force and the WAL lack: absent, whole or damaged, recovery
 * keeps every acknowledged write and removes it.
 */
async function assertLeftoverRecovers(root: string, original: string, crashed: Crashed): Promise<void> {
  const { captured, expected, index } = crashed;
  for (const [label, bytes] of variants(captured)) {
    const copy = await copyWithObject(root, original, captured.name, bytes);
    const engine = await openTestEngine(copy, { checkpoint: MANUAL });
    const collection = engine.collection(index);
    assert.deepEqual(dumpCollection(engine, index), expected, `${captured.name} ${label}`);
    assert.deepEqual(collection.get(["a1", "a2", "a3"]), [], `deletes stay deleted (${label})`);
    const nearest = collection.query({ vector: Float32Array.from([7, 7, 7]), topK: 1 });
    assert.equal(nearest[0]?.record.key, "a4", `the upsert wins over the frozen row (${label})`);
    await engine.close();
  }
}

/** A manifest exists only once created whole: absent, recovery keeps everything; damaged, open stops. */
async function assertManifestDamageStops(root: string, original: string, crashed: Crashed): Promise<void> {
  const { captured } = crashed;
  for (const bytes of [undefined, captured.bytes]) {
    const engine = await openTestEngine(await copyWithObject(root, original, captured.name, bytes), { checkpoint: MANUAL });
    assert.deepEqual(dumpCollection(engine, crashed.index), crashed.expected, `manifest ${bytes ? "whole" : "never created"}`);
    await engine.close();
  }
  const damaged = [
    ...variants(captured).filter(([, bytes]) => bytes !== undefined && bytes.length < captured.bytes.length),
    ...cutOffsets(captured.bytes.length - 1).map((offset): [string, Uint8Array] => [`byte ${offset} flipped`, flipBit(captured.bytes, offset, offset % 8)]),
  ];
  for (const [label, bytes] of damaged) {
    const copy = await copyWithObject(root, original, crashed.captured.name, bytes);
    await assertRefusedUnchanged(copy, /\/manifest\//, `manifest ${label}`, () => openTestEngine(copy, { checkpoint: MANUAL }));
  }
}

const cases: [string, "flush" | "compact", RegExp, typeof assertLeftoverRecovers][] = [
  ["a flush's segment object", "flush", /\/segment\/0+2\.seg$/, assertLeftoverRecovers],
  ["a flush's deletion object", "flush", /\/deletes\/0+2\.del$/, assertLeftoverRecovers],
  ["a flush's manifest", "flush", /\/manifest\/0+2\.json$/, assertManifestDamageStops],
  ["a compaction's merged segment object", "compact", /\/segment\/0+3\.seg$/, assertLeftoverRecovers],
  ["a compaction's deletion object", "compact", /\/deletes\/0+3\.del$/, assertLeftoverRecovers],
  ["a compaction's manifest", "compact", /\/manifest\/0+3\.json$/, assertManifestDamageStops],
];

for (const [what, task, crashOn, check] of cases) {
  test(`${what}, absent or cut anywhere: every acknowledged write and delete is kept, or open stops`, async () => {
    await withTempDir(async (root) => {
      const original = join(root, "original");
      const crashed = await crashDuring(original, task, crashOn);
      assert.match(crashed.captured.name, crashOn);
      await check(root, original, crashed);
    });
  });
}

test("after a crashed compaction, recovery removes the orphans and the next compaction succeeds", async () => {
  await withTempDir(async (dir) => {
    const crashed = await crashDuring(dir, "compact", /\/manifest\/0+3\.json$/);
    let engine = await openTestEngine(dir, { checkpoint: MANUAL });
    const segmentDir = join(dir, "indexes", crashed.index.id, "segment");
    assert.equal((await readdir(segmentDir)).length, 2, "the orphaned merged segment was removed");
    await engine.collection(crashed.index).compact();
    assert.equal((await readdir(segmentDir)).length, 1);
    await engine.close();
    engine = await openTestEngine(dir, { checkpoint: MANUAL });
    assert.deepEqual(dumpCollection(engine, crashed.index), crashed.expected);
    await engine.close();
  });
});

test("a segment object cut at any byte or with a flipped byte does not decode", async () => {
  await withTempDir(async (dir) => {
    const crashed = await crashDuring(dir, "flush", /\/segment\/0+2\.seg$/);
    const bytes = crashed.captured.bytes;
    assert.equal(decodeSegment(bytes, 3).records.rows, 21);
    for (let offset = 0; offset < bytes.length; offset++) {
      assert.throws(() => decodeSegment(bytes.subarray(0, offset), 3), DecodeError, `cut at ${offset}`);
    }
    for (let offset = 0; offset < bytes.length; offset += 7) {
      const flipped = bytes.slice();
      flipped[offset] = (flipped[offset] as number) ^ 0x40;
      assert.throws(() => decodeSegment(flipped, 3), DecodeError, `flip at ${offset}`);
    }
  });
});
