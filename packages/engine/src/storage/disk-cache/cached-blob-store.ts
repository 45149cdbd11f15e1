// A local disk cache in front of a remote blob store (an object store), for the bulk of an index's
// bytes: its segments. A node that restarts, or opens an index again, reads them from its own disk
// instead of fetching every byte over the network once more.
//
// Caching by name is safe because a segment name is never used for two objects: a writer's segment
// numbers only grow, and on a shared store they carry the writer's epoch (docs/scale-out.md). So a
// cached copy can never be stale; it can only be of an object that has since been deleted, and deletes
// through this store drop the copy too, while nothing reads a segment after the manifest that named it
// is replaced. Snapshots and deletion objects are not cached: they are numbered by checkpoint, and on a
// shared store a number a fenced writer left behind is deleted by another node and may be created
// again with other bytes, which a copy here would not see.
//
// Each cached file carries a trailer (its length and SHA-256), checked on every read: a copy that a
// crash cut short or a disk damaged is dropped and fetched again, never handed to the engine. Writes
// go to a temp file and are renamed into place, without fsync: the trailer makes a lost or partial
// file harmless. Space is bounded by `maxBytes`, least recently used first out; the order survives a
// restart through the files' modification times.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, readdir, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { readWholeFile } from "../read-whole.ts";
import { countsRequests, type BlobBody, type BlobStore, type LocalFile } from "../blob-store.ts";
import { blobNameSegments } from "../blob-name.ts";
import { SEGMENT_EXT } from "../collection-layout.ts";

const OBJECTS_DIR = "objects";
const TEMP_DIR = "tmp";
const HASH_BYTES = 32;
const TRAILER_BYTES = 8 + HASH_BYTES;


export interface DiskCacheOptions {
  /** The cache's own directory; created if missing. Nothing else may write in it. */
  dir: string;
  /** Bytes of cached objects kept at most (trailers not counted). */
  maxBytes: number;
  /** Told of a cache file that could not be written or was found damaged; the read itself goes on. */
  onProblem?: (message: string, error?: unknown) => void;
  /** Which objects get a local copy; by default segments (see the file's comment). */
  cacheable?: (name: string) => boolean;
}

export interface DiskCacheStats {
  hits: number;
  misses: number;
  /** Cached copies found damaged or cut short, and fetched again. */
  damaged: number;
  evictions: number;
  bytes: number;
  objects: number;
  /** Bytes of copies that readers hold open (openLocalFile), which eviction passes over. */
  pinnedBytes: number;
}

interface Entry {
  bytes: number;
  /** Position in the use order: larger is more recent. */
  used: number;
  /** Readers holding the file open (openLocalFile); eviction passes over the entry while any do. */
  pins: number;
}

export class CachedBlobStore implements BlobStore {
  private readonly entries = new Map<string, Entry>();
  private readonly fetching = new Map<string, Promise<Uint8Array | undefined>>();
  private readonly counters = { hits: 0, misses: 0, damaged: 0, evictions: 0 };
  private totalBytes = 0;
  private useClock = 0;

  private readonly isCached: (name: string) => boolean;

  private constructor(private readonly backing: BlobStore, private readonly options: DiskCacheOptions) {
    this.isCached = options.cacheable ?? isSegment;
  }

  /** The cache over `backing`, with the copies already in `options.dir` (from an earlier run) in it. */
  static async open(backing: BlobStore, options: DiskCacheOptions): Promise<CachedBlobStore> {
    const cache = new CachedBlobStore(backing, options);
    await rm(join(options.dir, TEMP_DIR), { recursive: true, force: true });
    await mkdir(join(options.dir, TEMP_DIR), { recursive: true });
    await mkdir(join(options.dir, OBJECTS_DIR), { recursive: true });
    await cache.loadIndex();
    await cache.evictBeyond(options.maxBytes);
    return cache;
  }

  stats(): DiskCacheStats {
    let pinnedBytes = 0;
    for (const entry of this.entries.values()) if (entry.pins > 0) pinnedBytes += entry.bytes;
    return { ...this.counters, bytes: this.totalBytes, objects: this.entries.size, pinnedBytes };
  }

  /** The requests of the store behind the cache, when it counts them (what the cache saved is not sent). */
  requestCounts(): Readonly<Record<string, number>> {
    return countsRequests(this.backing) ? this.backing.requestCounts() : {};
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    if (!this.isCached(name)) return await this.backing.get(name);
    const copy = await this.readCopy(name);
    if (copy !== undefined) {
      this.counters.hits++;
      return copy;
    }
    // Concurrent reads of one missing object share its fetch.
    const pending = this.fetching.get(name);
    if (pending) return await pending;
    const fetch = this.fetchAndKeep(name).finally(() => this.fetching.delete(name));
    this.fetching.set(name, fetch);
    return await fetch;
  }

  /**
   * The cached copy's file: the object's bytes then the cache's trailer. A segment read through get()
   * was checked on the way, so a reader that opens the file now reads checked bytes. Until released
   * the copy is not evicted: a segment of int8 codes reads its vectors from it for as long as it
   * lives, and an evicted copy it held open would take disk space the cache no longer counted. A
   * delete of the object still drops it (the reader keeps its open file until it closes).
   */
  openLocalFile(name: string): LocalFile | undefined {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    entry.pins++;
    let released = false;
    return {
      path: this.pathOf(name),
      release: () => {
        if (released) return;
        released = true;
        entry.pins--;
      },
    };
  }

  list(prefix: string): Promise<string[]> {
    return this.backing.list(prefix);
  }

