// A data directory written by a newer ossv: the directory's format generation and every object's
// format version are read as "written by a newer ossv", never as damage, by open and by fsck, and
// neither changes a file. A directory from before the generation marker existed opens and gets one.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { checksum } from "./format/binary.ts";
import { decodeCheckedJson, encodeCheckedJson } from "./format/checked-json.ts";
import { CollectionLayout } from "./storage/collection-layout.ts";
import { encodeFormatGeneration, FORMAT_GENERATION, GENERATION_DIR } from "./storage/format-generation.ts";
import { fsck } from "./fsck/fsck.ts";
import { fsckExitCode } from "./fsck/fsck-report.ts";
import {
  assertRefusedAsNewer, assertRefusedUnchanged, copyWithObject, dumpCollection, flipBit, openTestEngine, randomVector, seededRandom,
  setupIndex, withTempDir,
} from "./testing/test-support.ts";
import type { IndexRecord } from "./base/types.ts";

const NO_AUTOMATIC_WORK = { segmentRows: 1_000_000, maxSegments: 100, maxDeletedFraction: 1, idleMergeMs: 0, idleFlushMs: 3_600_000 };
const MARKER = `${GENERATION_DIR}/00000000000000000001.json`;
const NEXT_MARKER = `${GENERATION_DIR}/00000000000000000002.json`;

/** An index with 300 rows in a segment and 20 more in the WAL, written by this build. */
async function populated(dir: string): Promise<{ index: IndexRecord; layout: CollectionLayout; rows: number }> {
  const engine = await openTestEngine(dir, { checkpoint: NO_AUTOMATIC_WORK });
  const index = await setupIndex(engine, "index1", 8);
  const random = seededRandom(18);
  const collection = engine.collection(index);
  await collection.put(Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, data: randomVector(random, 8), metadata: { i } })));
  await collection.flush();
  await collection.put(Array.from({ length: 20 }, (_, i) => ({ key: `w${i}`, data: randomVector(random, 8), metadata: { i } })));
  await engine.close();
  return { index, layout: new CollectionLayout(index.id), rows: 320 };
}

async function only(dir: string): Promise<string> {
  const names = await readdir(dir);
  assert.equal(names.length, 1, `one object in ${dir}`);
  return names[0] as string;
}

/** Checked JSON `bytes` with its version field set to `version`, checksum line and all intact. */
function jsonWithVersion(bytes: Uint8Array, version: number): Uint8Array {
  return encodeCheckedJson({ ...decodeCheckedJson(bytes, "object").value, version });
}

/** A framed binary object with its version field set to `version` and the header checksum made to match. */
function framedWithVersion(bytes: Uint8Array, version: number, headerBytes: number): Uint8Array {
  const copy = Buffer.from(bytes);
  copy.writeUInt32LE(version, 4);
  copy.writeUInt32LE(checksum(copy.subarray(0, headerBytes - 4)), headerBytes - 4);
  return copy;
}

const runFsck = (dir: string, repair: boolean) => () => fsck(dir, { repair, now: new Date(0) });

test("a new directory gets the marker of this build's generation, and opens again with it", async () => {
  await withTempDir(async (dir) => {
    const { index, rows } = await populated(dir);
    assert.equal(FORMAT_GENERATION, 1);
    const bytes = await readFile(join(dir, MARKER));
    assert.equal(bytes.toString("utf8"), `{"format":"ossv-data-directory","generation":1}\n${checksum(Buffer.from('{"format":"ossv-data-directory","generation":1}')).toString(16).padStart(8, "0")}\n`);
    const engine = await openTestEngine(dir);
    try {
      assert.equal(dumpCollection(engine, index).size, rows);
    } finally {
      await engine.close();
    }
    assert.deepEqual(await readdir(join(dir, GENERATION_DIR)), ["00000000000000000001.json"]);
    assert.ok((await fsck(dir)).report.clean);
  });
});

test("a directory written before the marker existed is read as generation 1 and gets the marker", async () => {
  await withTempDir(async (dir) => {
    const { index, rows } = await populated(dir);
    await rm(join(dir, GENERATION_DIR), { recursive: true });
    assert.ok((await fsck(dir)).report.clean, "no marker is no problem");
    const engine = await openTestEngine(dir);
    try {
      assert.equal(dumpCollection(engine, index).size, rows);
    } finally {
      await engine.close();
    }
    assert.deepEqual(await readFile(join(dir, MARKER)), Buffer.from(encodeFormatGeneration(1)));
  });
});

