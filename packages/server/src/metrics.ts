// What `GET /-/metrics` reports, in Prometheus' text format: requests by operation and status, their
// latency and body sizes, each index's size (read from the engine at scrape time, without a scan),
// background work, WAL sync latency and the process itself. Each server has its own registry, so
// several servers in one process (tests) never share or clash over a metric.
//
// Labels stay few on purpose: operation and status come from fixed tables; per-index gauges carry
// account, bucket and index, whose numbers the catalog bounds; nothing is labelled by vector key.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import {
  mappedFileBytes, ownMemoryBytes, totalMemory, type BackgroundFailureEvent, type DiskCacheStats, type Engine, type IndexStats, type MemoryUse,
} from "@ossv/engine";
import type { AccessLogEntry } from "./pipeline.ts";

/** 1 ms to 30 s: a point read answers in about a millisecond, a big PutVectors waits for its fsync. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** An fsync takes from well under a millisecond (fast SSD) to hundreds (a busy disk). */
const SYNC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
/** 0 bytes (deletes, empty bodies) to the 64 MiB request limit, by powers of four from 64 bytes. */
const SIZE_BUCKETS = [0, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];

const INDEX_LABELS = ["account", "bucket", "index"] as const;
type IndexLabel = (typeof INDEX_LABELS)[number];

