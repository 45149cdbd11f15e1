// Typed request -> HttpRequest: the operation's method and sub-resource from the protocol table,
// the URL from the endpoint settings, a body with its Content-MD5 (on every request, like the Go SDK:
// an empty body gets the MD5 of nothing; none only when the client is configured with
// contentMd5: false) and Content-Type for JSON bodies.
import { OPERATIONS, uriEncode } from "@ossv/protocol";
import { isValidBucketName, locate, type ResolvedEndpoint } from "./endpoint.ts";
import { InvalidParamError } from "./errors.ts";
import type { HttpRequest } from "./http.ts";
import { encodeJson } from "./json.ts";
import type { OperationDefinition, QueryParam } from "./operation.ts";
import type { ResultMetadata } from "./types.ts";

export interface RequestSettings {
  endpoint: ResolvedEndpoint;
  accountId: string;
  /** Omitted in browsers, which do not let scripts set it. */
  userAgent?: string | undefined;
  /** undefined: send no Content-MD5 (VectorsClientConfig.contentMd5 = false). */
  contentMd5?: ((body: Uint8Array) => string) | undefined;
}

export interface BuiltRequest {
  request: HttpRequest;
  bucket?: string;
}

/** `sub&k=v&bare`: the sub-resource first and valueless (`?putVectors`), then the parameters. */
export function encodeQuery(subResource: string, params: readonly QueryParam[] = []): string {
  const items = subResource ? [subResource] : [];
  for (const [name, value] of params) {
    items.push(value === undefined ? uriEncode(name) : `${uriEncode(name)}=${uriEncode(value)}`);
  }
  return items.join("&");
}

function encodeBody(json: object | undefined, text: string | undefined): Uint8Array | undefined {
  if (text !== undefined) return new TextEncoder().encode(text);
  if (json !== undefined) return encodeJson(json);
  return undefined;
}

export function buildRequest<I, R extends ResultMetadata>(
  definition: OperationDefinition<I, R>, input: I, settings: RequestSettings,
): BuiltRequest {
  const serialized = definition.serialize(input);
  const { bucket } = serialized;
  if (bucket !== undefined && !isValidBucketName(bucket)) {
    throw new InvalidParamError("bucket", "3-63 characters of a-z, 0-9 and '-', not starting or ending with '-'",
      { operation: definition.name });
  }
  const spec = OPERATIONS[definition.name];
  const body = encodeBody(serialized.json, serialized.text);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(serialized.headers ?? {})) headers[name.toLowerCase()] = value;
  if (settings.contentMd5) headers["content-md5"] = settings.contentMd5(body ?? new Uint8Array(0));
  if (body !== undefined) headers["content-type"] = "application/json";
  if (settings.userAgent) headers["user-agent"] = settings.userAgent;
  const location = locate(settings.endpoint, settings.accountId, bucket);
  const request: HttpRequest = {
    method: spec.method, ...location, rawQuery: encodeQuery(spec.subResource, serialized.query), headers, body,
  };
  return bucket === undefined ? { request } : { request, bucket };
}
