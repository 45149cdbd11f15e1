// The catalog's whole state as plain maps, plus the rules of every change. A change runs on a clone
// (a draft) and throws EngineError when it is not allowed; the durable catalog commits the draft and
// only then makes it the visible state. No I/O here.
import { randomBytes } from "node:crypto";
import { compareKeys } from "../base/byte-order.ts";
import {
  EngineError,
  type AccessKeyRecord,
  type AccountRecord,
  type BucketLogging,
  type BucketRecord,
  type IndexRecord,
  type IndexMode,
  type IndexSpec,
  type NewBucket,
  type TagTarget,
  type UserRecord,
} from "../base/types.ts";

export interface CatalogSnapshot {
  accounts: AccountRecord[];
  accessKeys: AccessKeyRecord[];
  buckets: BucketRecord[];
  indexes: IndexRecord[];
  users: UserRecord[];
}

const userKey = (accountId: string, userName: string): string => `${accountId}\u0000${userName}`;
const bucketKey = (accountId: string, name: string): string => `${accountId}\u0000${name}`;
const indexKey = (accountId: string, bucket: string, name: string): string =>
  `${accountId}\u0000${bucket}\u0000${name}`;
const now = (): string => new Date().toISOString();

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

function byName<T extends { name: string }>(records: T[]): T[] {
  return records.sort((a, b) => compareKeys(a.name, b.name));
}

export class CatalogState {
  private readonly accounts = new Map<string, AccountRecord>();
  private readonly accessKeys = new Map<string, AccessKeyRecord>();
  private readonly buckets = new Map<string, BucketRecord>();
  private readonly indexes = new Map<string, IndexRecord>();
  private readonly indexesById = new Map<string, IndexRecord>();
  private readonly users = new Map<string, UserRecord>();

  static from(snapshot: CatalogSnapshot): CatalogState {
    const state = new CatalogState();
    for (const account of snapshot.accounts) state.accounts.set(account.accountId, account);
    for (const key of snapshot.accessKeys) state.accessKeys.set(key.accessKeyId, key);
    for (const bucket of snapshot.buckets) state.buckets.set(bucketKey(bucket.accountId, bucket.name), bucket);
    for (const index of snapshot.indexes) state.addIndex(index);
    for (const user of snapshot.users) state.users.set(userKey(user.accountId, user.userName), user);
    return state;
  }

  /** A deep copy, so a failed change never leaks into the visible state. */
  toSnapshot(): CatalogSnapshot {
    return structuredClone({
      accounts: [...this.accounts.values()],
      accessKeys: [...this.accessKeys.values()],
      buckets: [...this.buckets.values()],
      indexes: [...this.indexes.values()],
      users: [...this.users.values()],
    });
  }

  clone(): CatalogState {
    return CatalogState.from(this.toSnapshot());
  }

  private addIndex(index: IndexRecord): void {
    this.indexes.set(indexKey(index.accountId, index.bucket, index.name), index);
    this.indexesById.set(index.id, index);
  }

  /**
   * Deep-freezes every record. The durable catalog calls it on a state before making it visible: reads
   * then hand out the records themselves, with no copy per request, and a caller that tried to change
   * one would throw instead of changing the catalog behind its back. Changes run on a clone (a draft),
   * whose records structuredClone has made fresh and unfrozen.
   */
  freeze(): this {
    for (const records of [this.accounts, this.accessKeys, this.buckets, this.indexes, this.users]) {
      for (const record of records.values()) deepFreeze(record);
    }
    return this;
  }

  // Reads return frozen records (see freeze) or new arrays of them.

  getAccount(accountId: string): AccountRecord | undefined {
    return this.accounts.get(accountId);
  }

  listAccounts(): AccountRecord[] {
    return [...this.accounts.values()].sort((a, b) => compareKeys(a.accountId, b.accountId));
  }

  getAccessKey(accessKeyId: string): AccessKeyRecord | undefined {
    return this.accessKeys.get(accessKeyId);
  }

  listAccessKeys(accountId: string): AccessKeyRecord[] {
    const keys = [...this.accessKeys.values()].filter((key) => key.accountId === accountId);
    return keys.sort((a, b) => compareKeys(a.accessKeyId, b.accessKeyId));
  }

  getUser(accountId: string, userName: string): UserRecord | undefined {
    return this.users.get(userKey(accountId, userName));
  }

  listUsers(accountId: string): UserRecord[] {
    const users = [...this.users.values()].filter((user) => user.accountId === accountId);
    return users.sort((a, b) => compareKeys(a.userName, b.userName));
  }

