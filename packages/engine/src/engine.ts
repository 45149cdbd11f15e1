// openEngine: the catalog plus one collection per index, all on one blob store. Every collection of the
// catalog is recovered at open (reads are synchronous, so a collection must be in memory before it is
// handed out); storage of indexes the catalog no longer knows is removed then too.
import { mkdir } from "node:fs/promises";
import { logBackgroundFailure, type BackgroundFailureReporter } from "./base/background-failures.ts";
import { memoryReclaimer } from "./base/memory-reclaimer.ts";
import { NO_MEMORY } from "./base/memory-use.ts";
import type { BlobStore } from "./storage/blob-store.ts";
import { DurableCatalog } from "./catalog/catalog.ts";
import { DEFAULT_CHECKPOINT_POLICY, type CheckpointPolicy } from "./maintenance/policy.ts";
import { DurableCollection, type CollectionHooks } from "./collection/collection.ts";
import { CollectionLayout, INDEXES_DIR, storageIdOf } from "./storage/collection-layout.ts";
import { LocalBlobStore } from "./storage/local-blob-store.ts";
import { acquireDirLock, type DirLock } from "./storage/dir-lock.ts";
import { CorruptionError, DAMAGE_STOPS_OPEN_HINT, NEWER_FORMAT_HINT, NewerFormatError } from "./base/errors.ts";
import {
  FORMAT_GENERATION, listGenerationMarkers, markFormatGeneration, readFormatGeneration, SHARED_GENERATION,
} from "./storage/format-generation.ts";
import { SizeTrackingStore } from "./storage/size-tracking-store.ts";
import { configureVectorPlacement, type GraphsOnDisk, type Quantization } from "./search/vector-placement.ts";
import { HoldingBlobStore } from "./storage/holding-store.ts";
import { writeBackup, writeBackupWith } from "./storage/backup.ts";
import { copySharedStore } from "./cluster/shared-backup.ts";
import { Cluster, type ClusterOptions } from "./cluster/cluster.ts";
import { NotWriterError, SharedCollection, type ClusterContext } from "./cluster/shared-collection.ts";
import { decodeWalRecord } from "./format/wal-format.ts";
import { DecodeError } from "./base/errors.ts";
import {
  EngineError, type BackupOptions, type BackupSummary, type CloseOptions, type Engine, type EngineOptions, type IndexRecord,
  type IndexStats,
} from "./base/types.ts";

export interface OpenEngineOptions extends EngineOptions {
  /**
   * Store to use instead of the local file system under dataDir: an object store, or a test's. No
   * lock is taken and dataDir is not touched; keeping a second engine off the store is the caller's.
   */
  store?: BlobStore;
  /** When to checkpoint a collection's WAL; defaults to 256 objects or 64 MiB. */
  checkpoint?: Partial<CheckpointPolicy>;
  /** Told of every failed background flush, checkpoint, merge or compaction; default: a line on stderr. */
  onBackgroundFailure?: BackgroundFailureReporter;
  /**
   * Told how long each WAL object of any index took to become durable (write, fsync, link), in
   * milliseconds: the wait every acknowledged write includes. For metrics; must not throw.
   */
  onWalSync?: (ms: number) => void;
  /**
   * Many nodes on one shared store (docs/scale-out.md); needs `store`. Without it the engine is the
   * only one on its store, as on a data directory.
   */
  cluster?: ClusterOptions;
  /**
   * Where segments keep their vectors (search/vector-placement.ts): float32 in memory ("off"), int8
   * codes with the floats read from disk ("int8"), or codes once memory runs short of `memoryBudget`
   * ("auto", the default). Both are the process's: the last engine opened sets them.
   */
  quantization?: Quantization;
  /**
   * Whether segments' graphs may be mapped from their objects instead of held in memory: "auto" (the
   * default) once even int8 codes would pass `memoryBudget`, "always", or "never".
   */
  graphsOnDisk?: GraphsOnDisk;
  /** Bytes the process should stay under (the server's --memory-budget); default: no limit. */
  memoryBudget?: number;
}

/** What the engine keeps per index: a collection of its own, or one index of a shared store. */
export type OpenCollection = DurableCollection | SharedCollection;

/** Collections recovered at once during open: enough to overlap I/O, few enough to bound memory spikes. */
const OPEN_CONCURRENCY = 4;

/** `C` is DurableCollection on a store of its own, SharedCollection on a shared one (see openEngine). */
export class OssvEngine<C extends OpenCollection = DurableCollection> implements Engine {
  private readonly collections = new Map<string, C>();
  /** Set on a shared store: this node's part in the cluster. */
  private cluster: { node: Cluster; context: ClusterContext } | undefined;
  private closing: Promise<void> | undefined;
  /** Backups being written: close() stops them, and waits until their held deletes have run. */
  private readonly backups = new Map<AbortController, Promise<unknown>>();
  // Assigned by openEngine right after construction (the catalog's hooks need the engine first).
  catalog!: DurableCatalog;

