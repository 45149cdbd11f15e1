// Starting and stopping an ossv server: HTTP or HTTPS, port 0 for tests, clean shutdown that lets
// in-flight requests finish (acknowledged writes are already durable).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { DEFAULT_LIMITS, type LimitsProfile } from "@ossv/protocol";
import { openEngine, type CheckpointPolicy, type Engine } from "@ossv/engine";
import { bootstrapAccount, type RootAccount } from "./accounts.ts";
import { handleRequest, type AccessLogEntry } from "./pipeline.ts";
import { loadMasterKey, SecretBox } from "./secret-box.ts";

export interface ServerOptions {
  dataDir: string;
  port?: number;
  /** Default "::": every interface, IPv4 and IPv6. */
  host?: string;
  region?: string;
  limits?: LimitsProfile;
  /** The first account's root key; created (and reported once) when absent. */
  account?: RootAccount;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** `host[:port]` to report as buckets' endpoints (behind a proxy); default: the one each request reached. */
  publicEndpoint?: string;
  /** Base64 of 32 bytes that seals access key secrets at rest; default: `<dataDir>/master.key`. */
  masterKey?: string;
  maxBodyBytes?: number;
  maxSkewMs?: number;
  /** Receives one access-log entry per request; default: none. */
  onRequest?: (entry: AccessLogEntry) => void;
  onInternalError?: (error: unknown, requestId: string) => void;
  now?: () => number;
  /** When collections flush, checkpoint and merge; tests pass tiny values so segments form within a few writes. */
  checkpoint?: Partial<CheckpointPolicy>;
}

export interface RunningServer {
  url: string;
  port: number;
  region: string;
  accountId: string;
  rootCredentials: { accessKeyId: string; accessKeySecret: string };
  /** True when this start generated the root key (its secret should be shown once). */
  generatedRootKey: boolean;
  engine: Engine;
  close(): Promise<void>;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host, ipv6Only: false }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

async function listenWithFallback(server: Server, port: number, host: string | undefined): Promise<void> {
  if (host !== undefined) return listen(server, port, host);
  try {
    await listen(server, port, "::");
  } catch (error) {
    // Machines without IPv6 refuse "::"; all IPv4 interfaces is the next best default.
    if ((error as NodeJS.ErrnoException).code !== "EAFNOSUPPORT" && (error as NodeJS.ErrnoException).code !== "EADDRNOTAVAIL") throw error;
    await listen(server, port, "0.0.0.0");
  }
}

function urlFor(server: Server, tls: boolean): string {
  const address = server.address() as AddressInfo;
  const wildcard = address.address === "::" || address.address === "0.0.0.0";
  const host = wildcard ? "127.0.0.1" : address.family === "IPv6" ? `[${address.address}]` : address.address;
  return `${tls ? "https" : "http"}://${host}:${address.port}`;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const region = options.region ?? "cn-hangzhou";
  const engine = await openEngine({ dataDir: options.dataDir, ...(options.checkpoint && { checkpoint: options.checkpoint }) });
  const secrets = new SecretBox(await loadMasterKey(options.dataDir, options.masterKey));
  const { root, generated } = await bootstrapAccount(engine.catalog, secrets, options.account);
  const settings = {
    engine, region, secrets, publicEndpoint: options.publicEndpoint, limits: options.limits ?? DEFAULT_LIMITS,
    maxBodyBytes: options.maxBodyBytes ?? 64 * 1024 * 1024,
    maxSkewMs: options.maxSkewMs ?? FIFTEEN_MINUTES,
    now: options.now ?? Date.now,
    log: options.onRequest ?? (() => {}),
    onInternalError: options.onInternalError ?? ((error: unknown, id: string) => console.error(`[${id}] internal error:`, error)),
  };
  const listener = (req: IncomingMessage, res: ServerResponse) => void handleRequest(req, res, settings);
  const server = options.tls ? createHttpsServer(options.tls, listener) : createHttpServer(listener);
  server.keepAliveTimeout = 30_000;
  await listenWithFallback(server, options.port ?? 9000, options.host);
  let closing: Promise<void> | undefined;
  return {
    url: urlFor(server, options.tls !== undefined),
    port: (server.address() as AddressInfo).port,
    region, accountId: root.accountId, generatedRootKey: generated, engine,
    rootCredentials: { accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret },
    close: () => (closing ??= shutdown(server, engine)),
  };
}

async function shutdown(server: Server, engine: Engine): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const forceAfter = setTimeout(() => server.closeAllConnections(), 10_000);
  await closed;
  clearTimeout(forceAfter);
  await engine.close();
}
