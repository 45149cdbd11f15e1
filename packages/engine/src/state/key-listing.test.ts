// A restart lists its segments' keys (the sorted directory ListVectors pages through) in the
// background, after the index has opened (collection-state.ts `unlisted`). Overwrites, deletes and new
// keys applied before and while that listing runs, listings asked for before it ends, and a merge of
// segments not yet listed must all leave exactly the live keys listed: checked against a model, the
// operations drawn from a printed seed, applied as recovery and the WAL apply them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CollectionState } from "./collection-state.ts";
import { Memtable } from "./memtable.ts";
import type { Segment } from "../search/segment.ts";
import { randomVector, seededRandom, seedFromEnv } from "../testing/test-support.ts";

const DIMENSION = 4;
const INDEX = { dimension: DIMENSION, distanceMetric: "euclidean" as const, nonFilterableMetadataKeys: [] };
/** Rows a segment: each is listed in several steps of 1,024. */
const SEGMENT_ROWS = 3000;

function segmentOf(keys: readonly string[], random: () => number): Segment {
  const memtable = new Memtable(DIMENSION);
  for (const key of keys) memtable.upsert({ key, data: randomVector(random, DIMENSION), metadata: {} });
  const [segment] = memtable.toSegments([]);
  return segment!;
}

const sorted = (keys: Iterable<string>) => [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A state as recovery leaves it: three segments added to be listed later. */
function recovered(random: () => number): { state: CollectionState; live: Set<string>; segments: Segment[] } {
  const state = new CollectionState(INDEX);
  const live = new Set<string>();
  const segments: Segment[] = [];
  for (let s = 0; s < 3; s++) {
    const keys = Array.from({ length: SEGMENT_ROWS }, (_, i) => `k${s}-${i}`);
    const segment = segmentOf(keys, random);
    state.addSegment(segment, "listLater");
    segments.push(segment);
    for (const key of keys) live.add(key);
  }
  return { state, live, segments };
}

/** Applies `count` drawn writes and deletes as the WAL would: overwrites and deletes of live keys, new keys. */
function applySome(state: CollectionState, live: Set<string>, random: () => number, count: number, tag: string): void {
  const existing = () => [...live][Math.floor(random() * live.size)]!;
  for (let i = 0; i < count; i++) {
    const choice = random();
    if (choice < 0.4) {
      state.apply({ type: "put", vectors: [{ key: existing(), data: randomVector(random, DIMENSION), metadata: {} }] });
    } else if (choice < 0.8) {
      const key = existing();
      state.apply({ type: "delete", keys: [key] });
      live.delete(key);
    } else {
      const key = `new-${tag}-${i}`;
      state.apply({ type: "put", vectors: [{ key, data: randomVector(random, DIMENSION), metadata: {} }] });
      live.add(key);
    }
  }
}

const listed = (state: CollectionState) => [...state.keysAfter()];

test("keys listed in the background after a restart: writes and deletes before and during the listing", async () => {
  const seed = seedFromEnv("key listing");
  const random = seededRandom(seed);
  const { state, live } = recovered(random);
  applySome(state, live, random, 200, "before"); // before the listing has begun
  for (let step = 0; step < 6; step++) {
    await turn(); // the listing takes a step or two
    applySome(state, live, random, 100, `during-${step}`);
  }
  await state.keysListed();
  applySome(state, live, random, 100, "after");
  assert.deepEqual(listed(state), sorted(live), `seed ${seed}`);
  assert.equal(state.count, live.size);
});

test("a listing asked for before the background one ends lists every key at once", async () => {
  const seed = seedFromEnv("key listing first");
  const random = seededRandom(seed);
  const { state, live } = recovered(random);
  await turn();
  applySome(state, live, random, 100, "during");
  assert.deepEqual(listed(state), sorted(live), `seed ${seed}`);
  await state.keysListed();
  assert.deepEqual(listed(state), sorted(live), `seed ${seed}: the background listing changed nothing after`);
});

test("a merge of segments whose keys are not listed yet keeps every key listed", async () => {
  const seed = seedFromEnv("key listing merge");
  const random = seededRandom(seed);
  const { state, live, segments } = recovered(random);
  applySome(state, live, random, 100, "before");
  // The first two segments merged as compaction does: the merged segment's rows are copies of theirs.
  const replaced = segments.slice(0, 2);
  const sources = replaced.flatMap((segment) => Array.from({ length: segment.rows }, (_, row) => ({ segment, row })));
  const merged = segmentOf(sources.map(({ segment, row }) => segment.keyAt(row)), random);
  state.replaceSegments(replaced, merged, sources);
  applySome(state, live, random, 100, "after");
  await state.keysListed();
  assert.deepEqual(listed(state), sorted(live), `seed ${seed}`);
});