test("a refused open does not write the marker", async () => {
  await withTempDir(async (dir) => {
    const { layout } = await populated(dir);
    await rm(join(dir, GENERATION_DIR), { recursive: true });
    const manifest = join(dir, layout.manifestDir, await only(join(dir, layout.manifestDir)));
    const bytes = await readFile(manifest);
    await writeFile(manifest, bytes.subarray(0, bytes.length - 1));
    await assertRefusedUnchanged(dir, /\/manifest\//, "damaged manifest, no marker");
  });
});

test("a directory of a newer generation is refused by open and by fsck, and nothing changes", async () => {
  await withTempDir(async (root) => {
    const original = join(root, "original");
    await mkdir(original);
    await populated(original);
    for (const [label, bytes] of [
      ["an intact marker of generation 2", encodeFormatGeneration(2)],
      // The number decides: a damaged marker of a newer generation still says a newer ossv was here.
      ["a damaged marker of generation 2", flipBit(encodeFormatGeneration(2), 5)],
    ] as const) {
      const dir = await copyWithObject(root, original, NEXT_MARKER, bytes);
      const error = await assertRefusedAsNewer(dir, /^format\/00000000000000000002\.json$/, `open: ${label}`);
      assert.deepEqual([error.found, error.known, error.term], [2, 1, "generation"]);
      assert.match(error.message, /data directory has format generation 2, but this ossv reads generation 1 at most/);
      await assertRefusedAsNewer(dir, /^format\//, `fsck: ${label}`, runFsck(dir, false));
      await assertRefusedAsNewer(dir, /^format\//, `fsck --repair: ${label}`, runFsck(dir, true));
    }
  });
});

test("an object of a newer format version is refused as newer, not as damage, by open and by fsck", async () => {
  await withTempDir(async (root) => {
    const original = join(root, "original");
    await mkdir(original);
    const { layout } = await populated(original);
    const read = async (dir: string, name: string) => await readFile(join(original, dir, name));
    const newest = async (dir: string) => `${dir}/${(await readdir(join(original, dir))).sort().at(-1)}`;
    const manifest = await newest(layout.manifestDir);
    const catalog = await newest("catalog");
    const segment = await newest(layout.segmentDir);
    const wal = await newest(layout.walDir);
    const cases: [string, string, Uint8Array, RegExp][] = [
      ["manifest version 4", manifest, jsonWithVersion(await read(".", manifest), 4), /manifest has format version 4, but this ossv reads version 3/],
      ["catalog version 3", catalog, jsonWithVersion(await read(".", catalog), 3), /catalog object has format version 3, but this ossv reads version 2/],
      ["segment version 3", segment, framedWithVersion(await read(".", segment), 3, 48), /segment has format version 3, but this ossv reads version 2/],
      ["WAL object version 2", wal, framedWithVersion(await read(".", wal), 2, 20), /WAL object has format version 2, but this ossv reads version 1/],
    ];
    for (const [label, name, bytes, message] of cases) {
      const dir = await copyWithObject(root, original, name, bytes);
      const object = new RegExp(`^${name.replaceAll(".", "\\.")}$`);
      const error = await assertRefusedAsNewer(dir, object, `open: ${label}`);
      assert.match(error.message, message, label);
      await assertRefusedAsNewer(dir, object, `fsck: ${label}`, runFsck(dir, false));
      await assertRefusedAsNewer(dir, object, `fsck --repair: ${label}`, runFsck(dir, true));
    }
  });
});

test("a damaged marker of a known generation: open refuses it as damage; fsck moves it aside and open writes a new one", async () => {
  await withTempDir(async (dir) => {
    const { index, rows } = await populated(dir);
    const good = await readFile(join(dir, MARKER));
    await writeFile(join(dir, MARKER), flipBit(good, 20));
    await assertRefusedUnchanged(dir, /^format\//, "damaged marker");
    const checked = (await fsck(dir)).report;
    assert.deepEqual(checked.problems.map((problem) => [problem.object, problem.severity]), [[MARKER, "harmless"]]);
    const repaired = (await fsck(dir, { repair: true, now: new Date(0) })).report;
    assert.deepEqual([repaired.moved, fsckExitCode(repaired)], [[MARKER], 0]);
    const engine = await openTestEngine(dir);
    try {
      assert.equal(dumpCollection(engine, index).size, rows);
    } finally {
      await engine.close();
    }
    assert.deepEqual(await readFile(join(dir, MARKER)), good);
  });
});