  getBucket(accountId: string, name: string): BucketRecord | undefined {
    return this.buckets.get(bucketKey(accountId, name));
  }

  listBuckets(accountId: string): BucketRecord[] {
    return byName([...this.buckets.values()].filter((bucket) => bucket.accountId === accountId));
  }

  getIndex(accountId: string, bucket: string, name: string): IndexRecord | undefined {
    return this.indexes.get(indexKey(accountId, bucket, name));
  }

  getIndexById(id: string): IndexRecord | undefined {
    return this.indexesById.get(id);
  }

  allIndexes(): IndexRecord[] {
    return [...this.indexes.values()];
  }

  hasIndexId(id: string): boolean {
    return this.indexesById.has(id);
  }

  listIndexes(accountId: string, bucket: string): IndexRecord[] {
    const matching = [...this.indexes.values()].filter((index) => index.accountId === accountId && index.bucket === bucket);
    return byName(matching);
  }

  // Changes, applied to a draft.

  createAccount(accountId: string): AccountRecord {
    if (this.accounts.has(accountId)) throw new EngineError("ACCOUNT_EXISTS", `account ${accountId} exists`);
    const account: AccountRecord = { accountId, createdAt: now() };
    this.accounts.set(accountId, account);
    return structuredClone(account);
  }

  createUser(accountId: string, userName: string, userId: string, kind?: "role"): UserRecord {
    this.requireAccount(accountId);
    if (this.users.has(userKey(accountId, userName))) throw new EngineError("USER_EXISTS", `user ${userName} exists`);
    if ([...this.users.values()].some((user) => user.userId === userId)) {
      throw new EngineError("USER_EXISTS", `user id ${userId} is taken`);
    }
    const user: UserRecord = { ...(kind ? { kind } : {}), accountId, userName, userId, createdAt: now(), policies: {} };
    this.users.set(userKey(accountId, userName), user);
    return structuredClone(user);
  }

  deleteUser(accountId: string, userName: string): void {
    this.requireUser(accountId, userName);
    this.users.delete(userKey(accountId, userName));
    for (const [id, key] of this.accessKeys) {
      if (key.accountId === accountId && key.userName === userName) this.accessKeys.delete(id);
    }
  }

  putUserPolicy(accountId: string, userName: string, policyName: string, document: string): void {
    this.requireUser(accountId, userName).policies[policyName] = document;
  }

  deleteUserPolicy(accountId: string, userName: string, policyName: string): void {
    const user = this.requireUser(accountId, userName);
    if (!(policyName in user.policies)) {
      throw new EngineError("NO_SUCH_POLICY", `policy ${policyName} is not attached to user ${userName}`);
    }
    delete user.policies[policyName];
  }

  /** Creates a key or replaces one of the same owner (e.g. to disable it); a key id is never re-owned. */
  putAccessKey(key: AccessKeyRecord): void {
    this.requireAccount(key.accountId);
    if (key.userName !== undefined) this.requireUser(key.accountId, key.userName);
    const existing = this.accessKeys.get(key.accessKeyId);
    if (existing && (existing.accountId !== key.accountId || existing.userName !== key.userName)) {
      throw new EngineError("ACCESS_KEY_EXISTS", `access key ${key.accessKeyId} belongs to another identity`);
    }
    this.accessKeys.set(key.accessKeyId, structuredClone(key));
  }

  deleteAccessKey(accessKeyId: string): void {
    if (!this.accessKeys.delete(accessKeyId)) {
      throw new EngineError("NO_SUCH_ACCESS_KEY", `access key ${accessKeyId} does not exist`);
    }
  }

  createBucket(request: NewBucket): BucketRecord {
    this.requireAccount(request.accountId);
    const key = bucketKey(request.accountId, request.name);
    if (this.buckets.has(key)) throw new EngineError("BUCKET_EXISTS", `bucket ${request.name} exists`);
    const bucket: BucketRecord = {
      accountId: request.accountId,
      name: request.name,
      region: request.region,
      createdAt: now(),
      ...(request.resourceGroupId !== undefined && { resourceGroupId: request.resourceGroupId }),
      ...(request.tags !== undefined && { tags: { ...request.tags } }),
      ...(request.defaultIndexMode !== undefined && { defaultIndexMode: request.defaultIndexMode }),
      ...(request.encryption !== undefined && { encryption: { ...request.encryption } }),
    };
    this.buckets.set(key, bucket);
    return structuredClone(bucket);
  }

  deleteBucket(accountId: string, name: string): void {
    this.requireBucket(accountId, name);
    if (this.listIndexes(accountId, name).length > 0) {
      throw new EngineError("BUCKET_NOT_EMPTY", `bucket ${name} still has vector indexes`);
    }
    this.buckets.delete(bucketKey(accountId, name));
  }

