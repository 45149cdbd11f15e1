// All engine files go through this interface (docs/architecture.md#blob-store). Names are '/'-separated
// paths such as `indexes/9f2c…/wal/00000000000000000007.wal`. Commits use createIfAbsent alone: every
// commit is the next numbered immutable object, and whoever creates number N first wins. That is the one
// atomic primitive a local file system, S3 (If-None-Match: *) and OSS (x-oss-forbid-overwrite) all
// share, so nothing above this interface may rely on in-place replace, rename or compare-and-swap.

/**
 * What createIfAbsent throws when it failed before the object could exist (a full disk while writing
 * it, say): the name is still free, so a writer may try the same name again once the cause is gone.
 * Any other error leaves it unknown whether the object exists.
 */
export class BlobNotCreatedError extends Error {
  constructor(readonly objectName: string, cause: unknown) {
    super(`${objectName} was not created: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "BlobNotCreatedError";
  }
}

/** An object's bytes: one buffer, or parts that are stored back to back (so big objects need no join). */
export type BlobBody = Uint8Array | readonly Uint8Array[];

export interface BlobStore {
  /** The object's bytes, or undefined when it does not exist. */
  get(name: string): Promise<Uint8Array | undefined>;
  /** Names of all objects whose name starts with `prefix`, sorted. */
  list(prefix: string): Promise<string[]>;
  /** Removes the object; a missing object is not an error. */
  delete(name: string): Promise<void>;
  /** Removes every object whose name starts with `prefix`. */
  deletePrefix(prefix: string): Promise<void>;
  /**
   * Creates `name` with `bytes` atomically and durably, unless it exists. Resolves true when this call
   * created it, false when the name was taken. Readers never see a partly written object. Throws
   * BlobNotCreatedError when it failed before the object could exist.
   */
  createIfAbsent(name: string, bytes: BlobBody): Promise<boolean>;
  /**
   * A local file that holds exactly the object's bytes from its start (more may follow), for reading
   * parts of it in place: a data directory's file, or an object store's cached copy. Undefined when
   * there is none. The file may be removed when the object is; a reader that opened it first keeps it.
   * The store keeps the file where it is until `release` (a disk cache does not evict it meanwhile,
   * so its space stays counted while a reader holds it open).
   */
  openLocalFile?(name: string): LocalFile | undefined;
}

/** A local file of an object, held for reading until released (BlobStore.openLocalFile). */
export interface LocalFile {
  path: string;
  /** The reader is done with the file (call once). */
  release(): void;
}

/**
 * A store that counts the requests it sends to a remote service, by operation (`get`, `list`,
 * `put`, `head`, `delete`, `delete_batch`): what an object store bills, and what a node's polling
 * costs (docs/scale-out.md#costs-of-polling). Totals since the store was opened.
 */
export interface CountsRequests {
  requestCounts(): Readonly<Record<string, number>>;
}

export function countsRequests(store: BlobStore): store is BlobStore & CountsRequests {
  return typeof (store as Partial<CountsRequests>).requestCounts === "function";
}
