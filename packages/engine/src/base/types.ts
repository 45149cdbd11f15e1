// The engine's public contract: what the server (and later the admin/CLI) may call. The engine knows
// nothing of HTTP; failures are EngineError with a typed code that the server maps to an API code.
import type { FilterNode } from "@ossv/protocol";
import type { BackgroundFailure } from "./background-failures.ts";
import type { MemoryUse } from "./memory-use.ts";

/** A full-text match on one field of a Fusion index (Collection.textSearch, text/bm25.ts). */
export interface TextMatch {
  /** Terms of the query, after the field's analyzer; repeats are ignored. */
  terms: readonly string[];
  /** How many distinct query terms a document must contain (≥ 1). */
  minimumMatch: number;
}

export type MetadataScalar = string | number | boolean;
export type MetadataValue = MetadataScalar | MetadataScalar[];
export type Metadata = Record<string, MetadataValue>;

export type DistanceMetric = "euclidean" | "cosine";

export interface VectorRecord {
  key: string;
  data: Float32Array;
  metadata: Metadata;
}

export interface AccessKeyRecord {
  accessKeyId: string;
  accessKeySecret: string;
  accountId: string;
  /** undefined for the account's root key. */
  userName?: string;
  status: "active" | "disabled";
  createdAt: string;
  /** Temporary credentials only: the token requests must carry, and when the key stops working. */
  securityToken?: string;
  expiresAt?: string;
  /** Temporary credentials only: a policy that narrows what the user may do with them. */
  sessionPolicy?: string;
}

/**
 * A RAM user, or a RAM role (an identity with policies but no long-term keys, used only through
 * temporary credentials). Either can do nothing until a policy attached to it, or a bucket policy,
 * allows it. Users and roles share one namespace per account.
 */
export interface UserRecord {
  /** Absent for users. */
  kind?: "role";
  accountId: string;
  userName: string;
  /** Numeric id, what bucket policies name in Principal. */
  userId: string;
  createdAt: string;
  /** Attached identity policies: policy name → the document text as given. */
  policies: Record<string, string>;
}

export interface AccountRecord {
  accountId: string;
  createdAt: string;
}

export interface BucketLogging {
  targetBucket: string;
  targetPrefix?: string;
  loggingRole?: string;
}

export interface BucketRecord {
  accountId: string;
  name: string;
  region: string;
  createdAt: string;
  resourceGroupId?: string;
  tags?: Record<string, string>;
  /** The bucket policy exactly as it was sent, byte for byte. */
  policy?: string;
  logging?: BucketLogging;
  /** The S3 Vectors API's settings (docs/s3-vectors.md); absent on buckets that never had them. */
  defaultIndexMode?: IndexMode;
  encryption?: EncryptionSetting;
}

/** How an index filters queries through the S3 Vectors API (docs/s3-vectors.md#index-modes). */
export type IndexMode = "CLASSIC" | "ENHANCED";

/** Server-side encryption as the S3 Vectors API names it; kept and reported, not acted on. */
export interface EncryptionSetting {
  sseType: "AES256" | "aws:kms";
  kmsKeyArn?: string;
}

/** A bucket, or an index of it, whose tags are changed. */
export interface TagTarget {
  accountId: string;
  bucket: string;
  index?: string;
}

export interface IndexSpec {
  name: string;
  dimension: number;
  distanceMetric: DistanceMetric;
  dataType: "float32";
  nonFilterableMetadataKeys: string[];
  /** Set by the S3 Vectors API; absent means the bucket's default (docs/s3-vectors.md#index-modes). */
  indexMode?: IndexMode;
  tags?: Record<string, string>;
  encryption?: EncryptionSetting;
  /**
   * Set on Fusion indexes only (docs/fusion.md): the schema exactly as its creator sent it. The
   * engine keeps it and nothing more; the server reads it. Such an index stores each document's
   * vector fields side by side in one row, so `dimension` is their layout's width.
   */
  fusion?: FusionSchemaRecord;
}

/** A Fusion index's `schemaConfiguration` JSON, verbatim. */
export interface FusionSchemaRecord {
  fields: Array<Record<string, unknown>>;
}

export interface IndexRecord extends IndexSpec {
  accountId: string;
  bucket: string;
  /** Unique storage id: a re-created index of the same name never sees the old one's data. */
  id: string;
  createdAt: string;
}

