// The one table that turns engine error codes into API error codes (docs/architecture.md#errors).
import { ApiError, type ErrorCode } from "@ossv/protocol";
import { EngineError, type EngineErrorCode } from "@ossv/engine";

const API_CODE_FOR: Record<EngineErrorCode, ErrorCode> = {
  ACCOUNT_EXISTS: "InvalidArgument",
  NO_SUCH_ACCOUNT: "AccessDenied",
  ACCESS_KEY_EXISTS: "InvalidArgument",
  NO_SUCH_ACCESS_KEY: "NoSuchAccessKey",
  USER_EXISTS: "UserAlreadyExists",
  NO_SUCH_USER: "NoSuchUser",
  NO_SUCH_POLICY: "NoSuchUserPolicy",
  BUCKET_EXISTS: "BucketAlreadyExists",
  NO_SUCH_BUCKET: "NoSuchBucket",
  BUCKET_NOT_EMPTY: "BucketNotEmpty",
  INDEX_EXISTS: "VectorBucketIndexAlreadyExist",
  NO_SUCH_INDEX: "NoSuchVectorIndex",
  INDEX_LIMIT: "VectorBucketIndexExceedLimit",
  INVALID_TOKEN: "VectorIndexParameterInvalid",
  CLOSED: "ServiceUnavailable",
  LOCKED: "ServiceUnavailable",
  UNAVAILABLE: "ServiceUnavailable",
  INVALID_ARGUMENT: "InvalidArgument",
};

/** Error codes of a file system that has no room left (ENOSPC) or a quota that is spent (EDQUOT). */
const NO_ROOM = new Set(["ENOSPC", "EDQUOT"]);

/** Whether `error`, or an error it wraps, says the disk is full. */
function isDiskFull(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) {
    if (NO_ROOM.has(String((current as NodeJS.ErrnoException).code))) return true;
  }
  return false;
}

/**
 * A full disk is the server's trouble, not the client's, and it passes: 503 ServiceUnavailable, which
 * the SDKs retry, with a message that says what happened and that nothing was stored.
 */
const DISK_FULL_MESSAGE = "The server's disk is full: nothing was stored. Retry once space has been freed.";

/** Engine failures become API errors with the table's default message, except where ours helps. */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (isDiskFull(error)) return new ApiError("ServiceUnavailable", DISK_FULL_MESSAGE);
  if (!(error instanceof EngineError)) return undefined;
  const code = API_CODE_FOR[error.code];
  const keepMessage = error.code === "INVALID_TOKEN" || error.code === "INDEX_LIMIT";
  return new ApiError(code, keepMessage ? error.message : undefined);
}