  async delete(name: string): Promise<void> {
    await this.backing.delete(name);
    await this.drop(name);
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.backing.deletePrefix(prefix);
    for (const name of [...this.entries.keys()]) if (name.startsWith(prefix)) await this.drop(name);
  }

  async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const created = await this.backing.createIfAbsent(name, bytes);
    // The creator reads its new segments back when it next opens the index: keep them from the start.
    if (created && this.isCached(name)) await this.keep(name, partsOf(bytes));
    return created;
  }

  private async fetchAndKeep(name: string): Promise<Uint8Array | undefined> {
    this.counters.misses++;
    const bytes = await this.backing.get(name);
    if (bytes !== undefined) await this.keep(name, [bytes]);
    return bytes;
  }

  /** The cached copy, checked against its trailer; undefined (and dropped) when missing or damaged. */
  private async readCopy(name: string): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(name);
    if (entry === undefined) return undefined;
    let file: Buffer;
    try {
      file = await readWholeFile(this.pathOf(name));
    } catch (error) {
      // ENOENT: evicted or dropped meanwhile by another call, which is no problem.
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") this.options.onProblem?.(`disk cache: ${name} could not be read and is fetched again`, error);
      await this.drop(name);
      return undefined;
    }
    const content = contentOf(file);
    if (content === undefined) {
      this.counters.damaged++;
      this.options.onProblem?.(`disk cache: the copy of ${name} was damaged or cut short and is fetched again`);
      await this.drop(name);
      return undefined;
    }
    entry.used = ++this.useClock;
    // The modification time keeps the use order across restarts; losing one update only ages a copy.
    const now = new Date();
    await utimes(this.pathOf(name), now, now).catch(() => undefined);
    return content;
  }

  /**
   * Stores a copy of the object `parts` make up, making room first; none when the copies readers hold
   * leave no room (the cache keeps to its size). A failure is reported, never thrown.
   */
  private async keep(name: string, parts: readonly Uint8Array[]): Promise<void> {
    const length = parts.reduce((sum, part) => sum + part.length, 0);
    if (length > this.options.maxBytes || this.entries.has(name)) return;
    try {
      await this.evictBeyond(this.options.maxBytes - length);
      if (this.totalBytes + length > this.options.maxBytes) return;
      const temp = join(this.options.dir, TEMP_DIR, randomBytes(8).toString("hex"));
      await writeFile(temp, [...parts, trailerOf(parts, length)]);
      const path = this.pathOf(name);
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
      this.entries.set(name, { bytes: length, used: ++this.useClock, pins: 0 });
      this.totalBytes += length;
    } catch (error) {
      this.options.onProblem?.(`disk cache: a copy of ${name} could not be written`, error);
    }
  }

  /**
   * Drops least recently used copies until at most `limit` bytes are cached, passing over those that
   * readers hold open (so fewer may be dropped than asked).
   */
  private async evictBeyond(limit: number): Promise<void> {
    if (this.totalBytes <= limit) return;
    const oldestFirst = [...this.entries].filter(([, entry]) => entry.pins === 0).sort(([, a], [, b]) => a.used - b.used);
    for (const [name] of oldestFirst) {
      if (this.totalBytes <= limit) break;
      // Pinned meanwhile (an await below let a reader in): keep it.
      if (this.entries.get(name)?.pins !== 0) continue;
      await this.drop(name);
      this.counters.evictions++;
    }
  }

  private async drop(name: string): Promise<void> {
    const entry = this.entries.get(name);
    if (entry === undefined) return;
    this.entries.delete(name);
    this.totalBytes -= entry.bytes;
    await rm(this.pathOf(name), { force: true });
  }

  /** Rebuilds the index from the files of an earlier run, oldest use first. */
  private async loadIndex(): Promise<void> {
    const root = join(this.options.dir, OBJECTS_DIR);
    const found: { name: string; bytes: number; mtime: number }[] = [];
    for (const path of await filesUnder(root)) {
      const info = await stat(path);
      const bytes = info.size - TRAILER_BYTES;
      const name = relative(root, path).split(sep).join("/");
      if (bytes < 0 || !this.isCached(name)) await rm(path, { force: true });
      else found.push({ name, bytes, mtime: info.mtimeMs });
    }
    for (const { name, bytes } of found.sort((a, b) => a.mtime - b.mtime)) {
      this.entries.set(name, { bytes, used: ++this.useClock, pins: 0 });
      this.totalBytes += bytes;
    }
  }

  private pathOf(name: string): string {
    return join(this.options.dir, OBJECTS_DIR, ...blobNameSegments(name));
  }
}

/** Segments: the object kind worth a local copy (large, never reused, read again when an index opens). */
function isSegment(name: string): boolean {
  return name.endsWith(`.${SEGMENT_EXT}`);
}

function partsOf(body: BlobBody): readonly Uint8Array[] {
  return body instanceof Uint8Array ? [body] : body;
}

/** `length (u64 LE) | sha256(content)` for the content `parts` make up. */
function trailerOf(parts: readonly Uint8Array[], length: number): Buffer {
  const trailer = Buffer.alloc(TRAILER_BYTES);
  trailer.writeBigUInt64LE(BigInt(length), 0);
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  hash.digest().copy(trailer, 8);
  return trailer;
}

/** The content of a cache file whose trailer matches it, else undefined. */
function contentOf(file: Buffer): Uint8Array | undefined {
  if (file.length < TRAILER_BYTES) return undefined;
  const length = file.length - TRAILER_BYTES;
  if (file.readBigUInt64LE(length) !== BigInt(length)) return undefined;
  const content = file.subarray(0, length);
  const hash = createHash("sha256").update(content).digest();
  return hash.equals(file.subarray(length + 8)) ? content : undefined;
}

async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
