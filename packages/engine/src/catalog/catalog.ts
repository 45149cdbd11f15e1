// The durable catalog. Every change runs through one queue: validate against the latest state, write
// the whole new state as the next numbered object `catalog/<seq>.json` with createIfAbsent, and only
// then make it visible and resolve. Recovery reads the newest object, and stops if it is damaged.
import { BlobNotCreatedError, type BlobStore } from "../storage/blob-store.ts";
import { decodeCatalog, encodeCatalog, type CatalogDocument, type CatalogLineage } from "./catalog-codec.ts";
import { CATALOG_ANCESTORS, builtOn, childLineage } from "./catalog-lineage.ts";
import { CatalogState } from "./catalog-state.ts";
import { CorruptionError, DecodeError, NewerFormatError } from "../base/errors.ts";
import { listNumbered, numberedName } from "../storage/numbered-objects.ts";
import { SerialQueue } from "../base/serial-queue.ts";
import type { UserRecord } from "../base/types.ts";
import {
  EngineError,
  type AccessKeyRecord,
  type AccountRecord,
  type BucketLogging,
  type BucketRecord,
  type Catalog,
  type IndexRecord,
  type IndexMode,
  type IndexSpec,
  type NewBucket,
  type TagTarget,
} from "../base/types.ts";

export const CATALOG_DIR = "catalog";
export const CATALOG_EXT = "json";
/** Older catalog objects kept after a commit; only the newest is ever read. */
const KEEP_OBJECTS = 3;

export interface CatalogHooks {
  /** Runs after a deleteIndex commit and before its promise resolves: drop the index's data. */
  dropIndexData(index: IndexRecord): Promise<void>;
  /**
   * Shared stores: runs when a newer catalog written by another node is read, before it becomes
   * visible, with the indexes it adds and removes.
   */
  indexesChanged?(added: IndexRecord[], removed: IndexRecord[]): Promise<void>;
}

/** Shared stores: a change that lost the race for its number is applied again to the newer catalog this often. */
const SHARED_COMMIT_ATTEMPTS = 16;

interface Recovered {
  state: CatalogState;
  seq: number;
  lineage: CatalogLineage;
  liveSeqs: number[];
}

/** A listed catalog object decoded; damage and newer formats are reported against its name. */
function decodeObject(name: string, seq: number, bytes: Uint8Array): CatalogDocument {
  try {
    return decodeCatalog(bytes, seq);
  } catch (error) {
    if (error instanceof DecodeError) throw new CorruptionError(name, `unreadable catalog object: ${error.message}`);
    if (error instanceof NewerFormatError) throw error.of(name);
    throw error;
  }
}

/**
 * The newest catalog object, which must decode. Objects are created whole, so one that does not
 * decode is damage, not an unfinished commit: falling back to an older one would silently undo
 * changes, revoked keys and removed policies among them, so recovery stops instead.
 */
async function recoverCatalog(store: BlobStore): Promise<Recovered> {
  const objects = await listNumbered(store, CATALOG_DIR, CATALOG_EXT);
  const newest = objects.at(-1);
  if (newest === undefined) return { state: new CatalogState(), seq: 0, lineage: {}, liveSeqs: [] };
  const bytes = await store.get(newest.name);
  if (!bytes) throw new CorruptionError(newest.name, "catalog object vanished while being read");
  const doc = decodeObject(newest.name, newest.seq, bytes);
  const lineage = { commit: doc.commit, ancestors: doc.ancestors };
  return { state: CatalogState.from(doc).freeze(), seq: newest.seq, lineage, liveSeqs: objects.map((o) => o.seq) };
}

export class DurableCatalog implements Catalog {
  private readonly queue = new SerialQueue();
  private closed = false;
  /** Set when a commit failed in a way that leaves its object number unknown: refuse further changes. */
  private failure: unknown;

  private constructor(
    private readonly store: BlobStore,
    private readonly hooks: CatalogHooks,
    private state: CatalogState,
    private seq: number,
    /** The lineage of the object in force, which the next commit extends. */
    private lineage: CatalogLineage,
    private liveSeqs: number[],
    /** On a shared store other nodes commit too (docs/scale-out.md#the-catalog). */
    private readonly shared: boolean,
  ) {}

  static async open(store: BlobStore, hooks: CatalogHooks, options: { shared?: boolean } = {}): Promise<DurableCatalog> {
    const { state, seq, lineage, liveSeqs } = await recoverCatalog(store);
    return new DurableCatalog(store, hooks, state, seq, lineage, liveSeqs, options.shared ?? false);
  }

  /**
   * Shared stores: reads the newest catalog when another node committed one, and makes it visible
   * (after hooks.indexesChanged). Runs in the change queue, so never in the middle of a change.
   */
  refresh(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.queue.run(() => this.readNewer());
  }

