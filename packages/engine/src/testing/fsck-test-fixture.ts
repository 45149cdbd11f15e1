// A data directory with every kind of collection object, built once per test file and copied per
// test, plus the model of what a client was told is stored (key -> vector), for fsck's tests.
//
//   segment A: k0..k299, then k0..k9 deleted and k10..k19 overwritten (their new rows in the memtable)
//   segment B: k300..k599
//   memtable at the checkpoint: k10..k19, k600..k649 (the snapshot: 60 rows)
//   WAL after it: 1 put k700..k709 | 2 delete k600..k602, k20 | 3 put k710..k719
//                 4 delete k700, k30 | 5 put k720..k729
import assert from "node:assert/strict";
import { cp, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CollectionLayout } from "../storage/collection-layout.ts";
import type { OssvEngine } from "../engine.ts";
import { fileTree, openTestEngine, randomVector, seededRandom, setupIndex } from "./test-support.ts";
import type { IndexRecord } from "../base/types.ts";

export const QUIET = {
  segmentRows: 1_000_000, maxSegments: 100, maxDeletedFraction: 1, idleMergeMs: 0, idleFlushMs: 3_600_000,
  freezeMergeRatio: 0, maxWalObjects: 10_000,
};
const DIMENSION = 8;

export type Model = Map<string, number[]>;

export interface Fixture {
  index: IndexRecord;
  layout: CollectionLayout;
  /** What every acknowledged write left: the state a clean open must show. */
  model: Model;
}

const keys = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `k${from + i}`);

async function put(engine: OssvEngine, index: IndexRecord, model: Model, names: string[], random: () => number): Promise<void> {
  const vectors = names.map((key) => ({ key, data: randomVector(random, DIMENSION), metadata: { key } }));
  await engine.collection(index).put(vectors);
  for (const vector of vectors) model.set(vector.key, [...vector.data]);
}

async function remove(engine: OssvEngine, index: IndexRecord, model: Model, names: string[]): Promise<void> {
  await engine.collection(index).delete(names);
  for (const key of names) model.delete(key);
}

export async function buildFixture(dir: string): Promise<Fixture> {
  const engine = await openTestEngine(dir, { checkpoint: QUIET });
  const index = await setupIndex(engine, "index1", DIMENSION);
  const model: Model = new Map();
  const random = seededRandom(11);
  const collection = engine.collection(index);
  await put(engine, index, model, keys(0, 299), random);
  await collection.flush();
  await put(engine, index, model, keys(300, 599), random);
  await collection.flush();
  await remove(engine, index, model, keys(0, 9));
  await put(engine, index, model, [...keys(10, 19), ...keys(600, 649)], random);
  await collection.checkpoint();
  await put(engine, index, model, keys(700, 709), random);
  await remove(engine, index, model, ["k600", "k601", "k602", "k20"]);
  await put(engine, index, model, keys(710, 719), random);
  await remove(engine, index, model, ["k700", "k30"]);
  await put(engine, index, model, keys(720, 729), random);
  await engine.close();
  const layout = new CollectionLayout(index.id);
  assert.equal((await readdir(join(dir, layout.segmentDir))).length, 2, "two segments");
  assert.equal((await readdir(join(dir, layout.walDir))).length, 5, "five WAL objects after the checkpoint");
  return { index, layout, model };
}

/** Copies the fixture directory (graph builds are the slow part; they run once per file). */
export async function copyFixture(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
}

/** The files of a directory (sorted names) under `sub`. */
export async function filesIn(dir: string, sub: string): Promise<string[]> {
  return (await readdir(join(dir, sub))).sort().map((name) => `${sub}/${name}`);
}

export async function flipMiddleBit(dir: string, name: string): Promise<void> {
  const path = join(dir, name);
  const bytes = await readFile(path);
  const copy = Uint8Array.from(bytes);
  const at = Math.floor(copy.length / 2);
  copy[at] = (copy[at] as number) ^ 0x10;
  await writeFile(path, copy);
}

export async function truncateHalf(dir: string, name: string): Promise<void> {
  const path = join(dir, name);
  const bytes = await readFile(path);
  await writeFile(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

/**
 * Nothing was deleted: every file of `before` is still in `dir`, at its place or under the
 * quarantine run directory, with the same bytes.
 */
export async function assertNothingDeleted(dir: string, before: Map<string, string>, quarantine: string): Promise<void> {
  const after = await fileTree(dir);
  for (const [path, hash] of before) {
    const kept = after.get(path) === hash || after.get(`${quarantine}/${path}`) === hash;
    assert.ok(kept, `${path} is neither in place nor in ${quarantine}`);
  }
}

/** The collection's contents as key -> vector. */
export function contents(engine: OssvEngine, index: IndexRecord): Model {
  const out: Model = new Map();
  let token: string | undefined;
  do {
    const page = engine.collection(index).list({ limit: 1000, ...(token !== undefined && { token }) });
    for (const record of page.vectors) out.set(record.key, [...record.data]);
    token = page.nextToken;
  } while (token !== undefined);
  return out;
}

/** `model` without the given keys. */
export function without(model: Model, gone: string[]): Model {
  const copy = new Map(model);
  for (const key of gone) copy.delete(key);
  return copy;
}

export { keys as keyRange };
