// Turns an error response into a ServiceError, reading the body the three ways the official SDKs do
// (docs/protocol.md#how-clients-read-errors) (the same branches the Go, Python and Java SDKs take), then
// falling back to headers and status.
import type { RequestOperation } from "./admin/operations.ts";
import { ServiceError } from "./errors.ts";
import type { HttpResponse } from "./http.ts";
import { isJsonObject, readField, type JsonObject } from "./json.ts";

interface ParsedErrorBody {
  code?: string;
  message?: string;
  requestId?: string;
  ec?: string;
  hostId?: string;
  details: Record<string, string>;
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
  408: "Request Timeout", 409: "Conflict", 411: "Length Required", 412: "Precondition Failed",
  413: "Payload Too Large", 429: "Too Many Requests", 500: "Internal Server Error", 501: "Not Implemented",
  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

export function statusText(response: Pick<HttpResponse, "statusCode" | "statusText">): string {
  return response.statusText || STATUS_TEXT[response.statusCode] || `HTTP ${response.statusCode}`;
}

export interface ErrorContext {
  operation?: RequestOperation;
  requestTarget?: string;
}

export function toServiceError(response: HttpResponse, context: ErrorContext = {}): ServiceError {
  const parsed = parseErrorBody(response);
  const fallbackText = statusText(response);
  return new ServiceError({
    statusCode: response.statusCode,
    code: parsed.code || fallbackText,
    message: parsed.message || fallbackText,
    requestId: parsed.requestId || response.headers["x-oss-request-id"] || "",
    ec: parsed.ec || response.headers["x-oss-ec"] || "",
    hostId: parsed.hostId,
    details: parsed.details,
    headers: response.headers,
    operation: context.operation,
    requestTarget: context.requestTarget,
  });
}

export function parseErrorBody(response: HttpResponse): ParsedErrorBody {
  const text = new TextDecoder().decode(response.body);
  const errorType = response.headers["x-oss-error-type"];
  // Only this exact media type means JSON here; `; charset=...` does not (docs/protocol.md#responses).
  const isJson = (response.headers["content-type"] ?? "").trim().toLowerCase() === "application/json";
  const json = isJson || errorType ? tryParseJson(text) : undefined;
  const errorObject = readField(json, "Error");
  if (isJsonObject(errorObject)) return fromFields(errorObject);
  if (errorType) return { code: errorType, message: stringOf(readField(json, "message")) ?? text.trim(), details: {} };
  if (isJson) return isJsonObject(json) ? fromFields(json) : { details: {} };
  return parseXmlError(text);
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function fromFields(fields: JsonObject): ParsedErrorBody {
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (typeof value === "string") details[key] = value;
  }
  const pick = (name: string) => stringOf(readField(fields, name));
  return {
    code: pick("Code"), message: pick("Message"), requestId: pick("RequestId"), ec: pick("EC"),
    hostId: pick("HostId"), details,
  };
}

/** `<Error><Code>..</Code>...</Error>`, the plain-OSS error body. */
export function parseXmlError(text: string): ParsedErrorBody {
  const inner = /<Error>([\s\S]*?)<\/Error>/.exec(text)?.[1];
  if (inner === undefined) return { details: {} };
  const details: Record<string, string> = {};
  for (const match of inner.matchAll(/<([A-Za-z][\w.-]*)>([^<]*)<\/\1>/g)) {
    details[match[1]!] = decodeXmlText(match[2]!);
  }
  return {
    code: details["Code"], message: details["Message"], requestId: details["RequestId"], ec: details["EC"],
    hostId: details["HostId"], details,
  };
}

const XML_ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity.startsWith("#x") || entity.startsWith("#X")) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith("#")) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return XML_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}
