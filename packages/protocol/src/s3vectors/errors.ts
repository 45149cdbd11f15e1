// The AWS S3 Vectors error catalogue (docs/s3-vectors.md#errors): each exception's HTTP status as the
// service model gives it, plus the signature exceptions AWS JSON services answer with. The server
// writes them as `x-amzn-ErrorType: <type>` and `{"__type","message"[,"fieldList"]}`, which is what
// both SDKs read.

export const S3V_ERROR_STATUS = {
  ValidationException: 400,
  AccessDeniedException: 403,
  NotFoundException: 404,
  RequestTimeoutException: 408,
  ConflictException: 409,
  ServiceQuotaExceededException: 402,
  TooManyRequestsException: 429,
  InternalServerException: 500,
  ServiceUnavailableException: 503,
  // Signature and credential failures: not in the S3 Vectors model, named as AWS JSON services name them.
  MissingAuthenticationTokenException: 403,
  IncompleteSignatureException: 400,
  InvalidSignatureException: 403,
  UnrecognizedClientException: 403,
  ExpiredTokenException: 403,
  // A method the path's operation does not take (GET /CreateIndex), as AWS JSON services answer it.
  UnknownOperationException: 404,
} as const;

export type S3vErrorType = keyof typeof S3V_ERROR_STATUS;

/** One entry of a ValidationException's `fieldList`: the JSON pointer of the member and what is wrong. */
export interface S3vFieldError {
  path: string;
  message: string;
}

export class S3VectorsError extends Error {
  readonly type: S3vErrorType;
  readonly status: number;
  readonly fieldList: readonly S3vFieldError[] | undefined;

  constructor(type: S3vErrorType, message: string, fieldList?: S3vFieldError[]) {
    super(message);
    this.name = "S3VectorsError";
    this.type = type;
    this.status = S3V_ERROR_STATUS[type];
    this.fieldList = fieldList;
  }

  /** The JSON error body both SDKs parse. */
  body(): Record<string, unknown> {
    return { __type: this.type, message: this.message, ...(this.fieldList && { fieldList: this.fieldList }) };
  }
}

/** A ValidationException about one member, worded like the service's: "1 validation error detected. …". */
export function fieldInvalid(path: string, problem: string): S3VectorsError {
  return new S3VectorsError("ValidationException", `1 validation error detected. Value at '${path}' ${problem}`, [{ path, message: problem }]);
}

/** A ValidationException with the service's wording for a length constraint. */
export function lengthInvalid(path: string, length: number, min: number, max: number): S3VectorsError {
  const problem = `failed to satisfy constraint: Member must have length between ${min} and ${max}, inclusive`;
  return new S3VectorsError("ValidationException", `1 validation error detected. Value with length ${length} at '${path}' ${problem}`, [{ path, message: problem }]);
}

export function validation(message: string, path?: string): S3VectorsError {
  return new S3VectorsError("ValidationException", message, path === undefined ? undefined : [{ path, message }]);
}

export const BUCKET_NOT_FOUND = "The specified vector bucket could not be found";
export const INDEX_NOT_FOUND = "The specified index could not be found";
export const POLICY_NOT_FOUND = "The specified vector bucket policy could not be found";

export function notFound(message: string): S3VectorsError {
  return new S3VectorsError("NotFoundException", message);
}
