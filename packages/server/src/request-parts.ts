// Pieces of a request both pipelines read the same way: its headers as a map, the facts policy
// conditions test, and the caller as the access log names it.
import type { IncomingMessage } from "node:http";
import type { TLSSocket } from "node:tls";
import { ApiError, type RequestFacts } from "@ossv/protocol";
import type { Principal } from "./authenticate.ts";
import type { LoggedPrincipal } from "./pipeline-settings.ts";

export function loggedPrincipal(principal: Principal): LoggedPrincipal {
  if (principal.kind === "anonymous") return { type: "anonymous" };
  const { key } = principal;
  return {
    type: principal.userName === undefined ? "root" : "user", accountId: principal.accountId, accessKeyId: key.accessKeyId,
    ...(principal.userName !== undefined ? { userName: principal.userName } : {}),
    ...(key.securityToken !== undefined ? { temporary: true as const } : {}),
  };
}

/**
 * Headers that carry one value. Repeated ones would be joined with "," like list headers, and two
 * Authorization headers joined that way parse as one whose fields come from both (the same one twice
 * was even accepted), so a repeat is refused instead.
 */
const SINGLE_VALUED = new Set(["authorization"]);

export function headerMap(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (name in headers && SINGLE_VALUED.has(name)) {
      throw new ApiError("InvalidArgument", `The request carries more than one ${req.rawHeaders[i]} header.`);
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return headers;
}

/** What policy conditions can test about a request (acs:SourceIp, acs:SecureTransport, ...). */
export function requestFacts(req: IncomingMessage, now: () => number): RequestFacts {
  return {
    sourceIp: req.socket.remoteAddress ?? "",
    secureTransport: (req.socket as TLSSocket).encrypted === true,
    currentTime: new Date(now()),
    userAgent: req.headers["user-agent"] ?? "",
  };
}
