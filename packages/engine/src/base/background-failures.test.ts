// Background work that fails is never silent: each failed attempt is reported, retried after a
// growing pause, and shown by describe(); once the fault is gone the work completes by itself.
// The fault is real: the directory segments are written to is replaced by a plain file, so the
// store's mkdir and link fail as they would on a broken disk (root ignores permission bits).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BackgroundFailureEvent } from "./background-failures.ts";
import { CollectionLayout } from "../storage/collection-layout.ts";
import { openTestEngine, setupIndex, vector, withTempDir } from "../testing/test-support.ts";

const POLICY = { segmentRows: 50, retryBaseMs: 20, retryMaxMs: 80, idleMergeMs: 0 };

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function rows(count: number) {
  return Array.from({ length: count }, (_, i) => vector(`key-${i}`, [i, 1, 2, 3], { i }));
}

test("a failing flush is reported, retried with growing pauses, shown by describe, and heals by itself", async () => {
  await withTempDir(async (dataDir) => {
    const events: BackgroundFailureEvent[] = [];
    const engine = await openTestEngine(dataDir, { checkpoint: POLICY, onBackgroundFailure: (event) => events.push(event) });
    const index = await setupIndex(engine);
    const segmentDir = join(dataDir, new CollectionLayout(index.id).segmentDir);
    await mkdir(join(segmentDir, ".."), { recursive: true });
    await writeFile(segmentDir, "not a directory");
    const collection = engine.collection(index);

    await collection.put(rows(60)); // past segmentRows: an automatic flush starts and fails
    await until(() => events.length >= 3, "three failed attempts were reported");
    const [first, second, third] = events;
    assert.deepEqual([first?.task, first?.attempts, second?.attempts, third?.attempts], ["flush", 1, 2, 3]);
    assert.equal(first?.indexName, index.name);
    assert.ok((first?.retryInMs ?? 0) < (second?.retryInMs ?? 0), "the pause grows");
    const shown = collection.describe().lastBackgroundFailure;
    assert.ok(shown && !shown.resolved && shown.attempts >= 3 && shown.retryAt !== null, JSON.stringify(shown));
    assert.match(shown.error, /ENOTDIR|EEXIST/);
    assert.ok(Date.parse(shown.at) <= Date.now());
    assert.equal(collection.get(["key-59"]).length, 1, "acknowledged rows stay readable meanwhile");
    await assert.rejects(collection.flush(), /ENOTDIR|EEXIST/, "an explicit flush reports the fault to its caller");

    await rm(segmentDir);
    await until(() => collection.describe().lastBackgroundFailure?.resolved === true, "a retry succeeded");
    const healed = collection.describe();
    assert.equal(healed.lastBackgroundFailure?.retryAt, null);
    assert.equal(healed.memtableRows, 0, "the rows were flushed into a segment");
    assert.ok(healed.segments.every((segment) => Number(segment.id) > 0), "every segment was written");
    await engine.close();

    const reopened = await openTestEngine(dataDir, { checkpoint: POLICY });
    const again = reopened.collection(index);
    assert.equal(again.count(), 60);
    assert.equal(again.describe().lastBackgroundFailure, null, "a fresh process starts with no failure");
    await reopened.close();
  });
});

test("a healthy collection reports no background failure", async () => {
  await withTempDir(async (dataDir) => {
    const events: BackgroundFailureEvent[] = [];
    const engine = await openTestEngine(dataDir, { checkpoint: POLICY, onBackgroundFailure: (event) => events.push(event) });
    const collection = engine.collection(await setupIndex(engine));
    await collection.put(rows(120));
    await collection.flush();
    await collection.compact();
    assert.deepEqual(events, []);
    assert.equal(collection.describe().lastBackgroundFailure, null);
    await engine.close();
  });
});
