// fsck and fsck --repair on each kind of damage to a collection's objects: the report names the
// object and counts what it holds; repair moves it aside (nothing deleted), the directory opens
// with exactly the data the report says survives, no deleted vector comes back, and fsck is clean.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm, stat, unlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fsck } from "./fsck.ts";
import { fsckExitCode, type FsckProblem } from "./fsck-report.ts";
import {
  assertNothingDeleted, buildFixture, contents, copyFixture, filesIn, flipMiddleBit, keyRange, QUIET, truncateHalf, without,
  type Fixture, type Model,
} from "../testing/fsck-test-fixture.ts";
import { fileTree, openTestEngine, withTempDir } from "../testing/test-support.ts";

let template: string;
let fixture: Fixture;

before(async () => {
  template = await mkdtemp(join(tmpdir(), "ossv-fsck-template-"));
  fixture = await buildFixture(template);
});

after(async () => {
  await rm(template, { recursive: true, force: true });
});

/** Damages a copy of the fixture, checks, repairs, opens; returns the problem reported for `object`. */
async function damageAndRepair(damage: (dir: string) => Promise<string>, survivors: (model: Model) => Model): Promise<FsckProblem> {
  return withTempDir(async (dir) => {
    await copyFixture(template, dir);
    const object = await damage(dir);
    const untouched = await fileTree(dir);
    const { report } = await fsck(dir);
    assert.equal(fsckExitCode(report), 1);
    const problem = report.problems.find((found) => found.object === object);
    assert.ok(problem, `${object} is reported: ${JSON.stringify(report.problems, null, 1)}`);
    assert.deepEqual(await fileTree(dir), untouched, "a check changes no file");

    const repaired = (await fsck(dir, { repair: true })).report;
    assert.equal(fsckExitCode(repaired), 0);
    const quarantine = repaired.quarantine as string;
    for (const name of repaired.moved ?? []) await stat(join(dir, quarantine, name));
    await assertNothingDeleted(dir, untouched, quarantine);
    assert.ok((await fsck(dir)).report.clean, "fsck after repair is clean");

    const engine = await openTestEngine(dir, { checkpoint: QUIET });
    try {
      assert.deepEqual(contents(engine, fixture.index), survivors(fixture.model));
    } finally {
      await engine.close();
    }
    assert.ok((await fsck(dir)).report.clean, "fsck after open is clean");
    return problem;
  });
}

test("an undamaged directory: every object is read, the report is clean, and nothing changes", async () => {
  await withTempDir(async (dir) => {
    await copyFixture(template, dir);
    const untouched = await fileTree(dir);
    const { report } = await fsck(dir, { repair: true });
    // The format generation marker; 3 catalog objects; manifest, snapshot, deletion object, 2 segments; 5 WAL objects.
    assert.deepEqual([report.clean, report.objectsChecked, report.problems, fsckExitCode(report)], [true, 14, [], 0]);
    assert.equal(report.moved, undefined, "a clean repair moves nothing");
    assert.deepEqual(await fileTree(dir), untouched);
  });
});

const only = async (dir: string, sub: string, at: number): Promise<string> => (await filesIn(dir, sub)).at(at) as string;

test("the newest manifest cut by a byte: rebuilt from its snapshot and deletion object, nothing lost", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.manifestDir, -1);
    await truncateHalf(dir, name);
    return name;
  }, (model) => model);
  assert.equal(problem.lost, undefined);
  assert.match(problem.holds, /nothing is lost/);
});

test("the only manifest removed after it pruned the WAL: rebuilt from its snapshot, nothing lost", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.manifestDir, -1);
    await unlink(join(dir, name));
    return name;
  }, (model) => model);
  assert.match(problem.problem, /missing/);
  assert.equal(problem.lost, undefined);
});

test("the snapshot with a flipped bit: its 60 rows are lost, the segments and WAL survive", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.snapshotDir, -1);
    await flipMiddleBit(dir, name);
    return name;
  }, (model) => without(model, [...keyRange(10, 19), ...keyRange(600, 649)]));
  assert.deepEqual(problem.lost, { rows: 60 });
});

test("a segment with a flipped bit: its 280 live rows are lost, its deleted rows stay deleted", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.segmentDir, 0);
    await flipMiddleBit(dir, name);
    return name;
  }, (model) => without(model, keyRange(20, 299)));
  assert.deepEqual(problem.lost, { rows: 280 });
  assert.match(problem.holds, /300 rows, 280 live/);
});

test("the deletion object cut in half: both segments are dropped (580 live rows), no deleted row comes back", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.deletesDir, -1);
    await truncateHalf(dir, name);
    return name;
  }, (model) => {
    assert.ok(!model.has("k0") && !model.has("k5"), "k0..k9 were deleted");
    // k10..k19 were overwritten: their new rows are in the snapshot and survive, their old rows do not come back.
    return without(model, keyRange(20, 599));
  });
  assert.deepEqual(problem.lost, { rows: 580 });
});

test("a WAL object in the middle with a flipped bit: it and the later ones go, their deletes are kept", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.walDir, 2);
    await flipMiddleBit(dir, name);
    return name;
  }, (model) => without(model, keyRange(710, 729)));
  assert.deepEqual(problem.lost, { unknownWalObjects: 1, putKeys: 10, deleteKeys: 2 });
});

test("a WAL object in the middle removed: reported missing, the later ones go, their deletes are kept", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.walDir, 2);
    await unlink(join(dir, name));
    return name;
  }, (model) => without(model, keyRange(710, 729)));
  assert.equal(problem.problem, "missing");
  assert.deepEqual(problem.lost, { unknownWalObjects: 1, putKeys: 10, deleteKeys: 2 });
});

test("the last WAL object cut in half: only its writes are lost", async () => {
  const problem = await damageAndRepair(async (dir) => {
    const name = await only(dir, fixture.layout.walDir, -1);
    await truncateHalf(dir, name);
    return name;
  }, (model) => without(model, keyRange(720, 729)));
  assert.deepEqual(problem.lost, { unknownWalObjects: 1, putKeys: 0, deleteKeys: 0 });
  assert.match(problem.holds, /last WAL object/);
});

test("manifest and snapshot both damaged: the collection cannot be rebuilt, all of it goes to quarantine", async () => {
  const problem = await damageAndRepair(async (dir) => {
    await flipMiddleBit(dir, await only(dir, fixture.layout.snapshotDir, -1));
    const name = await only(dir, fixture.layout.manifestDir, -1);
    await flipMiddleBit(dir, name);
    return name;
  }, () => new Map());
  assert.deepEqual(problem.lost, { rows: 600 });
});
