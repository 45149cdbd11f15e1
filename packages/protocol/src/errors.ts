// OSS error codes (docs/protocol.md#error-codes): each code's HTTP status, EC and default message. The
// server turns an ApiError into the JSON error body from this table; the SDK uses it to recognise codes.

export interface ErrorSpec {
  readonly status: number;
  /**
   * The EC value sent in the body and the x-oss-ec header; "" where the documentation gives none
   * (docs/protocol.md#error-codes).
   */
  readonly ec: string;
  readonly message: string;
}

// EC values the documentation gives are carried over (docs/protocol.md#error-codes); the others follow
// OSS's numbering scheme for the same class of error and are inferred (the documentation gives none for
// them; docs/protocol.md#error-codes).
export const ERROR_CODES = {
  NoSuchBucket: { status: 404, ec: "0015-00000101", message: "The specified bucket does not exist." },
  BucketAlreadyExists: { status: 409, ec: "0015-00000104", message: "The requested bucket name is not available." },
  BucketNotEmpty: { status: 409, ec: "0015-00000301", message: "The bucket has objects. Please delete them first." },
  TooManyBuckets: { status: 400, ec: "0015-00000201", message: "You have attempted to create more buckets than allowed." },
  InvalidBucketName: { status: 400, ec: "0015-00000001", message: "The specified bucket is not valid." },
  NoSuchVectorIndex: { status: 404, ec: "0047-00000101", message: "The target vector index does not exist." },
  VectorBucketIndexAlreadyExist: { status: 409, ec: "0047-00000104", message: "The vector index already exists." },
  VectorBucketIndexExceedLimit: { status: 400, ec: "0047-00000105", message: "The number of vector indexes in the bucket exceeds the limit." },
  VectorIndexParameterInvalid: { status: 400, ec: "0047-00000001", message: "A vector index parameter is invalid." },
  InvalidAccessKeyId: { status: 403, ec: "0002-00000040", message: "The OSS Access Key Id you provided does not exist in our records." },
  SignatureDoesNotMatch: { status: 403, ec: "0002-00000040", message: "The request signature we calculated does not match the signature you provided." },
  RequestTimeTooSkewed: { status: 403, ec: "0002-00000504", message: "The difference between the request time and the current time is too large." },
  AccessDenied: { status: 403, ec: "0003-00000001", message: "You have no right to access this resource." },
  // A browser's preflight that ossv's CORS settings do not allow (docs/protocol.md#cors).
  AccessForbidden: { status: 403, ec: "0034-00000002", message: "This CORS request is not allowed." },
  UserDisable: { status: 403, ec: "0003-00000801", message: "The access key or user is disabled." },
  InvalidSecurityToken: { status: 403, ec: "0002-00000060", message: "The security token you provided is invalid." },
  SecurityTokenExpired: { status: 403, ec: "0002-00000061", message: "The security token you provided has expired." },
  MissingArgument: { status: 400, ec: "0016-00000502", message: "A required argument is missing." },
  InvalidArgument: { status: 400, ec: "0016-00000501", message: "An argument is invalid." },
  MalformedJson: { status: 400, ec: "0016-00000601", message: "The request body is not valid JSON." },
  MalformedPolicy: { status: 400, ec: "0031-00000001", message: "The policy document is malformed." },
  NoSuchBucketPolicy: { status: 404, ec: "0031-00000101", message: "The bucket policy does not exist." },
  InvalidDigest: { status: 400, ec: "0016-00000401", message: "The Content-MD5 you specified is not valid." },
  EntityTooLarge: { status: 400, ec: "0016-00000701", message: "The request body is too large." },
  MethodNotAllowed: { status: 405, ec: "0016-00000801", message: "The specified method is not allowed against this resource." },
  InvalidRequest: { status: 400, ec: "0016-00000001", message: "The request is not valid." },
  BadRequest: { status: 400, ec: "0016-00000002", message: "Bad request." },
  // ossv's admin API (users, keys, policies, temporary credentials); not part of OSS Vectors.
  UserAlreadyExists: { status: 409, ec: "0052-00000104", message: "The user already exists." },
  NoSuchUser: { status: 404, ec: "0052-00000101", message: "The user does not exist." },
  NoSuchUserPolicy: { status: 404, ec: "0052-00000102", message: "No policy of that name is attached to the user." },
  NoSuchAccessKey: { status: 404, ec: "0052-00000103", message: "The access key does not exist." },
  TooManyAccessKeys: { status: 409, ec: "0052-00000105", message: "The user already has the most access keys allowed (2)." },
  InternalError: { status: 500, ec: "0000-00000001", message: "We encountered an internal error. Please try again." },
  ServiceUnavailable: { status: 503, ec: "0000-00000002", message: "The service is unavailable. Please try again." },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * An OSS API error: a code from the table, a message naming what was wrong, and optional extra
 * string fields for the error body (OSS adds e.g. `StringToSign` to SignatureDoesNotMatch).
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly ec: string;
  readonly fields: Readonly<Record<string, string>>;

  constructor(code: ErrorCode, message?: string, fields: Record<string, string> = {}) {
    const spec: ErrorSpec = ERROR_CODES[code];
    super(message ?? spec.message);
    this.name = "ApiError";
    this.code = code;
    this.status = spec.status;
    this.ec = spec.ec;
    this.fields = fields;
  }
}