  private readonly hooks: CollectionHooks;

  constructor(
    /** What every part of the engine reads and writes through: sizes tracked, deletes holdable. */
    private readonly store: SizeTrackingStore,
    /** The same store's holding layer, which a backup asks to keep its objects. */
    private readonly holding: HoldingBlobStore,
    private readonly policy: CheckpointPolicy,
    private readonly lock?: DirLock,
    reportFailure: BackgroundFailureReporter = logBackgroundFailure,
    onWalSync?: (ms: number) => void,
  ) {
    this.hooks = { report: reportFailure, ...(onWalSync && { onWalSync }) };
  }

  collection(index: IndexRecord): C {
    if (this.closing) throw new EngineError("CLOSED", "the engine is closed");
    const open = this.collections.get(index.id);
    if (open) return open;
    const current = this.catalog.getIndexById(index.id);
    if (!current) throw new EngineError("NO_SUCH_INDEX", `vector index ${index.name} does not exist`);
    // Every index present at open was recovered then, and on a shared store every index another node
    // created is opened before its catalog is visible, so one missing here was created since: empty.
    const created = (this.cluster
      ? SharedCollection.created(this.cluster.context, current)
      : DurableCollection.createEmpty(this.store, current, this.policy, this.hooks)) as C;
    this.collections.set(index.id, created);
    return created;
  }

  /**
   * The collection of an index, ready for a read: on a shared store, a node that stopped polling the
   * index (idle) looks at the store once first, so the read sees every write acknowledged before it
   * arrived. Elsewhere the same as collection().
   */
  async readCollection(index: IndexRecord): Promise<C> {
    const collection = this.collection(index);
    if (collection instanceof SharedCollection) await collection.freshen();
    return collection;
  }

  /**
   * Shared stores: a write another node received for an index this node writes. The record was
   * encoded there; it is checked again here, since it came over the network.
   */
  async appendForwarded(indexId: string, record: Uint8Array): Promise<number> {
    if (this.closing) throw new NotWriterError("this node is stopping");
    const index = this.catalog.getIndexById(indexId);
    const collection = index && this.collections.get(indexId);
    if (!index || !(collection instanceof SharedCollection)) throw new NotWriterError(`this node has no index ${indexId}`);
    let decoded;
    try {
      decoded = decodeWalRecord(record);
    } catch (error) {
      if (error instanceof DecodeError) throw new EngineError("INVALID_ARGUMENT", `forwarded record: ${error.message}`);
      throw error;
    }
    if (decoded.type === "marker" || (decoded.type === "put" && decoded.vectors.some((vector) => vector.data.length !== index.dimension))) {
      throw new EngineError("INVALID_ARGUMENT", "forwarded record is not a write of this index");
    }
    return await collection.appendForwarded(record);
  }

  indexStats(): IndexStats[] {
    if (this.closing) return [];
    return this.catalog.allIndexes().map((index) => {
      // An index created in this process gets its collection on first use; until then it is empty.
      const collection = this.collections.get(index.id);
      const counts = collection?.stats() ?? {
        indexId: index.id, accountId: index.accountId, bucket: index.bucket, indexName: index.name,
        vectors: 0, memtableRows: 0, segments: 0, segmentsOnDisk: 0, deletedRows: 0, backgroundRunning: 0, backgroundQueued: 0, backgroundFailing: false, memory: NO_MEMORY,
      };
      return { ...counts, storedBytes: this.store.bytesOf(index.id) };
    });
  }

  close(options: CloseOptions = {}): Promise<void> {
    if (options.abandonBackground) for (const collection of this.collections.values()) collection.abandonBackground();
    this.closing ??= (async () => {
      await this.cluster?.node.stopTicking();
      await this.catalog.close();
      await Promise.all([...this.collections.values()].map((collection) => collection.close()));
      this.collections.clear();
      await this.cluster?.node.leave();
      for (const controller of this.backups.keys()) controller.abort(new EngineError("CLOSED", "the engine closed during the backup"));
      await Promise.allSettled(this.backups.values());
      await this.lock?.release();
    })();
    return this.closing;
  }