export interface ListVectorsOptions {
  limit: number;
  /** Opaque continuation from a previous page's `nextToken`. */
  token?: string;
  segmentCount?: number;
  segmentIndex?: number;
}

/**
 * A ListVectors page as keys only, for a caller that reads each record itself and may return fewer
 * than all of them (to keep a response within a size budget): it continues with `tokenAfter`.
 */
export interface ListKeysPage {
  keys: string[];
  /** Present only when more keys match after the last of `keys`. */
  nextToken?: string;
  /** The token that continues right after `key`, with the same segment parameters. */
  tokenAfter(key: string): string;
}

export interface ListVectorsPage {
  vectors: VectorRecord[];
  /** Present only when more vectors remain. */
  nextToken?: string;
}

export interface QueryOptions {
  vector: Float32Array;
  /**
   * How many hits, best first: min(topK, live matching rows) of them, whatever the size (S3 Vectors
   * allows 10,000; large values are answered by exact scans where a graph would cost more, see
   * SEARCH_TUNING.graphScoresPerResult). Equal distances are ordered by key, so the ranking is total.
   *
   * Paging (S3 Vectors' QueryVectors returns a large topK a page at a time, with nextToken) needs no
   * engine support: ask again with the same vector, filter and the *whole* topK, and keep the page's
   * ranks [from, from + pageSize). Asking for the same topK matters: a graph's beam grows with topK,
   * so top-100 and the first 100 of top-10,000 may differ where the search is approximate, while the
   * same query on unchanged data gives the same ranking. Each page is then a fresh query, so it never
   * holds a row deleted since the first; a write between pages may shift ranks (a key seen twice or
   * skipped), which the API allows. A server that wants each page to cost less than a whole query
   * keeps the first call's (key, distance) list for the token's lifetime instead, and drops from each
   * page the keys deleted since (get() tells).
   */
  topK: number;
  /**
   * The parsed metadata filter (protocol's parseFilter); rows it rejects are never ranked. The engine
   * compiles it for the rows it tests one by one and answers it from inverted indexes elsewhere, so
   * both always apply the very same filter.
   */
  filter?: FilterNode;
}

export interface QueryHit {
  key: string;
  distance: number;
  /** The whole record (a copy), made only when read: most queries need just keys and distances. */
  readonly record: VectorRecord;
}

/**
 * One live row as the engine holds it (Collection.forEachLive): read-only, and the vector valid only
 * during the call. The metadata is read when asked for: a segment holds it encoded, and decoding every
 * row's costs more than a scan that looks at few of them.
 */
export type LiveRowVisitor = (key: string, data: Float32Array, metadataOf: () => Readonly<Metadata>) => void;

/** A k-NN on one vector field of a Fusion index (Collection.forEachFieldCandidate). */
export interface FieldSearch {
  /** The field's place among the schema's vector fields. */
  field: number;
  query: Float32Array;
  /** The results wanted. */
  k: number;
  /** The least beam a graph is searched with (the request's numCandidates, or 0). */
  minEf: number;
  /** The query's filter, given a row's key and a reader of its metadata: rows it refuses do not count towards `k`. */
  accept?: (key: string, metadataOf: () => Readonly<Metadata>) => boolean;
  /**
   * A filter of the Standard language that allows every row `accept` lets through (and maybe more),
   * with its canonical text as `key`: segments answer it from their inverted metadata indexes, so a
   * selective filter is served by ranking its rows or by a graph search that skips the others.
   */
  prefilter?: { node: FilterNode; key: string };
}