/** The per-index gauges and the IndexStats field each shows. */
const INDEX_GAUGES: Array<{ name: string; help: string; value: (stats: IndexStats) => number }> = [
  { name: "ossv_index_vectors", help: "Live vectors in the index.", value: (s) => s.vectors },
  { name: "ossv_index_segments", help: "Immutable segments of the index.", value: (s) => s.segments },
  {
    name: "ossv_index_segments_on_disk", help: "Segments of the index that keep int8 codes in memory and read their float32 vectors from disk (--quantization).",
    value: (s) => s.segmentsOnDisk,
  },
  { name: "ossv_index_memtable_rows", help: "Rows in the index's memtable (searched by exact scan).", value: (s) => s.memtableRows },
  {
    name: "ossv_index_deleted_rows", help: "Deleted or superseded rows still stored in the index's segments, until compaction.",
    value: (s) => s.deletedRows,
  },
  { name: "ossv_index_stored_bytes", help: "Bytes of the index's objects in the data directory.", value: (s) => s.storedBytes },
  {
    name: "ossv_index_background_failing", help: "1 while the index's last background task failed and no later one has succeeded.",
    value: (s) => (s.backgroundFailing ? 1 : 0),
  },
];

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"operation" | "status">;
  private readonly duration: Histogram<"operation">;
  private readonly requestBytes: Histogram<"operation">;
  private readonly responseBytes: Histogram<"operation">;
  private readonly walSync: Histogram;
  private readonly backgroundFailures: Counter<"task">;
  private readonly backgroundTasks: Gauge<"state">;
  private readonly indexGauges: Array<{ gauge: Gauge<IndexLabel>; value: (stats: IndexStats) => number }>;
  private readonly indexMemory: Gauge<IndexLabel | "part">;
  private readonly memoryAccounted: Gauge;
  private readonly memoryBudget: Gauge;
  private engine: Engine | undefined;
  private diskCache: (() => DiskCacheStats) | undefined;
  private storeRequests: (() => Readonly<Record<string, number>>) | undefined;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: "ossv_requests_total", help: "Requests answered, by operation and HTTP status.", labelNames: ["operation", "status"], registers,
    });
    this.duration = new Histogram({
      name: "ossv_request_duration_seconds", help: "Time from a request's arrival to its last response byte, by operation.",
      labelNames: ["operation"], buckets: LATENCY_BUCKETS, registers,
    });
    this.requestBytes = new Histogram({
      name: "ossv_request_body_bytes", help: "Request body bytes read, by operation (bodies refused unread are not counted).",
      labelNames: ["operation"], buckets: SIZE_BUCKETS, registers,
    });
    this.responseBytes = new Histogram({
      name: "ossv_response_body_bytes", help: "Response body bytes sent, by operation.",
      labelNames: ["operation"], buckets: SIZE_BUCKETS, registers,
    });
    this.walSync = new Histogram({
      name: "ossv_wal_sync_seconds", help: "Time for one WAL object to become durable (write, fsync, link); every acknowledged write waits for one.",
      buckets: SYNC_BUCKETS, registers,
    });
    this.backgroundFailures = new Counter({
      name: "ossv_background_failures_total", help: "Failed background task attempts (flush, checkpoint, merge, compact), by task.",
      labelNames: ["task"], registers,
    });
    this.backgroundTasks = new Gauge({
      name: "ossv_background_tasks", help: "Background tasks over all indexes: running now, or queued behind one.",
      labelNames: ["state"], registers,
    });
    this.indexGauges = INDEX_GAUGES.map(({ name, help, value }) => ({
      gauge: new Gauge({ name, help, labelNames: INDEX_LABELS, registers }), value,
    }));
    this.indexMemory = new Gauge({
      name: "ossv_index_memory_bytes",
      help: "Bytes the index holds in memory by part (vectors, graphs, metadata, filterCache); graphs and metadata are estimates.",
      labelNames: [...INDEX_LABELS, "part"], registers,
    });
    this.memoryAccounted = new Gauge({
      name: "ossv_memory_accounted_bytes", help: "Bytes all indexes hold in memory as the engine accounts them (the sum of ossv_index_memory_bytes).", registers,
    });
    this.memoryBudget = new Gauge({
      name: "ossv_memory_budget_bytes", help: "The memory budget the server was started with (--memory-budget).", registers,
    });
    // What the budget is compared with, and what it leaves out (packages/engine/src/base/process-memory.ts).
    new Gauge({
      name: "ossv_memory_own_bytes", help: "The server's own resident memory (anonymous RSS): what --memory-budget bounds.", registers,
      collect() {
        this.set(ownMemoryBytes());
      },
    });
    new Gauge({
      name: "ossv_memory_mapped_file_bytes",
      help: "Resident pages of mapped files (file RSS): mostly segments whose graphs are mapped (--graphs-on-disk), the page cache's to drop.",
      registers,
      collect() {
        this.set(mappedFileBytes());
      },
    });
    this.registerDiskCacheGauges();
    this.registerStoreRequestGauge();
    collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The object store's disk cache (--cache-dir), read at scrape time. Its running totals are gauges
   * named like counters: they only grow, and prom-client counters cannot be set from a total.
   */
  private registerDiskCacheGauges(): void {
    const registers = [this.registry];
    const read = (field: keyof DiskCacheStats) => () => this.diskCache?.()[field];
    const gauges: Array<[string, string, keyof DiskCacheStats]> = [
      ["ossv_disk_cache_bytes", "Bytes of object copies in the disk cache (--cache-dir).", "bytes"],
      ["ossv_disk_cache_objects", "Object copies in the disk cache.", "objects"],
      ["ossv_disk_cache_hits_total", "Reads answered from the disk cache.", "hits"],
      ["ossv_disk_cache_misses_total", "Reads of cacheable objects fetched from the object store.", "misses"],
      ["ossv_disk_cache_damaged_total", "Cached copies found damaged or cut short, dropped and fetched again.", "damaged"],
      ["ossv_disk_cache_evictions_total", "Copies dropped to keep the cache within --cache-size.", "evictions"],
      ["ossv_disk_cache_pinned_bytes", "Bytes of copies that segments read vectors from (int8 codes), which eviction passes over.", "pinnedBytes"],
    ];
    for (const [name, help, field] of gauges) {
      const value = read(field);
      new Gauge({
        name, help, registers,
        collect() {
          const current = value();
          if (current !== undefined) this.set(current);
        },
      });
    }
  }

  /**
   * Requests sent to the object store (--store), by operation, read at scrape time: what the store
   * bills, and what polling costs (docs/scale-out.md). A running total, like the disk cache's.
   */
  private registerStoreRequestGauge(): void {
    const read = () => this.storeRequests?.();
    new Gauge({
      name: "ossv_object_store_requests_total", help: "Requests sent to the object store (--store), by operation; SDK retries not counted again.",
      labelNames: ["operation"], registers: [this.registry],
      collect() {
        for (const [operation, count] of Object.entries(read() ?? {})) this.set({ operation }, count);
      },
    });
  }

  /** The object store whose requests the scrape reports, when the server has one. */
  attachStoreRequests(counts: () => Readonly<Record<string, number>>): void {
    this.storeRequests = counts;
  }

  /** The disk cache whose figures the scrape reports, when the server has one. */
  attachDiskCache(stats: () => DiskCacheStats): void {
    this.diskCache = stats;
  }

  setMemoryBudget(bytes: number): void {
    this.memoryBudget.set(bytes);
  }

  /** The engine whose indexes the scrape reports; set once it is open. */
  attach(engine: Engine): void {
    this.engine = engine;
  }

  /** For the pipeline's access-log hook: one finished request. */
  readonly observeRequest = (entry: AccessLogEntry): void => {
    const operation = entry.operation;
    this.requests.inc({ operation, status: String(entry.status) });
    this.duration.observe({ operation }, entry.durationMs / 1000);
    this.requestBytes.observe({ operation }, entry.bytesIn);
    this.responseBytes.observe({ operation }, entry.bytesOut);
  };

  /** For the engine's onWalSync hook. */
  readonly observeWalSync = (ms: number): void => {
    this.walSync.observe(ms / 1000);
  };

  /** For the engine's background-failure reporter. */
  readonly observeBackgroundFailure = (event: BackgroundFailureEvent): void => {
    this.backgroundFailures.inc({ task: event.task });
  };

  /** The exposition text, with the engine's gauges read now. */
  async scrape(): Promise<string> {
    this.readEngine();
    return await this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * One pass over the engine's counters sets every engine gauge; they are reset first, so an index
   * deleted since the last scrape disappears rather than keep its last values.
   */
  private readEngine(): void {
    let running = 0;
    let queued = 0;
    let accounted = 0;
    for (const { gauge } of this.indexGauges) gauge.reset();
    this.indexMemory.reset();
    for (const stats of this.engine?.indexStats() ?? []) {
      const labels = { account: stats.accountId, bucket: stats.bucket, index: stats.indexName };
      for (const { gauge, value } of this.indexGauges) gauge.set(labels, value(stats));
      for (const part of Object.keys(stats.memory) as (keyof MemoryUse)[]) this.indexMemory.set({ ...labels, part }, stats.memory[part]);
      accounted += totalMemory(stats.memory);
      running += stats.backgroundRunning;
      queued += stats.backgroundQueued;
    }
    this.memoryAccounted.set(accounted);
    this.backgroundTasks.set({ state: "running" }, running);
    this.backgroundTasks.set({ state: "queued" }, queued);
  }
}
