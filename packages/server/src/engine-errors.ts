// The one table that turns engine error codes into API error codes (design §7).
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
};

/** Engine failures become API errors with the table's default message, except where ours helps. */
export function toApiError(error: unknown): ApiError | undefined {
  if (error instanceof ApiError) return error;
  if (!(error instanceof EngineError)) return undefined;
  const code = API_CODE_FOR[error.code];
  const keepMessage = error.code === "INVALID_TOKEN" || error.code === "INDEX_LIMIT";
  return new ApiError(code, keepMessage ? error.message : undefined);
}
