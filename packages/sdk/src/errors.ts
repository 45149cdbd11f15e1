// Every failure the SDK reports is one of these classes, so callers can branch on `instanceof` and on
// `retryable` without parsing messages (docs/protocol.md#errors-in-clients: errors carry status, code,
// request id, retryability).
import type { RequestOperation } from "./admin/operations.ts";

/** Status codes that the official SDKs retry (docs/protocol.md#retries) regardless of the error code. */
const RETRYABLE_STATUS = new Set([401, 408, 429]);
/** Error codes that the official SDKs retry (docs/protocol.md#retries) regardless of the status. */
const RETRYABLE_CODES = new Set(["RequestTimeTooSkewed", "BadRequest"]);

export function isRetryableServiceFailure(statusCode: number, code: string): boolean {
  return statusCode >= 500 || RETRYABLE_STATUS.has(statusCode) || RETRYABLE_CODES.has(code);
}

export interface ServiceErrorFields {
  statusCode: number;
  code: string;
  message: string;
  requestId: string;
  ec: string;
  operation?: RequestOperation;
  headers: Record<string, string>;
  /** `HostId` of the error body, when sent. */
  hostId?: string;
  /** Every string member of the error body, including ones the SDK does not model (`BucketName`...). */
  details?: Record<string, string>;
  /** `METHOD url` of the request that failed. */
  requestTarget?: string;
}

/** The service answered with an error status (4xx/5xx). */
export class ServiceError extends Error {
  override readonly name = "ServiceError";
  readonly statusCode: number;
  readonly code: string;
  readonly requestId: string;
  readonly ec: string;
  readonly operation: RequestOperation | undefined;
  readonly headers: Record<string, string>;
  readonly hostId: string | undefined;
  readonly details: Record<string, string>;
  readonly requestTarget: string | undefined;
  readonly retryable: boolean;
  /** How many attempts were made before giving up; set by the retry middleware. */
  attempts = 1;

  constructor(fields: ServiceErrorFields) {
    super(fields.message);
    this.statusCode = fields.statusCode;
    this.code = fields.code;
    this.requestId = fields.requestId;
    this.ec = fields.ec;
    this.operation = fields.operation;
    this.headers = fields.headers;
    this.hostId = fields.hostId;
    this.details = fields.details ?? {};
    this.requestTarget = fields.requestTarget;
    this.retryable = isRetryableServiceFailure(fields.statusCode, fields.code);
  }
}

export interface ClientErrorOptions {
  operation?: RequestOperation;
  cause?: unknown;
}

/**
 * Something went wrong on this side of the wire: a response that cannot be decoded
 * (code `UnmarshalOutputFail`), an invalid parameter, missing credentials. The subclasses below
 * separate the cases callers usually treat differently.
 */
export class ClientError extends Error {
  override name = "ClientError";
  readonly code: string;
  readonly operation: RequestOperation | undefined;
  readonly retryable: boolean = false;
  attempts = 1;

  constructor(code: string, message: string, options: ClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.operation = options.operation;
  }
}

/** A required request parameter (or client option) is missing or empty. */
export class ParamRequiredError extends ClientError {
  override name = "ParamRequiredError";
  readonly param: string;

  constructor(param: string, options: ClientErrorOptions = {}) {
    const where = options.operation ? ` for ${options.operation}` : "";
    super("ParamRequired", `missing required parameter \`${param}\`${where}`, options);
    this.param = param;
  }
}

/** A parameter is present but cannot be sent as given (e.g. a bucket name that is not a DNS label). */
export class InvalidParamError extends ClientError {
  override name = "InvalidParamError";
  readonly param: string;

  constructor(param: string, reason: string, options: ClientErrorOptions = {}) {
    super("InvalidParam", `invalid parameter \`${param}\`: ${reason}`, options);
    this.param = param;
  }
}

/** The credentials provider failed or found nothing. */
export class CredentialsError extends ClientError {
  override name = "CredentialsError";

  constructor(message: string, options: ClientErrorOptions = {}) {
    super("CredentialsError", message, options);
  }
}

/** The connection failed: refused, reset, dropped mid-response, DNS... Retryable. */
export class NetworkError extends ClientError {
  override name = "NetworkError";
  override readonly retryable = true;

  constructor(message: string, options: ClientErrorOptions = {}) {
    super("NetworkError", message, options);
  }
}

/** An attempt did not complete (headers and body) within its time limit. Retryable. */
export class TimeoutError extends ClientError {
  override name = "TimeoutError";
  override readonly retryable = true;
  readonly timeoutMs: number;

  constructor(timeoutMs: number, options: ClientErrorOptions = {}) {
    super("RequestTimeout", `request did not complete within ${timeoutMs} ms`, options);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired. Never retried; `cause` is the signal's reason. */
export class AbortError extends ClientError {
  override name = "AbortError";

  constructor(options: ClientErrorOptions = {}) {
    super("Aborted", "the request was aborted", options);
  }
}

/** Whether the retry middleware may try again after this error. */
export function isRetryableError(error: unknown): boolean {
  return (error instanceof ServiceError || error instanceof ClientError) && error.retryable;
}
