// An admin call -> HttpRequest: `/-/admin/{path}` on the configured endpoint, with the headers every
// request of this SDK carries (Content-MD5, Content-Type for a body, User-Agent).
import type { HttpMethod } from "@ossv/protocol";
import type { ResolvedEndpoint } from "../endpoint.ts";
import { InvalidParamError } from "../errors.ts";
import type { HttpRequest } from "../http.ts";
import { encodeJson, type JsonObject } from "../json.ts";
import type { AdminOperationName } from "./operations.ts";

export const ADMIN_PATH_PREFIX = "/-/admin/";

export interface AdminCall {
  operation: AdminOperationName;
  method: HttpMethod;
  /** Below `/-/admin/`, each part already %-encoded; sent and signed exactly as given. */
  path: string;
  /** A JSON object (written with sorted keys), or text sent as it is (a policy document). */
  body?: JsonObject | string;
}

export interface AdminRequestSettings {
  endpoint: ResolvedEndpoint;
  userAgent?: string | undefined;
  contentMd5?: ((body: Uint8Array) => string) | undefined;
}

/** A path the server can route: no query, fragment or whitespace, and not empty. */
function checkPath(call: AdminCall): void {
  if (call.path === "" || /[?#\s]/.test(call.path) || call.path.startsWith("/")) {
    throw new InvalidParamError("path", "a path below /-/admin/ without a leading '/', query, fragment or whitespace",
      { operation: call.operation });
  }
}

export function buildAdminRequest(call: AdminCall, settings: AdminRequestSettings): HttpRequest {
  checkPath(call);
  const body = typeof call.body === "string" ? new TextEncoder().encode(call.body)
    : call.body !== undefined ? encodeJson(call.body) : undefined;
  const headers: Record<string, string> = {};
  if (settings.contentMd5) headers["content-md5"] = settings.contentMd5(body ?? new Uint8Array(0));
  if (body !== undefined) headers["content-type"] = "application/json";
  if (settings.userAgent) headers["user-agent"] = settings.userAgent;
  const { protocol, host } = settings.endpoint;
  return { method: call.method, protocol, host, path: `${ADMIN_PATH_PREFIX}${call.path}`, rawQuery: "", headers, body };
}