  private async readNewer(): Promise<void> {
    const newest = await recoverCatalog(this.store);
    if (newest.seq <= this.seq) return;
    const before = new Map(this.state.allIndexes().map((index) => [index.id, index]));
    const after = new Map(newest.state.allIndexes().map((index) => [index.id, index]));
    const added = [...after.values()].filter((index) => !before.has(index.id));
    const removed = [...before.values()].filter((index) => !after.has(index.id));
    if (added.length > 0 || removed.length > 0) await this.hooks.indexesChanged?.(added, removed);
    this.state = newest.state;
    this.seq = newest.seq;
    this.lineage = newest.lineage;
    this.liveSeqs = newest.liveSeqs;
  }

  /** Waits for queued changes, then refuses every call with CLOSED. */
  async close(): Promise<void> {
    this.closed = true;
    await this.queue.drain();
  }

  private visible(): CatalogState {
    if (this.closed) throw new EngineError("CLOSED", "the engine is closed");
    return this.state;
  }

  /** Queues a change: `change` edits a draft; the draft becomes visible once it is durable. */
  private mutate<T>(change: (draft: CatalogState) => T): Promise<T> {
    if (this.closed) return Promise.reject(new EngineError("CLOSED", "the engine is closed"));
    return this.queue.run(async () => {
      for (let attempt = 1; ; attempt++) {
        if (this.failure !== undefined) throw this.failure;
        const draft = this.state.clone();
        const result = change(draft);
        if (await this.commit(draft)) return result;
        // Shared store: another node committed this number first. Check and apply the change again
        // on the catalog it wrote (which may now refuse it, as one node would have).
        if (attempt >= SHARED_COMMIT_ATTEMPTS) throw new EngineError("UNAVAILABLE", "the catalog kept changing under this change");
        await this.readNewer();
      }
    });
  }

  /** True once committed; false only on a shared store, when another node took the number first. */
  private async commit(draft: CatalogState): Promise<boolean> {
    const seq = this.seq + 1;
    const lineage = childLineage(this.lineage);
    const bytes = encodeCatalog({ seq, ...lineage, ...draft.toSnapshot() });
    let created: boolean;
    try {
      created = await this.store.createIfAbsent(numberedName(CATALOG_DIR, seq, CATALOG_EXT), bytes);
    } catch (error) {
      // Only a failure that may have left the object behind makes its number unusable.
      if (!(error instanceof BlobNotCreatedError)) this.failure = error;
      throw error;
    }
    if (this.shared && !(created && (await this.landed(seq, lineage.commit)))) return false;
    if (!created) {
      this.failure = new CorruptionError(numberedName(CATALOG_DIR, seq, CATALOG_EXT), "exists: another writer?");
      throw this.failure;
    }
    this.state = draft.freeze();
    this.seq = seq;
    this.lineage = lineage;
    this.liveSeqs.push(seq);
    await this.prune();
    return true;
  }

  /**
   * Whether the object this node just created as `seq` is in the chain. With nothing above it, it is
   * the newest (which is never pruned), so yes. Above it may be commits of other nodes built on it,
   * or, when this node was several changes behind, the chain in which `seq` was taken and pruned
   * before this node created it again: the newest object's lineage says which. When more changes
   * landed on top than it names, the outcome is unknown, as for a request cut off mid-way; the node
   * then takes the newest catalog, so that its next change is not left as far behind.
   */
  private async landed(seq: number, commit: string): Promise<boolean> {
    for (;;) {
      const newest = (await listNumbered(this.store, CATALOG_DIR, CATALOG_EXT)).at(-1);
      if (newest === undefined || newest.seq <= seq) return true;
      const bytes = await this.store.get(newest.name);
      // Pruned since the listing: a newer object exists, which the next listing shows.
      if (bytes === undefined) continue;
      const found = builtOn(decodeObject(newest.name, newest.seq, bytes), newest.seq, seq, commit);
      if (found !== undefined) return found;
      await this.readNewer();
      throw new EngineError(
        "UNAVAILABLE",
        `more than ${CATALOG_ANCESTORS} catalog changes landed before this one was confirmed; whether it is among them is unknown: check and retry`,
      );
    }
  }

  /** Old objects are never read again; failing to remove one only costs disk space. */
  private async prune(): Promise<void> {
    while (this.liveSeqs.length > KEEP_OBJECTS) {
      const oldest = this.liveSeqs.shift();
      if (oldest !== undefined) await this.store.delete(numberedName(CATALOG_DIR, oldest, CATALOG_EXT)).catch(() => undefined);
    }
  }

  /** Every index of every account (used to open their collections). */
  allIndexes(): IndexRecord[] {
    return this.visible().allIndexes();
  }

  /** The index with this storage id, if it still exists. */
  getIndexById(id: string): IndexRecord | undefined {
    return this.visible().getIndexById(id);
  }

