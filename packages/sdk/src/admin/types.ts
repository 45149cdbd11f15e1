// Inputs and results of AdminClient, in the shapes ossv's admin API sends and answers (JSON bodies;
// every result also carries the response's ResultMetadata).
import type { RequestOptions, ResultMetadata } from "../types.ts";

export interface AdminUser {
  userId: string;
  userName: string;
  createdAt: string;
  /** Names of the identity policies attached to the user. */
  policies: string[];
}

export interface AdminRole {
  roleId: string;
  roleName: string;
  createdAt: string;
  policies: string[];
}

export interface CreateUserResult extends ResultMetadata {
  userId: string;
  userName: string;
}

export interface ListUsersResult extends ResultMetadata {
  users: AdminUser[];
}

export interface CreateRoleResult extends ResultMetadata {
  roleId: string;
  roleName: string;
}

export interface ListRolesResult extends ResultMetadata {
  roles: AdminRole[];
}

export interface CreateAccessKeyResult extends ResultMetadata {
  accessKeyId: string;
  /** Shown once: the server keeps it sealed and never returns it again. */
  accessKeySecret: string;
}

export type AccessKeyStatus = "active" | "disabled";

export interface ListAccessKeysResult extends ResultMetadata {
  accessKeys: Array<{ accessKeyId: string; status: AccessKeyStatus; createdAt: string }>;
}

export interface UpdateAccessKeyResult extends ResultMetadata {
  accessKeyId: string;
  status: AccessKeyStatus;
}

export interface ListPoliciesResult extends ResultMetadata {
  /** Policy name -> the policy document as attached. */
  policies: Record<string, string>;
}

export interface AttachPolicyResult extends ResultMetadata {
  userName: string;
  policyName: string;
}

export interface IssueTemporaryCredentialsOptions extends RequestOptions {
  /** A session policy (a JSON document): the credentials may do only what it and the identity allow. */
  policy?: string;
  /** 900 to 43 200; the server's default is 3 600. */
  durationSeconds?: number;
  /** Credentials of the RAM role `name` rather than of the user `name`. */
  role?: boolean;
}

export interface TemporaryCredentialsResult extends ResultMetadata {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  /** ISO 8601 time after which the credentials are refused. */
  expiration: string;
}

/** One segment of an index: stored rows, live (not deleted) rows, and whether its graph is built. */
export interface AdminSegmentSummary {
  id: number;
  rows: number;
  live: number;
  graph: boolean;
  /** The calibrated query beam of its graph; 0 while the graph is being built. */
  searchEf: number;
  /** Its graph keeps int8 codes in memory and its float32 vectors are read from disk (serve --quantization). */
  vectorsOnDisk: boolean;
  /** Its graph is mapped from its file and served through the page cache rather than held in memory (serve --graphs-on-disk). */
  graphOnDisk: boolean;
  /** Fusion indexes only: how many of the vector fields have a graph of their own in this segment (too few rows with a field get none). */
  fieldGraphs?: number;
  /** Fusion indexes only: whether this segment's field graphs are still being built (its rows are scanned exactly meanwhile). */
  fieldGraphsPending?: boolean;
}

/** The latest failure of an index's background work (flush, merge, compaction), kept after it heals. */
export interface AdminBackgroundFailure {
  task: string;
  error: string;
  at: string;
  attempts: number;
  retryAt: string | null;
  resolved: boolean;
}

/** The storage state of an index (describeIndex, and compactIndex once it is done). */
export interface DescribeIndexResult extends ResultMetadata {
  /** Live vectors. */
  count: number;
  /** Rows written but not yet flushed into a segment. */
  memtableRows: number;
  /** Flushes, merges and compactions queued or running. */
  backgroundTasks: number;
  lastBackgroundFailure: AdminBackgroundFailure | null;
  segments: AdminSegmentSummary[];
  /**
   * Bytes the index holds in memory by part, and their total: typed arrays counted exactly, JS values
   * and graph structures estimated (ossv only; absent from servers that do not account memory).
   */
  memory?: { vectors: number; graphs: number; metadata: number; filterCache: number; total: number };
}

export interface CreateSnapshotOptions extends RequestOptions {
  /** Copy master.key into the snapshot too (default true). */
  withMasterKey?: boolean;
}

/** What the server reports of the copy it made. */
export interface CreateSnapshotResult extends ResultMetadata {
  dest: string;
  createdAt: string;
  /** The catalog object copied; absent for a data directory that never committed one. */
  catalog?: string;
  indexes: number;
  files: number;
  bytes: number;
  /** Of `files`, how many are hard links to the data directory's own (immutable) files. */
  linked: number;
  ms: number;
  /** "included", "left-out" (asked not to), or "configured" (the server's key is not a file). */
  masterKey: "included" | "left-out" | "configured";
}
