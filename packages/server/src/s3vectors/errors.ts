// Every failure of an S3 Vectors request as one S3 Vectors exception (docs/s3-vectors.md#errors). The
// shared pieces (body reading, validators, the catalog, the policy engine) throw OSS ApiErrors or
// engine errors; this is the one table that renames them.
import { ApiError, type ErrorCode } from "@ossv/protocol";
import {
  BUCKET_NOT_FOUND, INDEX_NOT_FOUND, POLICY_NOT_FOUND, S3VectorsError, type S3vErrorType,
} from "@ossv/protocol/s3vectors";
import { EngineError } from "@ossv/engine";
import { toApiError } from "../engine-errors.ts";

/** OSS codes whose S3 counterpart has its own fixed message (the service's wording). */
const WITH_MESSAGE: Partial<Record<ErrorCode, [S3vErrorType, string]>> = {
  NoSuchBucket: ["NotFoundException", BUCKET_NOT_FOUND],
  NoSuchVectorIndex: ["NotFoundException", INDEX_NOT_FOUND],
  NoSuchBucketPolicy: ["NotFoundException", POLICY_NOT_FOUND],
  BucketAlreadyExists: ["ConflictException", "A vector bucket with the specified name already exists"],
  BucketNotEmpty: ["ConflictException", "The specified vector bucket is not empty"],
  VectorBucketIndexAlreadyExist: ["ConflictException", "An index with the specified name already exists"],
  InternalError: ["InternalServerException", "We encountered an internal error. Please try again."],
};

/** OSS codes whose message is kept, under another exception than the status would suggest. */
const KEEP_MESSAGE: Partial<Record<ErrorCode, S3vErrorType>> = {
  AccessDenied: "AccessDeniedException",
  TooManyBuckets: "ServiceQuotaExceededException",
  VectorBucketIndexExceedLimit: "ServiceQuotaExceededException",
  ServiceUnavailable: "ServiceUnavailableException",
};

function fromApiError(error: ApiError): S3VectorsError {
  const fixed = WITH_MESSAGE[error.code];
  if (fixed) return new S3VectorsError(fixed[0], fixed[1]);
  const type = KEEP_MESSAGE[error.code]
    ?? (error.status === 403 ? "AccessDeniedException" : error.status >= 500 ? "ServiceUnavailableException" : "ValidationException");
  return new S3VectorsError(type, error.message);
}

/** The exception for any failure; undefined for one that is no client's doing and no known condition (a bug). */
export function toS3vError(error: unknown): S3VectorsError | undefined {
  if (error instanceof S3VectorsError) return error;
  // The catalog's own words say what is wrong with a tag change; the OSS table would drop them.
  if (error instanceof EngineError && error.code === "INVALID_ARGUMENT") return new S3VectorsError("ValidationException", error.message);
  const api = toApiError(error);
  return api ? fromApiError(api) : undefined;
}