  setBucketPolicy(accountId: string, name: string, policy: string | undefined): void {
    const bucket = this.requireBucket(accountId, name);
    if (policy === undefined) delete bucket.policy;
    else bucket.policy = policy;
  }

  setBucketLogging(accountId: string, name: string, logging: BucketLogging | undefined): void {
    const bucket = this.requireBucket(accountId, name);
    if (logging === undefined) delete bucket.logging;
    else bucket.logging = structuredClone(logging);
  }

  setBucketDefaultIndexMode(accountId: string, name: string, mode: IndexMode): void {
    this.requireBucket(accountId, name).defaultIndexMode = mode;
  }

  setIndexMode(accountId: string, bucket: string, name: string, mode: IndexMode): void {
    this.requireIndex(accountId, bucket, name).indexMode = mode;
  }

  changeTags(target: TagTarget, add: Record<string, string>, remove: readonly string[], maxTags: number): Record<string, string> {
    const record = target.index === undefined
      ? this.requireBucket(target.accountId, target.bucket)
      : this.requireIndex(target.accountId, target.bucket, target.index);
    const tags = { ...record.tags, ...add };
    for (const key of remove) delete tags[key];
    if (Object.keys(tags).length > maxTags) {
      throw new EngineError("INVALID_ARGUMENT", `a resource may have at most ${maxTags} tags; this change would leave ${Object.keys(tags).length}`);
    }
    if (Object.keys(tags).length === 0) delete record.tags;
    else record.tags = tags;
    return { ...tags };
  }

  createIndex(accountId: string, bucket: string, spec: IndexSpec, maxIndexes: number): IndexRecord {
    this.requireBucket(accountId, bucket);
    if (this.indexes.has(indexKey(accountId, bucket, spec.name))) {
      throw new EngineError("INDEX_EXISTS", `vector index ${spec.name} exists`);
    }
    if (this.listIndexes(accountId, bucket).length >= maxIndexes) {
      throw new EngineError("INDEX_LIMIT", `bucket ${bucket} already has ${maxIndexes} vector indexes`);
    }
    const index: IndexRecord = {
      name: spec.name,
      dimension: spec.dimension,
      distanceMetric: spec.distanceMetric,
      dataType: spec.dataType,
      nonFilterableMetadataKeys: [...spec.nonFilterableMetadataKeys],
      ...(spec.indexMode !== undefined && { indexMode: spec.indexMode }),
      ...(spec.tags !== undefined && { tags: { ...spec.tags } }),
      ...(spec.encryption !== undefined && { encryption: { ...spec.encryption } }),
      ...(spec.fusion !== undefined && { fusion: structuredClone(spec.fusion) }),
      accountId,
      bucket,
      id: this.newIndexId(),
      createdAt: now(),
    };
    this.addIndex(index);
    return structuredClone(index);
  }

  /** Removes the index record and returns it (its storage id names the data to remove). */
  deleteIndex(accountId: string, bucket: string, name: string): IndexRecord {
    this.requireBucket(accountId, bucket);
    const key = indexKey(accountId, bucket, name);
    const index = this.indexes.get(key);
    if (!index) throw new EngineError("NO_SUCH_INDEX", `vector index ${name} does not exist`);
    this.indexes.delete(key);
    this.indexesById.delete(index.id);
    return structuredClone(index);
  }

  private newIndexId(): string {
    for (;;) {
      const id = randomBytes(8).toString("hex");
      if (!this.indexesById.has(id)) return id;
    }
  }

  private requireAccount(accountId: string): void {
    if (!this.accounts.has(accountId)) throw new EngineError("NO_SUCH_ACCOUNT", `account ${accountId} does not exist`);
  }

  private requireUser(accountId: string, userName: string): UserRecord {
    const user = this.users.get(userKey(accountId, userName));
    if (!user) throw new EngineError("NO_SUCH_USER", `user ${userName} does not exist`);
    return user;
  }

  private requireIndex(accountId: string, bucket: string, name: string): IndexRecord {
    this.requireBucket(accountId, bucket);
    const index = this.indexes.get(indexKey(accountId, bucket, name));
    if (!index) throw new EngineError("NO_SUCH_INDEX", `vector index ${name} does not exist`);
    return index;
  }

  private requireBucket(accountId: string, name: string): BucketRecord {
    const bucket = this.buckets.get(bucketKey(accountId, name));
    if (!bucket) throw new EngineError("NO_SUCH_BUCKET", `bucket ${name} does not exist`);
    return bucket;
  }
}
