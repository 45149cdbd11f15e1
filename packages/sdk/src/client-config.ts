// The options of `new VectorsClient(...)` (and of `new AdminClient(...)`, which shares how requests are
// signed and sent) and their resolved form.
import { contentMd5 } from "@ossv/protocol";
import { SigningClock } from "./clock.ts";
import { toCredentialsProvider, type CredentialsOption, type CredentialsProvider } from "./credentials.ts";
import { resolveEndpoint, type ResolvedEndpoint } from "./endpoint.ts";
import { ParamRequiredError } from "./errors.ts";
import { fetchHandler, type FetchLike } from "./fetch-handler.ts";
import type { Handler } from "./http.ts";
import { resolveRetryOptions, type ResolvedRetryOptions, type RetryOptions } from "./retry.ts";
import { defaultUserAgent, isBrowser } from "./user-agent.ts";

/** What every client of the package takes: the signing region, the keys, and how requests are sent. */
export interface BaseClientConfig {
  /** General Alibaba Cloud region id, e.g. `cn-hangzhou` (not `oss-cn-hangzhou`). */
  region: string;
  /** A provider, or plain keys. Default: the OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET environment. */
  credentials?: CredentialsOption;
  /** http instead of https (an explicit scheme in `endpoint` wins). */
  disableSsl?: boolean;
  /** Retry settings, or `false` for a single attempt. */
  retry?: RetryOptions | false;
  /** Limit for each attempt (headers and body); 0 disables. Default 60 000 ms. */
  timeoutMs?: number;
  /** A fetch implementation; default the global one (on Node the default transport is undici's request). */
  fetch?: FetchLike;
  /**
   * The send step itself (one HTTP exchange, see `Handler`); wins over `fetch`. On Node the package's
   * default is `undiciHandler()`, which costs far less CPU per request than fetch.
   */
  requestHandler?: Handler;
  /** Clock used for signing; for tests and for callers with their own time source. */
  now?: () => Date;
  /** Extra headers to sign (docs/protocol.md#signed-headers), e.g. `["host"]`. */
  additionalHeaders?: string[];
  /** Appended to the User-Agent. */
  userAgentSuffix?: string;
  /**
   * How to compute the Content-MD5 header every request carries. The default is a portable pure-JS
   * MD5, which costs about 15 ms per MB of body; pass a faster one where the platform has it (on
   * Node: `(body) => createHash("md5").update(body).digest("base64")`), or `false` to send none
   * (the service then relies on TCP/TLS integrity alone).
   */
  contentMd5?: false | ((body: Uint8Array) => string);
}

export interface VectorsClientConfig extends BaseClientConfig {
  /** The numeric id of the account that owns the buckets; part of every host and signature. */
  accountId: string;
  /** `host[:port]`, optionally with `http://` or `https://`; wins over the region's endpoint. */
  endpoint?: string;
  /** Use `{region}-internal.oss-vectors.aliyuncs.com` (from inside the region's VPC). */
  useInternalEndpoint?: boolean;
  /** `{endpoint}/{bucket}/` instead of `{bucket}-{accountId}.{endpoint}`; automatic for IP hosts. */
  usePathStyle?: boolean;
}

/** The resolved BaseClientConfig. */
export interface ResolvedBaseConfig {
  region: string;
  credentials: CredentialsProvider;
  retry: ResolvedRetryOptions;
  timeoutMs: number;
  /** The send step at the bottom of the middleware stack. */
  send: Handler;
  clock: SigningClock;
  additionalHeaders: string[];
  userAgent: string | undefined;
  /** undefined: send no Content-MD5. */
  contentMd5: ((body: Uint8Array) => string) | undefined;
}

export interface ResolvedClientConfig extends ResolvedBaseConfig {
  accountId: string;
  endpoint: ResolvedEndpoint;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** `client` names the client in the User-Agent (`vectors-client`, `admin-client`). */
export function resolveBaseConfig(config: BaseClientConfig, client: string): ResolvedBaseConfig {
  if (!config?.region) throw new ParamRequiredError("region");
  const fetchImpl = config.fetch ?? ((input: string, init: RequestInit) => globalThis.fetch(input, init));
  return {
    region: config.region,
    credentials: toCredentialsProvider(config.credentials),
    retry: resolveRetryOptions(config.retry === false ? { maxAttempts: 1 } : config.retry),
    timeoutMs: config.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    send: config.requestHandler ?? fetchHandler(fetchImpl),
    clock: new SigningClock(config.now),
    additionalHeaders: (config.additionalHeaders ?? []).map((name) => name.toLowerCase()),
    userAgent: isBrowser() ? undefined : defaultUserAgent(config.userAgentSuffix, client),
    contentMd5: config.contentMd5 === false ? undefined : config.contentMd5 ?? contentMd5,
  };
}

export function resolveClientConfig(config: VectorsClientConfig): ResolvedClientConfig {
  const base = resolveBaseConfig(config, "vectors-client");
  if (!config.accountId) throw new ParamRequiredError("accountId");
  return { ...base, accountId: String(config.accountId), endpoint: resolveEndpoint(config) };
}
