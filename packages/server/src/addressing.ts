// Where a request points (docs/architecture.md#addressing): the bucket and its account from a
// virtual-hosted name `{bucket}-{accountId}.{anything}`, or the bucket from a path-style `/{bucket}/`,
// or no bucket for the account-level ListVectorBuckets. Absolute-form request targets (proxies) are
// honoured.
import { splitBucketLabel } from "@ossv/protocol";

export interface Target {
  /** Host name without port, lower-cased. */
  host: string;
  /** The service endpoint this request reached (`host[:port]` without any bucket label). */
  serviceEndpoint: string;
  /** Bucket name, or undefined for the service level. */
  bucket?: string;
  /** Account id taken from a virtual-hosted name; path style leaves it to the caller's key. */
  accountId?: string;
  style: "virtual-hosted" | "path" | "service";
  /** Anything after the bucket: vector operations take none, so a non-empty one is refused. */
  objectKey: string;
  /** The query string exactly as sent, without `?`. */
  rawQuery: string;
}

export interface ParsedUrl {
  host: string;
  /** Host with its port, as the client wrote it (lower-cased). */
  authority: string;
  path: string;
  rawQuery: string;
}

/** Splits a request target (origin-form or absolute-form) and the Host header into parts. */
export function parseRequestUrl(url: string, hostHeader: string | undefined): ParsedUrl {
  let rest = url;
  let host = hostHeader ?? "";
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url);
  if (absolute) {
    host = absolute[1]!.replace(/^[^@]*@/, "");
    rest = url.slice(absolute[0].length) || "/";
  }
  const q = rest.indexOf("?");
  const path = q < 0 ? rest : rest.slice(0, q);
  const rawQuery = q < 0 ? "" : rest.slice(q + 1).replace(/#.*$/, "");
  const authority = host.toLowerCase();
  return { host: stripPort(authority), authority, path: path.startsWith("/") ? path : "/" + path, rawQuery };
}

function stripPort(host: string): string {
  if (host.startsWith("[")) return host.slice(0, host.indexOf("]") + 1);
  const colon = host.lastIndexOf(":");
  return colon >= 0 ? host.slice(0, colon) : host;
}

/**
 * Resolves the bucket a request addresses. `isKnownAccount` keeps ordinary host names that happen
 * to end in `-<digits>` (e.g. `node-1.example`) from being read as buckets: a virtual-hosted
 * name counts when its account exists, or when the path is `/` (so an unknown account answers
 * NoSuchBucket rather than silently listing buckets).
 */
export function resolveTarget(url: ParsedUrl, isKnownAccount: (id: string) => boolean): Target {
  const { host, authority, path, rawQuery } = url;
  const decodedPath = safeDecode(path);
  const firstLabel = host.includes(".") && !isIpAddress(host) ? host.slice(0, host.indexOf(".")) : "";
  const virtual = firstLabel ? splitBucketLabel(firstLabel) : undefined;
  if (virtual && (isKnownAccount(virtual.accountId) || decodedPath === "/")) {
    const serviceEndpoint = authority.slice(firstLabel.length + 1);
    return { host, serviceEndpoint, ...virtual, style: "virtual-hosted", objectKey: decodedPath.slice(1), rawQuery };
  }
  const segments = decodedPath.split("/");
  const bucket = segments[1] ?? "";
  if (bucket === "") return { host, serviceEndpoint: authority, style: "service", objectKey: "", rawQuery };
  return { host, serviceEndpoint: authority, bucket, style: "path", objectKey: segments.slice(2).join("/"), rawQuery };
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.startsWith("[") || host.includes(":");
}

/** The names of the query's parameters, `a` and `a=` alike. */
export function queryNames(rawQuery: string): string[] {
  return rawQuery.split("&").filter(Boolean).map((item) => safeDecode(item.split("=")[0]!.replace(/\+/g, " ")));
}

/** Decoded query parameters; for repeated names the first wins. */
export function queryParams(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const item of rawQuery.split("&").filter(Boolean)) {
    const eq = item.indexOf("=");
    const name = safeDecode((eq < 0 ? item : item.slice(0, eq)).replace(/\+/g, " "));
    const value = eq < 0 ? "" : safeDecode(item.slice(eq + 1).replace(/\+/g, " "));
    if (!params.has(name)) params.set(name, value);
  }
  return params;
}