  /** The catalog object in force (undefined before the first commit), read in one synchronous step. */
  committedObject(): string | undefined {
    this.visible();
    return this.seq > 0 ? numberedName(CATALOG_DIR, this.seq, CATALOG_EXT) : undefined;
  }

  /** False until the first change is committed: an empty data directory. */
  get hasCommitted(): boolean {
    return this.seq > 0;
  }

  hasIndexId(id: string): boolean {
    return this.visible().hasIndexId(id);
  }

  createAccount(accountId: string): Promise<AccountRecord> {
    return this.mutate((draft) => draft.createAccount(accountId));
  }

  getAccount(accountId: string): AccountRecord | undefined {
    return this.visible().getAccount(accountId);
  }

  listAccounts(): AccountRecord[] {
    return this.visible().listAccounts();
  }

  putAccessKey(key: AccessKeyRecord): Promise<void> {
    return this.mutate((draft) => draft.putAccessKey(key));
  }

  getAccessKey(accessKeyId: string): AccessKeyRecord | undefined {
    return this.visible().getAccessKey(accessKeyId);
  }

  listAccessKeys(accountId: string): AccessKeyRecord[] {
    return this.visible().listAccessKeys(accountId);
  }

  deleteAccessKey(accessKeyId: string): Promise<void> {
    return this.mutate((draft) => draft.deleteAccessKey(accessKeyId));
  }

  createUser(accountId: string, userName: string, userId: string, kind?: "role"): Promise<UserRecord> {
    return this.mutate((draft) => draft.createUser(accountId, userName, userId, kind));
  }

  getUser(accountId: string, userName: string): UserRecord | undefined {
    return this.visible().getUser(accountId, userName);
  }

  listUsers(accountId: string): UserRecord[] {
    return this.visible().listUsers(accountId);
  }

  deleteUser(accountId: string, userName: string): Promise<void> {
    return this.mutate((draft) => draft.deleteUser(accountId, userName));
  }

  putUserPolicy(accountId: string, userName: string, policyName: string, document: string): Promise<void> {
    return this.mutate((draft) => draft.putUserPolicy(accountId, userName, policyName, document));
  }

  deleteUserPolicy(accountId: string, userName: string, policyName: string): Promise<void> {
    return this.mutate((draft) => draft.deleteUserPolicy(accountId, userName, policyName));
  }

  createBucket(bucket: NewBucket): Promise<BucketRecord> {
    return this.mutate((draft) => draft.createBucket(bucket));
  }

  getBucket(accountId: string, name: string): BucketRecord | undefined {
    return this.visible().getBucket(accountId, name);
  }

  listBuckets(accountId: string): BucketRecord[] {
    return this.visible().listBuckets(accountId);
  }

  deleteBucket(accountId: string, name: string): Promise<void> {
    return this.mutate((draft) => draft.deleteBucket(accountId, name));
  }

  setBucketPolicy(accountId: string, name: string, policy: string | undefined): Promise<void> {
    return this.mutate((draft) => draft.setBucketPolicy(accountId, name, policy));
  }

  setBucketLogging(accountId: string, name: string, logging: BucketLogging | undefined): Promise<void> {
    return this.mutate((draft) => draft.setBucketLogging(accountId, name, logging));
  }

  setBucketDefaultIndexMode(accountId: string, name: string, mode: IndexMode): Promise<void> {
    return this.mutate((draft) => draft.setBucketDefaultIndexMode(accountId, name, mode));
  }

  setIndexMode(accountId: string, bucket: string, name: string, mode: IndexMode): Promise<void> {
    return this.mutate((draft) => draft.setIndexMode(accountId, bucket, name, mode));
  }

  changeTags(target: TagTarget, add: Record<string, string>, remove: readonly string[], maxTags: number): Promise<Record<string, string>> {
    return this.mutate((draft) => draft.changeTags(target, add, remove, maxTags));
  }

  createIndex(accountId: string, bucket: string, spec: IndexSpec, maxIndexes: number): Promise<IndexRecord> {
    return this.mutate((draft) => draft.createIndex(accountId, bucket, spec, maxIndexes));
  }

  getIndex(accountId: string, bucket: string, name: string): IndexRecord | undefined {
    return this.visible().getIndex(accountId, bucket, name);
  }

  listIndexes(accountId: string, bucket: string): IndexRecord[] {
    return this.visible().listIndexes(accountId, bucket);
  }

  async deleteIndex(accountId: string, bucket: string, name: string): Promise<void> {
    const removed = await this.mutate((draft) => draft.deleteIndex(accountId, bucket, name));
    // After the commit: a crash before the data is gone leaves an orphan that the next open removes.
    await this.hooks.dropIndexData(removed);
  }
}