/** One vector index's data. Writes resolve only once they are durable. */
export interface Collection {
  put(vectors: VectorRecord[]): Promise<void>;
  delete(keys: string[]): Promise<void>;
  /** Existing records for the given keys, in request order; missing keys are left out. */
  get(keys: string[]): VectorRecord[];
  list(options: ListVectorsOptions): ListVectorsPage;
  /** Like list, without reading the records: throws INVALID_TOKEN the same way. */
  listKeys(options: ListVectorsOptions): ListKeysPage;
  query(options: QueryOptions): QueryHit[];
  /**
   * Visits every live record once, in no particular order, without copying it: the visitor must not
   * change what it is handed, nor keep the vector past the call. Nothing is written meanwhile, so the
   * visit sees one consistent state.
   */
  forEachLive(visit: LiveRowVisitor): void;
  /**
   * Visits, as forEachLive does, the live rows among which the `search.k` nearest on a Fusion index's
   * vector field that `search.accept` lets through are to be found: rows that segments' field graphs
   * pick, and every row of the rest (search/field-graphs.ts). The visitor ranks them and applies the
   * filter itself.
   */
  forEachFieldCandidate(search: FieldSearch, visit: LiveRowVisitor): void;
  /**
   * BM25 scores, by key, of the live documents of a Fusion index that match `match` on its text field
   * `field` and that `accept` lets through (text/text-search.ts). The index's full-text postings are
   * part of its durable state: nothing is built at query time.
   */
  textSearch(field: string, match: TextMatch, accept?: (key: string) => boolean): Map<string, number>;
  count(): number;
  /** Merges segments and drops deleted rows now, reclaiming disk and memory; resolves when done. */
  compact(): Promise<void>;
  /**
   * Segment sizes and graph state, for diagnostics; backgroundTasks counts the flushes, checkpoints,
   * merges and compactions queued or running.
   */
  describe(): {
    memtableRows: number;
    backgroundTasks: number;
    /** The last failed background task (kept after a retry succeeds, marked resolved), or null. */
    lastBackgroundFailure: BackgroundFailure | null;
    /** fieldGraphs and fieldGraphsPending on Fusion indexes only (SegmentSummary). */
    segments: Array<{ id: number | string; rows: number; live: number; graph: boolean; fieldGraphs?: number; fieldGraphsPending?: boolean }>;
    /** Bytes held in memory by part (memory-use.ts), and their total. */
    memory: MemoryUse & { total: number };
  };
}

export type EngineErrorCode =
  | "ACCOUNT_EXISTS"
  | "NO_SUCH_ACCOUNT"
  | "ACCESS_KEY_EXISTS"
  | "NO_SUCH_ACCESS_KEY"
  | "USER_EXISTS"
  | "NO_SUCH_USER"
  | "NO_SUCH_POLICY"
  | "BUCKET_EXISTS"
  | "NO_SUCH_BUCKET"
  | "BUCKET_NOT_EMPTY"
  | "INDEX_EXISTS"
  | "NO_SUCH_INDEX"
  | "INDEX_LIMIT"
  | "INVALID_TOKEN"
  | "CLOSED"
  | "LOCKED"
  /** Shared stores: the index's writer cannot be reached now (a takeover under way); retry. */
  | "UNAVAILABLE"
  | "INVALID_ARGUMENT";

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = "EngineError";
    this.code = code;
  }
}

export interface NewBucket {
  accountId: string;
  name: string;
  region: string;
  resourceGroupId?: string;
  tags?: Record<string, string>;
  defaultIndexMode?: IndexMode;
  encryption?: EncryptionSetting;
}

/** Accounts, keys, buckets and indexes. Reads are synchronous; every change is durable on resolve. */
export interface Catalog {
  createAccount(accountId: string): Promise<AccountRecord>;
  getAccount(accountId: string): AccountRecord | undefined;
  listAccounts(): AccountRecord[];

  putAccessKey(key: AccessKeyRecord): Promise<void>;
  getAccessKey(accessKeyId: string): AccessKeyRecord | undefined;
  listAccessKeys(accountId: string): AccessKeyRecord[];
  deleteAccessKey(accessKeyId: string): Promise<void>;

  /** Refuses with USER_EXISTS; `userId` must be unique across accounts. */
  createUser(accountId: string, userName: string, userId: string, kind?: "role"): Promise<UserRecord>;
  getUser(accountId: string, userName: string): UserRecord | undefined;
  listUsers(accountId: string): UserRecord[];
  /** Removes the user with its access keys and attached policies. */
  deleteUser(accountId: string, userName: string): Promise<void>;
  /** Attaches (or replaces) a named identity policy. */
  putUserPolicy(accountId: string, userName: string, policyName: string, document: string): Promise<void>;
  /** Refuses with NO_SUCH_POLICY when nothing of that name is attached. */
  deleteUserPolicy(accountId: string, userName: string, policyName: string): Promise<void>;

