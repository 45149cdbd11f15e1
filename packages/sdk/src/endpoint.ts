// Where a request goes (docs/protocol.md#endpoints-and-addressing): the region's public or internal
// endpoint unless one is configured, then virtual-hosted `{bucket}-{accountId}.{endpoint}` or path-style
// `{endpoint}/{bucket}/`.
import { internalEndpoint, publicEndpoint } from "@ossv/protocol";
import { InvalidParamError } from "./errors.ts";

export interface EndpointOptions {
  region: string;
  endpoint?: string;
  useInternalEndpoint?: boolean;
  usePathStyle?: boolean;
  disableSsl?: boolean;
}

export interface ResolvedEndpoint {
  protocol: "http:" | "https:";
  /** Host with optional port, no scheme, no path. */
  host: string;
  usePathStyle: boolean;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether a host (port stripped) is an IPv4 or bracketed IPv6 literal. */
export function isIpHost(host: string): boolean {
  if (host.startsWith("[")) return true;
  return IPV4.test(host.replace(/:\d+$/, ""));
}

/**
 * An explicit endpoint wins over the region; its scheme (if any) wins over `disableSsl`. Path style
 * is used when asked for or when the host is an IP address, since `{bucket}-{acct}.1.2.3.4` is no
 * host at all (the Go SDK makes the same choice).
 */
export function resolveEndpoint(options: EndpointOptions): ResolvedEndpoint {
  let protocol: "http:" | "https:" = options.disableSsl ? "http:" : "https:";
  let host: string;
  if (options.endpoint) {
    const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(options.endpoint.trim());
    if (match) {
      const scheme = match[1]!.toLowerCase();
      if (scheme !== "http" && scheme !== "https") {
        throw new InvalidParamError("endpoint", `unsupported scheme "${scheme}"`);
      }
      protocol = `${scheme}:`;
    }
    host = (match ? match[2]! : options.endpoint.trim()).replace(/\/.*$/, "");
    if (!host) throw new InvalidParamError("endpoint", "no host");
  } else {
    host = options.useInternalEndpoint ? internalEndpoint(options.region) : publicEndpoint(options.region);
  }
  return { protocol, host, usePathStyle: Boolean(options.usePathStyle) || isIpHost(host) };
}

export interface RequestLocation {
  protocol: "http:" | "https:";
  host: string;
  path: string;
}

/** Host and path for a request; no bucket means the account-level ListVectorBuckets. */
export function locate(endpoint: ResolvedEndpoint, accountId: string, bucket?: string): RequestLocation {
  const { protocol, host } = endpoint;
  if (bucket === undefined) return { protocol, host, path: "/" };
  if (endpoint.usePathStyle) return { protocol, host, path: `/${bucket}/` };
  return { protocol, host: `${bucket}-${accountId}.${host}`, path: "/" };
}

// The generic OSS rule the Go and Python SDKs check (docs/protocol.md#limits); the service's own rule is
// stricter but docs disagree on it, so the server stays the judge. This check only keeps the name a safe
// DNS label / path segment.
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isValidBucketName(name: string): boolean {
  return BUCKET_NAME.test(name);
}