  /**
   * Writes a consistent copy of the data directory into `dest` (new or empty) while reads and writes
   * go on. In one synchronous step it names the catalog object in force and, for every index in it,
   * the objects holding every write acknowledged so far (Collection.storedObjects), and holds them
   * against deletion; then copies them (hard links on the same file system) and releases them. So
   * the copy holds everything acknowledged before the call, and every later write or none of it per
   * WAL object; a delete acknowledged before the call is in it too.
   *
   * On a shared store no hold could stop the other nodes' pruning: each index is copied as a state
   * it held during the copy instead, named again when pruning overtakes it (cluster/shared-backup.ts).
   */
  async backup(dest: string, options: BackupOptions = {}): Promise<BackupSummary> {
    if (this.closing) throw new EngineError("CLOSED", "the engine is closed");
    if (this.cluster) {
      const store = this.holding.inner;
      return this.track(options, (signal) => writeBackupWith(
        async (inner) => ({ ...(await copySharedStore(store, dest, inner)), shared: true }), dest, { ...options, signal },
      ));
    }
    const catalogObject = this.catalog.committedObject();
    const indexes = this.catalog.allIndexes();
    const names = catalogObject === undefined ? [] : [catalogObject];
    // An index without an open collection has stored nothing yet (see collection()).
    for (const index of indexes) names.push(...(this.collections.get(index.id)?.storedObjects() ?? []));
    const release = this.holding.hold(names);
    // The cut above is synchronous, at the call. The format markers join it afterwards (they are
    // never deleted): a restored copy must say which builds may open it.
    const markers = await listGenerationMarkers(this.store).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    const objects = [...markers.map((marker) => marker.name), ...names];
    return this.track(options, (signal) => writeBackup(this.holding.inner, objects, dest, catalogObject, indexes.length, { ...options, signal })
      .finally(release));
  }

  /** Runs a backup that close() can stop (and waits for). */
  private async track(options: BackupOptions, write: (signal: AbortSignal) => Promise<BackupSummary>): Promise<BackupSummary> {
    const controller = new AbortController();
    const outer = options.signal;
    outer?.addEventListener("abort", () => controller.abort(outer.reason), { once: true });
    const writing = write(controller.signal);
    this.backups.set(controller, writing);
    try {
      return await writing;
    } finally {
      this.backups.delete(controller);
    }
  }

  /** Catalog hook after deleteIndex committed: stop the collection, then remove its objects. */
  async dropIndexData(index: IndexRecord): Promise<void> {
    const collection = this.collections.get(index.id);
    this.collections.delete(index.id);
    await collection?.drop();
    await this.store.deletePrefix(new CollectionLayout(index.id).root);
  }

  /** Recovers the collections of all catalogued indexes, a few at a time. */
  async openCollections(indexes: IndexRecord[]): Promise<void> {
    const queue = [...indexes];
    const shared = this.cluster?.context;
    const takeOver = this.cluster?.node.options.takeover ?? false;
    const worker = async (): Promise<void> => {
      for (let index = queue.shift(); index; index = queue.shift()) {
        const collection = shared
          ? await SharedCollection.open(shared, index, { takeOver })
          : await DurableCollection.open(this.store, index, this.policy, this.hooks);
        this.collections.set(index.id, collection as C);
      }
    };
    await Promise.all(Array.from({ length: OPEN_CONCURRENCY }, worker));
    // Recovery read every segment object whole; those buffers are garbage now (base/memory-reclaimer.ts).
    memoryReclaimer.request();
  }

  /**
   * Removes the objects of indexes deleted from the catalog whose data removal a crash interrupted.
   * An index's objects appear only after the catalog commit that created it, so a catalog that was
   * never written while index objects exist means the catalog itself is gone: stop, delete nothing.
   */
  async removeOrphans(): Promise<void> {
    const ids = new Set<string>();
    for (const name of await this.store.list(`${INDEXES_DIR}/`)) {
      const id = storageIdOf(name);
      if (id !== undefined) ids.add(id);
    }
    // Shared store: an index another node created after this node read the catalog has objects
    // now; its catalog commit came before them, so reading the newest catalog after listing sees it.
    if (this.cluster) await this.catalog.refresh();
    if (ids.size > 0 && !this.catalog.hasCommitted) {
      throw new CorruptionError("catalog/", `missing, yet the data of ${ids.size} index(es) is present under ${INDEXES_DIR}/`);
    }
    for (const id of ids) {
      if (!this.catalog.hasIndexId(id)) await this.store.deletePrefix(new CollectionLayout(id).root);
    }
  }

  /** Shared stores: joins the cluster (first heartbeat); indexes are opened as readers afterwards. */
  async joinCluster(options: ClusterOptions): Promise<void> {
    const node = new Cluster(this.store, options, (error) => console.error("ossv: cluster tick failed:", error));
    const { store, policy, hooks } = this;
    const context: ClusterContext = {
      store, liveness: node.liveness, policy, hooks, pollMs: node.pollMs, idleAfterMs: node.idleAfterMs,
      forward: (url, indexId, record) => options.forward(url, indexId, record),
      get me() {
        return node.me;
      },
    };
    this.cluster = { node, context };
    await node.join();
  }

