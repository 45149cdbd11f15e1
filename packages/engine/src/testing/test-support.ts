// Shared helpers for the engine's tests (not exported from the package).
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { BlobBody, BlobStore } from "../storage/blob-store.ts";
import { openEngine, type OpenEngineOptions, type OssvEngine } from "../engine.ts";
import { CorruptionError, NewerFormatError } from "../base/errors.ts";
import type { LocalBlobStore } from "../storage/local-blob-store.ts";
import type { DistanceMetric, FusionSchemaRecord, IndexRecord, Metadata, VectorRecord } from "../base/types.ts";

export { seededRandom } from "../base/seeded-random.mjs";

export async function withTempDir<T>(run: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "ossv-engine-"));
  try {
    return await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function randomVector(random: () => number, dimension: number): Float32Array {
  const vector = new Float32Array(dimension);
  for (let i = 0; i < dimension; i++) vector[i] = random() * 2 - 1;
  return vector;
}

export function vector(key: string, data: number[], metadata: Metadata = {}): VectorRecord {
  return { key, data: Float32Array.from(data), metadata };
}

export const ACCOUNT = "1000000000000001";
export const BUCKET = "bucket-a";

export async function openTestEngine(dataDir: string, options: Partial<Omit<OpenEngineOptions, "cluster">> = {}): Promise<OssvEngine> {
  return await openEngine({ dataDir, ...options, cluster: undefined });
}

/**
 * Creates account, bucket and one index (idempotently) and returns the index record; with `fusion`, a
 * Fusion index of that schema (`dimension` is then its rows' width: search/field-graphs.ts fieldSpans).
 */
export async function setupIndex(
  engine: OssvEngine,
  name = "index1",
  dimension = 4,
  distanceMetric: DistanceMetric = "euclidean",
  fusion?: FusionSchemaRecord,
): Promise<IndexRecord> {
  const { catalog } = engine;
  if (!catalog.getAccount(ACCOUNT)) await catalog.createAccount(ACCOUNT);
  if (!catalog.getBucket(ACCOUNT, BUCKET)) await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "cn-hangzhou" });
  const spec = { name, dimension, distanceMetric, dataType: "float32" as const, nonFilterableMetadataKeys: [], ...(fusion && { fusion }) };
  return await catalog.createIndex(ACCOUNT, BUCKET, spec, 100);
}

/** The full contents of a collection as key -> [data, metadata] (via list, so listing is exercised). */
export function dumpCollection(engine: OssvEngine, index: IndexRecord): Map<string, { data: number[]; metadata: Metadata }> {
  const out = new Map<string, { data: number[]; metadata: Metadata }>();
  let token: string | undefined;
  do {
    const page = engine.collection(index).list({ limit: 1000, ...(token !== undefined && { token }) });
    for (const record of page.vectors) out.set(record.key, { data: [...record.data], metadata: record.metadata });
    token = page.nextToken;
  } while (token !== undefined);
  return out;
}

/** The bytes of a blob body in one new buffer. */
export function joinBody(body: BlobBody): Uint8Array {
  return body instanceof Uint8Array ? body.slice() : Buffer.concat(body);
}

/** A store that hands every call to `inner`: test wrappers extend it and step in before the calls they watch. */
export class DelegatingStore implements BlobStore {
  constructor(protected readonly inner: BlobStore) {}

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }
  createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    return this.inner.createIfAbsent(name, bytes);
  }
  get(name: string): Promise<Uint8Array | undefined> {
    return this.inner.get(name);
  }
  delete(name: string): Promise<void> {
    return this.inner.delete(name);
  }
  deletePrefix(prefix: string): Promise<void> {
    return this.inner.deletePrefix(prefix);
  }
}

/** A store that "loses power" when asked to create a matching object: it records the bytes and fails. */
export class CrashingStore implements BlobStore {
  captured: { name: string; bytes: Uint8Array } | undefined;
  private crashed = false;

  constructor(
    private readonly inner: LocalBlobStore,
    private readonly crashOn: (name: string) => boolean,
  ) {}

  private check(): void {
    if (this.crashed) throw new Error("simulated crash: store unavailable");
  }

  async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    this.check();
    if (this.crashOn(name)) {
      this.crashed = true;
      this.captured = { name, bytes: joinBody(bytes) };
      throw new Error("simulated crash");
    }
    return this.inner.createIfAbsent(name, bytes);
  }
  async get(name: string): Promise<Uint8Array | undefined> {
    this.check();
    return this.inner.get(name);
  }
  async list(prefix: string): Promise<string[]> {
    this.check();
    return this.inner.list(prefix);
  }
  async delete(name: string): Promise<void> {
    this.check();
    return this.inner.delete(name);
  }
  async deletePrefix(prefix: string): Promise<void> {
    this.check();
    return this.inner.deletePrefix(prefix);
  }
}

