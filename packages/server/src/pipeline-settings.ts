// The request pipeline's settings and its access-log records, shared by the OSS pipeline
// (pipeline.ts) and the S3 Vectors one (s3vectors/pipeline.ts).
import type { LimitsProfile } from "@ossv/protocol";
import type { Engine } from "@ossv/engine";
import type { BodyBudget } from "./body-budget.ts";
import type { BackupTaker } from "./backup.ts";
import type { SecretBox } from "./secret-box.ts";
import type { CorsPolicy } from "./cors.ts";
import type { TokenSealer } from "./s3vectors/tokens.ts";

export interface PipelineSettings {
  engine: Engine;
  limits: LimitsProfile;
  region: string;
  maxBodyBytes: number;
  /** Most bytes in a ListVectors response body (see handlers/vector-json.ts). */
  listResponseBytes: number;
  /** Request-body bytes held in memory at once, across all requests. */
  bodyBudget: BodyBudget;
  maxSkewMs: number;
  /** Reported as a bucket's Extranet/IntranetEndpoint; default: the endpoint the request reached. */
  publicEndpoint?: string;
  /** Origins whose pages may call this server (cors.ts); undefined: no CORS. */
  cors?: CorsPolicy;
  now: () => number;
  secrets: SecretBox;
  log: (entry: AccessLogEntry) => void;
  onInternalError: (error: unknown, requestId: string) => void;
  /** Takes a backup of the data directory (the admin API's snapshots); absent, snapshots are refused. */
  backup?: BackupTaker;
  /** The region S3 Vectors clients sign for and ARNs name (docs/s3-vectors.md). */
  awsRegion: string;
  /** The S3 Vectors API's limits (AWS's, unless the server was given others). */
  s3Limits: LimitsProfile;
  /** Seals QueryVectors page tokens of the S3 Vectors API. */
  queryTokens: TokenSealer;
}

/**
 * Who made a request, as the access log names it: identifiers only. The key record itself holds the
 * (sealed) secret and a temporary key's security token, so it is never handed to the log.
 */
export type LoggedPrincipal =
  | { type: "anonymous" }
  | { type: "root" | "user"; accountId: string; accessKeyId: string; userName?: string; temporary?: true };

export interface AccessLogEntry {
  requestId: string;
  method: string;
  operation: string;
  bucket?: string;
  /** The index named in the body; absent when the body was not read or names none. */
  index?: string;
  /** Absent when the request was refused before its caller was known (a bad signature, say). */
  principal?: LoggedPrincipal;
  status: number;
  durationMs: number;
  remote: string;
  errorCode?: string;
  /** Request body bytes read: 0 for a request refused before its body was read. */
  bytesIn: number;
  /** Response body bytes written. */
  bytesOut: number;
}