  createBucket(bucket: NewBucket): Promise<BucketRecord>;
  getBucket(accountId: string, name: string): BucketRecord | undefined;
  /** The account's buckets sorted by name (byte order). */
  listBuckets(accountId: string): BucketRecord[];
  /** Refuses with BUCKET_NOT_EMPTY while the bucket has indexes. */
  deleteBucket(accountId: string, name: string): Promise<void>;
  setBucketPolicy(accountId: string, name: string, policy: string | undefined): Promise<void>;
  setBucketLogging(accountId: string, name: string, logging: BucketLogging | undefined): Promise<void>;
  setBucketDefaultIndexMode(accountId: string, name: string, mode: IndexMode): Promise<void>;
  /**
   * Adds (overwriting) and removes tags of a bucket or index in one change; refuses with
   * INVALID_ARGUMENT when the result would have more than maxTags. Returns the tags after it.
   */
  changeTags(target: TagTarget, add: Record<string, string>, remove: readonly string[], maxTags: number): Promise<Record<string, string>>;

  /** Refuses with INDEX_EXISTS, or INDEX_LIMIT when the bucket already has maxIndexes. */
  createIndex(accountId: string, bucket: string, spec: IndexSpec, maxIndexes: number): Promise<IndexRecord>;
  getIndex(accountId: string, bucket: string, name: string): IndexRecord | undefined;
  /** The bucket's indexes sorted by name (byte order). */
  listIndexes(accountId: string, bucket: string): IndexRecord[];
  setIndexMode(accountId: string, bucket: string, name: string, mode: IndexMode): Promise<void>;
  /** Removes the index and all of its vectors. */
  deleteIndex(accountId: string, bucket: string, name: string): Promise<void>;
}

/**
 * One index's sizes and background work, from counters the engine keeps anyway: reading them scans
 * no rows, so a monitoring scrape can ask for every index every few seconds.
 */
export interface IndexStats {
  indexId: string;
  accountId: string;
  bucket: string;
  indexName: string;
  /** Live vectors, as count() gives them. */
  vectors: number;
  memtableRows: number;
  segments: number;
  /** Segments whose graphs hold int8 codes and whose float32 vectors are read from disk (search/vector-placement.ts). */
  segmentsOnDisk: number;
  /** Rows still stored in segments though deleted or superseded: what compaction would give back. */
  deletedRows: number;
  /** Bytes of the index's objects in the store (WAL, snapshot, segments, deletion objects, manifest). */
  storedBytes: number;
  /** Background tasks (flush, checkpoint, merge, compaction) running now: 0 or 1. */
  backgroundRunning: number;
  /** Background tasks waiting behind the running one. */
  backgroundQueued: number;
  /** True while the last background failure has not been followed by a success. */
  backgroundFailing: boolean;
  /** Bytes the index holds in memory, by part (base/memory-use.ts: some exact, some estimated). */
  memory: MemoryUse;
}

export interface Engine {
  readonly catalog: Catalog;
  /** The open collection of an index that exists in the catalog. */
  collection(index: IndexRecord): Collection;
  /**
   * The collection of an index for a read: on a shared store, a node that stopped polling the idle
   * index looks at the store once first, so the read sees every write acknowledged before it.
   */
  readCollection(index: IndexRecord): Promise<Collection>;
  /** Every open index's stats; cheap enough to call on every metrics scrape. */
  indexStats(): IndexStats[];
  /** Flushes and closes; acknowledged data is already durable, so this only releases resources. */
  close(options?: CloseOptions): Promise<void>;
  /**
   * Writes a consistent point-in-time copy of the data into `dest` (new or empty) while the engine
   * keeps serving; see docs/storage-format.md#backup-and-restore.
   */
  backup(dest: string, options?: BackupOptions): Promise<BackupSummary>;
}

export interface BackupOptions {
  /**
   * Files beside the objects, by name (a single path segment), written before BACKUP.json: the
   * server adds master.key here so the backup opens the sealed access key secrets.
   */
  extraFiles?: Record<string, Uint8Array>;
  signal?: AbortSignal;
}

export interface BackupSummary {
  dest: string;
  createdAt: string;
  /** The catalog object copied (undefined for a data directory that never committed one). */
  catalog: string | undefined;
  indexes: number;
  files: number;
  bytes: number;
  /** Of `files`, how many were hard links to the data directory's own (immutable) files. */
  linked: number;
  ms: number;
}

export interface CloseOptions {
  /**
   * Stop background flushes, merges, compactions and checkpoints at once (a graph build is ended
   * mid-way) instead of waiting for them. Safe because none of them holds acknowledged data the WAL
   * does not; they run again after the next open. Default false: close waits for them.
   */
  abandonBackground?: boolean;
}

export interface EngineOptions {
  dataDir: string;
}