  /** Shared stores: starts the tick (openEngine does, unless ClusterOptions.deferStart). */
  startCluster(): void {
    this.cluster?.node.start({
      refreshCatalog: () => this.catalog.refresh(),
      maintainIndexes: async () => {
        for (const collection of this.collections.values()) {
          // An idle index costs no look; its next request looks first (SharedCollection.freshen).
          if (collection instanceof SharedCollection && !collection.idle) {
            await collection.maintain().catch((error: unknown) => this.reportMaintain(collection, error));
          }
        }
      },
    });
  }

  private reportMaintain(collection: SharedCollection, error: unknown): void {
    const { index } = collection;
    this.hooks.report?.({ indexId: index.id, indexName: index.name, bucket: index.bucket, task: "poll", error, attempts: 1, retryInMs: null });
  }

  /** Shared stores: another node's catalog adds and removes indexes; open and drop them before it shows. */
  async indexesChanged(added: IndexRecord[], removed: IndexRecord[]): Promise<void> {
    const context = this.cluster?.context;
    if (!context) return;
    for (const index of removed) {
      const collection = this.collections.get(index.id);
      this.collections.delete(index.id);
      await collection?.drop();
    }
    for (const index of added) {
      if (!this.collections.has(index.id)) this.collections.set(index.id, (await SharedCollection.open(context, index)) as C);
    }
  }
}

export function openEngine(options: OpenEngineOptions & { cluster: ClusterOptions; store: BlobStore }): Promise<OssvEngine<SharedCollection>>;
export function openEngine(options: OpenEngineOptions & { cluster?: undefined }): Promise<OssvEngine>;
export function openEngine(options: OpenEngineOptions): Promise<OssvEngine<OpenCollection>>;
export async function openEngine(options: OpenEngineOptions): Promise<OssvEngine<OpenCollection>> {
  configureVectorPlacement({
    ...(options.quantization && { quantization: options.quantization }),
    ...(options.graphsOnDisk && { graphsOnDisk: options.graphsOnDisk }),
    ...(options.memoryBudget !== undefined && { memoryBudget: options.memoryBudget }),
  });
  let store = options.store;
  let lock: DirLock | undefined;
  if (!store) {
    await mkdir(options.dataDir, { recursive: true });
    lock = await acquireDirLock(options.dataDir);
    const local = new LocalBlobStore(options.dataDir);
    await local.sweepTemp();
    store = local;
  }
  const policy = { ...DEFAULT_CHECKPOINT_POLICY, ...options.checkpoint };
  // Every object goes through the size tracker, so stored bytes per index are known without a scan,
  // and every delete through the holding store, so a backup's hold covers them all.
  const holding = new HoldingBlobStore(store);
  const tracked = new SizeTrackingStore(holding);
  const engine = new OssvEngine<OpenCollection>(tracked, holding, policy, lock, options.onBackgroundFailure, options.onWalSync);
  let generation: number | undefined;
  const shared = options.cluster !== undefined && options.store !== undefined;
  try {
    // Before anything else is read: a build that cannot read the directory must not start deleting
    // leftovers or replaying a WAL before it meets the first object it does not know.
    generation = await readFormatGeneration(store, shared ? SHARED_GENERATION : FORMAT_GENERATION);
    // A shared store is generation 2 before anything of the new kinds is written (docs/scale-out.md).
    if (shared) await markFormatGeneration(store, generation, SHARED_GENERATION);
    engine.catalog = await DurableCatalog.open(tracked, {
      dropIndexData: (index) => engine.dropIndexData(index),
      indexesChanged: (added, removed) => engine.indexesChanged(added, removed),
    }, { shared });
    if (options.cluster && shared) await engine.joinCluster(options.cluster);
    await engine.removeOrphans();
    await engine.openCollections(engine.catalog.allIndexes());
    if (!options.cluster?.deferStart) engine.startCluster();
  } catch (error) {
    await lock?.release();
    // Said here rather than in every CorruptionError: only at open has nothing been changed yet.
    if (error instanceof CorruptionError) error.message += DAMAGE_STOPS_OPEN_HINT;
    if (error instanceof NewerFormatError) error.message += NEWER_FORMAT_HINT;
    throw error;
  }
  try {
    // A shared store was marked before anything was written.
    if (!shared) await markFormatGeneration(store, generation);
  } catch (error) {
    await engine.close();
    throw error;
  }
  return engine;
}
