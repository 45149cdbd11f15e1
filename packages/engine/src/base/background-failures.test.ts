// Background work that fails is never silent: each failed attempt is reported, retried after a
// growing pause, and shown by describe(); once the fault is gone the work completes by itself.
// The flush's fault is real: the directory segments are written to is replaced by a plain file, so
// the store's mkdir and link fail as they would on a broken disk (root ignores permission bits). The
// other task kinds (checkpoint, compaction, idle merge) get theirs from a store whose creates fail,
// so each is shown reaching the same report, retry and describe().
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BackgroundFailureEvent } from "./background-failures.ts";
import type { BlobBody } from "../storage/blob-store.ts";
import { CollectionLayout } from "../storage/collection-layout.ts";
import { LocalBlobStore } from "../storage/local-blob-store.ts";
import { openTestEngine, setupIndex, vector, withTempDir } from "../testing/test-support.ts";

const POLICY = { segmentRows: 50, retryBaseMs: 20, retryMaxMs: 80, idleMergeMs: 0 };

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A store whose creates fail for the object names `fault` matches, while it is set. */
class FaultyStore extends LocalBlobStore {
  fault: RegExp | undefined;

  override async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    if (this.fault?.test(name)) throw new Error(`injected fault creating ${name}`);
    return super.createIfAbsent(name, bytes);
  }
}

const MANIFESTS = /^indexes\/[^/]+\/manifest\//;
const SEGMENTS = /^indexes\/[^/]+\/segment\//;

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

test("a failing checkpoint is reported as one, retried, shown by describe, and heals by itself", async () => {
  await withTempDir(async (dataDir) => {
    const store = new FaultyStore(dataDir);
    const events: BackgroundFailureEvent[] = [];
    const policy = { ...POLICY, maxWalObjects: 3 };
    const engine = await openTestEngine(dataDir, { store, checkpoint: policy, onBackgroundFailure: (event) => events.push(event) });
    const collection = engine.collection(await setupIndex(engine));

    store.fault = MANIFESTS;
    for (const row of rows(3)) await collection.put([row]); // the third WAL object starts an automatic checkpoint
    await until(() => events.length >= 2, "two failed attempts were reported");
    assert.deepEqual(events.slice(0, 2).map((event) => [event.task, event.attempts]), [["checkpoint", 1], ["checkpoint", 2]]);
    const shown = collection.describe().lastBackgroundFailure;
    assert.ok(shown?.task === "checkpoint" && !shown.resolved, JSON.stringify(shown));
    assert.match(shown.error, /injected fault/);
    await assert.rejects(collection.checkpoint(), /injected fault/, "an explicit checkpoint reports the fault to its caller");

    store.fault = undefined;
    await until(() => collection.describe().lastBackgroundFailure?.resolved === true, "a retry succeeded");
    await engine.close();
    const reopened = await openTestEngine(dataDir, { checkpoint: policy });
    assert.equal(reopened.collection(collection.index).count(), 3);
    await reopened.close();
  });
});

test("a failing automatic compaction is reported as one and heals by itself", async () => {
  await withTempDir(async (dataDir) => {
    const store = new FaultyStore(dataDir);
    const events: BackgroundFailureEvent[] = [];
    const policy = { ...POLICY, freezeMergeRatio: 0 };
    const engine = await openTestEngine(dataDir, { store, checkpoint: policy, onBackgroundFailure: (event) => events.push(event) });
    const collection = engine.collection(await setupIndex(engine));
    await collection.put(rows(10));
    await collection.flush();

    store.fault = SEGMENTS;
    await collection.delete(["key-0", "key-1", "key-2", "key-3", "key-4"]); // half the segment deleted: compaction is due
    await until(() => events.length >= 1, "a failed attempt was reported");
    assert.deepEqual([events[0]?.task, events[0]?.attempts], ["compact", 1]);
    assert.equal(collection.describe().lastBackgroundFailure?.task, "compact");

    store.fault = undefined;
    await until(() => collection.describe().lastBackgroundFailure?.resolved === true, "a retry succeeded");
    await collection.settleBackground();
    assert.deepEqual(collection.describe().segments.map((segment) => [segment.rows, segment.live]), [[5, 5]]);
    await engine.close();
  });
});

test("a failing idle merge is reported as one and heals by itself", async () => {
  await withTempDir(async (dataDir) => {
    const setup = await openTestEngine(dataDir, { checkpoint: { ...POLICY, freezeMergeRatio: 0 } });
    const index = await setupIndex(setup);
    const collection = setup.collection(index);
    for (const part of [rows(20).slice(0, 10), rows(20).slice(10)]) {
      await collection.put(part);
      await collection.flush();
    }
    await setup.close();

    // Reopened, the collection is quiet at once: its idle merge of the two segments fails to write.
    const store = new FaultyStore(dataDir);
    store.fault = SEGMENTS;
    const events: BackgroundFailureEvent[] = [];
    const policy = { ...POLICY, freezeMergeRatio: 0, idleMergeMs: 50 };
    const engine = await openTestEngine(dataDir, { store, checkpoint: policy, onBackgroundFailure: (event) => events.push(event) });
    const reopened = engine.collection(index);
    assert.equal(reopened.describe().segments.length, 2);
    await until(() => events.length >= 1, "a failed attempt was reported");
    assert.deepEqual([events[0]?.task, events[0]?.attempts], ["merge", 1]);

    store.fault = undefined;
    await until(() => reopened.describe().lastBackgroundFailure?.resolved === true, "a retry succeeded");
    await reopened.settleBackground();
    assert.deepEqual(reopened.describe().segments.map((segment) => segment.rows), [20]);
    await engine.close();
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
