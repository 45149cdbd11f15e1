// What an operation is to the client: how to turn a typed request into query, headers and body, and
// how to read a successful response. Method, sub-resource and addressing come from the protocol's
// OPERATIONS table, so client and server cannot disagree about them.
import type { OperationName } from "@ossv/protocol";
import type { RequestOperation } from "./admin/operations.ts";
import { ClientError, InvalidParamError, ParamRequiredError } from "./errors.ts";
import type { HttpResponse } from "./http.ts";
import { isJsonObject, type JsonObject } from "./json.ts";
import type { ResultMetadata } from "./types.ts";

/** One query parameter; `undefined` as the value sends the bare name (`?marker`). */
export type QueryParam = readonly [name: string, value: string | undefined];

export interface SerializedInput {
  /** The bucket addressed; absent only for ListVectorBuckets. */
  bucket?: string;
  /** Parameters after the operation's sub-resource, in the order to send. */
  query?: QueryParam[];
  headers?: Record<string, string>;
  /** A JSON body (keys sorted when written). Absent means no body at all. */
  json?: JsonObject;
  /** A body sent exactly as given (PutBucketPolicy), with Content-Type application/json. */
  text?: string;
}

export type ResultFields<R extends ResultMetadata> = Omit<R, keyof ResultMetadata>;

export interface OperationDefinition<I, R extends ResultMetadata> {
  readonly name: OperationName;
  serialize(input: I): SerializedInput;
  deserialize(response: HttpResponse): ResultFields<R>;
}

/** Throws ParamRequiredError unless `input[name]` is present (and, for strings, non-empty). */
export function requireParam<T extends object>(input: T, name: keyof T & string, operation: OperationName): void {
  const value = (input as Record<string, unknown> | undefined)?.[name];
  if (value === undefined || value === null || value === "") throw new ParamRequiredError(name, { operation });
}

/** Requires a non-empty array parameter. */
export function requireList<T extends object>(input: T, name: keyof T & string, operation: OperationName): void {
  requireParam(input, name, operation);
  const value = (input as Record<string, unknown>)[name];
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidParamError(name, "must be a non-empty array", { operation });
  }
}

/** The JSON object of a response body; an empty body reads as `{}` (204s, tolerant servers). */
export function readJsonBody(response: HttpResponse, operation: RequestOperation): JsonObject {
  if (response.body.length === 0) return {};
  const text = new TextDecoder().decode(response.body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ClientError("UnmarshalOutputFail", `${operation}: response body is not JSON`, { operation, cause: error });
  }
  if (!isJsonObject(parsed)) {
    throw new ClientError("UnmarshalOutputFail", `${operation}: response body is not a JSON object`, { operation });
  }
  return parsed;
}

/** Keeps only the members that are set, so optional request fields are omitted from the wire. */
export function definedOnly(fields: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}

/** Status, request id and headers of a response, which every result carries. */
export function resultMetadata(response: HttpResponse): ResultMetadata {
  return {
    statusCode: response.statusCode,
    requestId: response.headers["x-oss-request-id"] ?? "",
    headers: response.headers,
  };
}
