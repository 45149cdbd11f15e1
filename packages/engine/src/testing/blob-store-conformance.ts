// One set of tests for every BlobStore: the local directory's and the object store's must behave
// alike, since the engine above them cannot tell which it has. A test file calls
// blobStoreConformance() with a way to get a fresh, empty store; each test gets its own.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import { seedFromEnv } from "./test-support.ts";

export interface StoreUnderTest {
  store: BlobStore;
  /** Removes whatever the test left; called once the test ends. */
  cleanup: () => Promise<void>;
}

export interface ConformanceOptions {
  /** Set when the store cannot be had here: every test is reported skipped with this reason. */
  skip?: string;
  /** Runs of the model-based property (each run is tens of store calls). */
  propertyRuns: number;
}

const MiB = 1024 * 1024;

/** `length` bytes that depend on `seed`: random-looking content without random generation per byte. */
function patternBytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

function joined(body: BlobBody): Buffer {
  return body instanceof Uint8Array ? Buffer.from(body) : Buffer.concat(body);
}

/** The bytes cut at the given points (sorted, clamped), so parts of every size, empty ones too, occur. */
function cut(bytes: Uint8Array, points: number[]): Uint8Array[] {
  const at = points.map((point) => point % (bytes.length + 1)).sort((a, b) => a - b);
  const parts: Uint8Array[] = [];
  let start = 0;
  for (const point of [...at, bytes.length]) {
    parts.push(bytes.subarray(start, point));
    start = point;
  }
  return parts;
}

// Few distinct segments, so that generated names collide and share prefixes often. A name is never
// also a directory of another ("a" beside "a/b"): a file system cannot hold both, and the engine
// makes no such pair, so leaves and directories come from different sets.
const dirSegment = fc.constantFrom("a", "b", "ab", "a.b");
const leafSegment = fc.constantFrom("x-1", "_z", "a.c", "00000000000000000007.wal");
const name = fc.tuple(fc.array(dirSegment, { maxLength: 2 }), leafSegment).map(([dirs, leaf]) => [...dirs, leaf].join("/"));
const size = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 300 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 256 * 1024 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 6 * MiB }) },
);
const body = fc.record({ size, seed: fc.integer(), cuts: fc.option(fc.array(fc.nat(), { maxLength: 4 })) }).map(({ size, seed, cuts }) => {
  const bytes = patternBytes(size, seed);
  return cuts === null ? bytes : cut(bytes, cuts);
});
/** A prefix of a generated name at any character: "a/" and "a" both match "ab/x" differently. */
const prefix = fc.tuple(name, fc.nat()).map(([full, end]) => full.slice(0, end % (full.length + 1)));

type Command =
  | { op: "create"; name: string; body: BlobBody }
  | { op: "get"; name: string }
  | { op: "delete"; name: string }
  | { op: "deletePrefix"; prefix: string }
  | { op: "list"; prefix: string };

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant("create" as const), name, body }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant("get" as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("delete" as const), name }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("deletePrefix" as const), prefix }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant("list" as const), prefix }) },
);

/** Runs `command` on the store and on the model (a sorted map of name to bytes) and compares. */
async function check(store: BlobStore, model: Map<string, Buffer>, command: Command): Promise<void> {
  const under = (prefix: string) => [...model.keys()].filter((key) => key.startsWith(prefix)).sort();
  switch (command.op) {
    case "create": {
      const expected = !model.has(command.name);
      assert.equal(await store.createIfAbsent(command.name, command.body), expected, `createIfAbsent(${command.name})`);
      if (expected) model.set(command.name, joined(command.body));
      break;
    }
    case "get": {
      const got = await store.get(command.name);
      const want = model.get(command.name);
      assert.equal(got === undefined, want === undefined, `get(${command.name}) presence`);
      if (got && want) assert.ok(want.equals(got), `get(${command.name}) bytes (${got.length} vs ${want.length})`);
      break;
    }
    case "delete":
      await store.delete(command.name);
      model.delete(command.name);
      break;
    case "deletePrefix":
      await store.deletePrefix(command.prefix);
      for (const key of under(command.prefix)) model.delete(key);
      break;
    case "list":
      assert.deepEqual(await store.list(command.prefix), under(command.prefix), `list(${JSON.stringify(command.prefix)})`);
      break;
  }
}