/**
 * The seed of a randomized test: OSSV_SEED when set (to replay a failure), else a fresh one. It is
 * printed either way, so any failing run can be replayed.
 */
export function seedFromEnv(label: string): number {
  const given = process.env.OSSV_SEED;
  const seed = given !== undefined ? Number(given) : Math.floor(Math.random() * 0x7fffffff);
  console.log(`# ${label}: seed ${seed} (replay with OSSV_SEED=${seed})`);
  return seed;
}

/**
 * Every file under `dir` (path -> SHA-256 of its bytes), leaving out the lock and temp files, to
 * prove that a refused open changed nothing.
 */
export async function fileTree(dir: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const relative = path.slice(dir.length + 1);
    if (relative === "LOCK" || relative.startsWith(".tmp")) continue;
    tree.set(relative, createHash("sha256").update(await readFile(path)).digest("hex"));
  }
  return tree;
}

/** What `run` threw (undefined if nothing), asserting that no file under `dir` changed either way. */
async function thrownLeavingUnchanged(dir: string, label: string, run: () => Promise<unknown>): Promise<unknown> {
  const before = await fileTree(dir);
  let caught: unknown;
  try {
    await run();
  } catch (error) {
    caught = error;
  }
  assert.deepEqual(await fileTree(dir), before, `${label}: a refused open changed files`);
  return caught;
}

const openAndClose = (open: () => Promise<OssvEngine>) => async (): Promise<void> => {
  const engine = await open();
  await engine.close();
};

/** Opening `dir` must fail with a CorruptionError naming an object that matches `object`, and change no file. */
export async function assertRefusedUnchanged(dir: string, object: RegExp, label: string, open = () => openTestEngine(dir)): Promise<CorruptionError> {
  const caught = await thrownLeavingUnchanged(dir, label, openAndClose(open));
  assert.ok(caught instanceof CorruptionError, `${label}: expected a CorruptionError, got ${String(caught)}`);
  assert.match(caught.objectName, object, label);
  assert.match(caught.message, /ossv admin fsck/, `${label}: the message says what to do`);
  return caught;
}

/**
 * `run` (by default opening `dir`) must fail with a NewerFormatError naming an object that matches
 * `object` and saying that a newer ossv wrote it, not that it is damaged, and change no file.
 */
export async function assertRefusedAsNewer(
  dir: string, object: RegExp, label: string, run: () => Promise<unknown> = openAndClose(() => openTestEngine(dir)),
): Promise<NewerFormatError> {
  const caught = await thrownLeavingUnchanged(dir, label, run);
  assert.ok(caught instanceof NewerFormatError, `${label}: expected a NewerFormatError, got ${String(caught)}`);
  assert.match(caught.objectName ?? "", object, label);
  assert.match(caught.message, /written by a newer ossv/, `${label}: the message says why`);
  assert.match(caught.message, /Nothing was changed; use a newer ossv/, `${label}: the message says what to do`);
  assert.doesNotMatch(caught.message, /fsck|damaged object/, `${label}: a newer object is not damage`);
  return caught;
}

/** A copy of `bytes` with bit `bit` of byte `offset` flipped. */
export function flipBit(bytes: Uint8Array, offset: number, bit = 0): Uint8Array {
  const copy = Uint8Array.from(bytes); // not bytes.slice(): on a Buffer that is a view, not a copy
  copy[offset] = (copy[offset] as number) ^ (1 << bit);
  return copy;
}

/**
 * Byte offsets to damage an object of `length` bytes at: every one near both ends, where headers,
 * trailers and checksums sit, and every `step`-th in between, so each test opens a bounded number of times.
 */
export function damageOffsets(length: number, step = 13): number[] {
  const offsets = new Set<number>();
  for (let i = 0; i < length; i++) if (i < 32 || i >= length - 32 || i % step === 0) offsets.add(i);
  return [...offsets];
}

/**
 * A fresh copy of the directory `original` at `<root>/copy`, with `bytes` written at the object
 * `name` (or that object left as it is in the original when `bytes` is undefined): one crash or
 * damage case per copy, so cases never see each other's files.
 */
export async function copyWithObject(root: string, original: string, name: string, bytes: Uint8Array | undefined): Promise<string> {
  const copy = join(root, "copy");
  await rm(copy, { recursive: true, force: true });
  await cp(original, copy, { recursive: true });
  const path = join(copy, ...name.split("/"));
  await mkdir(dirname(path), { recursive: true });
  if (bytes) await writeFile(path, bytes);
  return copy;
}