/** Registers the conformance tests for the stores `open` makes. */
export function blobStoreConformance(label: string, open: () => Promise<StoreUnderTest>, options: ConformanceOptions): void {
  const skip = options.skip ?? false;
  const withStore = (run: (store: BlobStore) => Promise<void>) => async () => {
    const { store, cleanup } = await open();
    try {
      await run(store);
    } finally {
      await cleanup();
    }
  };

  test(`${label}: any sequence of creates, gets, deletes and lists matches a map (seeded property)`, { skip }, withStore(async (store) => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        await store.deletePrefix("");
        assert.deepEqual(await store.list(""), []);
        const model = new Map<string, Buffer>();
        for (const each of commands) await check(store, model, each);
        assert.deepEqual(await store.list(""), [...model.keys()].sort(), "final listing");
      }),
      { seed: seedFromEnv(`${label} store model`), numRuns: options.propertyRuns },
    );
  }));

  test(`${label}: of many concurrent createIfAbsent calls on one name exactly one wins, and its bytes stay`, { skip }, withStore(async (store) => {
    for (let round = 0; round < 5; round++) {
      const objectName = `race/${round}`;
      const results = await Promise.all(Array.from({ length: 16 }, (_, i) => store.createIfAbsent(objectName, Buffer.from(`writer ${i}`))));
      assert.equal(results.filter(Boolean).length, 1, `round ${round}: ${results.join(",")}`);
      assert.equal(Buffer.from((await store.get(objectName))!).toString(), `writer ${results.indexOf(true)}`);
    }
  }));

  test(`${label}: objects of 0 bytes, of empty parts, and of several MiB in parts read back exactly`, { skip }, withStore(async (store) => {
    const big = patternBytes(5 * MiB + 3, 42);
    const cases: [string, BlobBody][] = [
      ["empty/whole", new Uint8Array(0)],
      ["empty/parts", [new Uint8Array(0), new Uint8Array(0)]],
      ["empty/no-parts", []],
      ["big/parts", [Buffer.from("head:"), new Uint8Array(0), big.subarray(11), Buffer.from(":tail")]],
      ["big/whole", big],
    ];
    for (const [objectName, bytes] of cases) assert.equal(await store.createIfAbsent(objectName, bytes), true, objectName);
    for (const [objectName, bytes] of cases) assert.ok(joined(bytes).equals(Buffer.from((await store.get(objectName))!)), objectName);
  }));

  test(`${label}: list and deletePrefix cover more objects than one listing page holds`, { skip }, withStore(async (store) => {
    const names = Array.from({ length: 1234 }, (_, i) => `many/${String(i).padStart(5, "0")}`);
    for (let i = 0; i < names.length; i += 32) {
      await Promise.all(names.slice(i, i + 32).map((each) => store.createIfAbsent(each, Buffer.from(each))));
    }
    await store.createIfAbsent("manyx/outside", Buffer.from("x"));
    assert.deepEqual(await store.list("many/"), names);
    assert.deepEqual(await store.list("many/012"), names.slice(1200));
    await store.deletePrefix("many/");
    assert.deepEqual(await store.list("many"), ["manyx/outside"]);
  }));

  test(`${label}: names outside the blob-name rule are refused, not stored`, { skip }, withStore(async (store) => {
    for (const bad of ["", "/a", "a/", "a//b", ".tmp/x", "a/..", "a b", "ä", "a\\b", "a/.hidden"]) {
      await assert.rejects(store.createIfAbsent(bad, Buffer.from("x")), RangeError, JSON.stringify(bad));
      await assert.rejects(store.get(bad), RangeError, JSON.stringify(bad));
    }
    assert.deepEqual(await store.list(""), []);
  }));

  test(`${label}: get of a missing object is undefined, and deleting one is no error`, { skip }, withStore(async (store) => {
    assert.equal(await store.get("nope/x"), undefined);
    await store.delete("nope/x");
    await store.deletePrefix("nope/");
    assert.equal(await store.createIfAbsent("x/y", Buffer.from("one")), true);
    await store.delete("x/y");
    await store.delete("x/y");
    assert.equal(await store.get("x/y"), undefined);
    assert.equal(await store.createIfAbsent("x/y", Buffer.from("two")), true, "a deleted name is free again");
  }));
}
