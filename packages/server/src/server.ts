// Starting and stopping an ossv server: HTTP or HTTPS, port 0 for tests, clean shutdown that lets
// in-flight requests finish (acknowledged writes are already durable).
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { mkdir } from "node:fs/promises";
import { ApiError, DEFAULT_LIMITS, type LimitsProfile } from "@ossv/protocol";
import { S3_VECTORS_LIMITS } from "@ossv/protocol/s3vectors";
import { TokenSealer } from "./s3vectors/tokens.ts";
import {
  CachedBlobStore, countsRequests, logBackgroundFailure, openEngine, type BackgroundFailureReporter, type BlobStore, type CheckpointPolicy, type Engine,
  type GraphsOnDisk, type Quantization,
} from "@ossv/engine";
import { bootstrapAccount, sealedSecretSample, type RootAccount } from "./accounts.ts";
import { handleRequest, type AccessLogEntry, type PipelineSettings } from "./pipeline.ts";
import { BodyBudget } from "./body-budget.ts";
import { backupTaker } from "./backup.ts";
import { newRequestId } from "./request-id.ts";
import { sendError } from "./respond.ts";
import { loadMasterKey, SecretBox } from "./secret-box.ts";
import { answerClusterRequest, clusterForwarder, clusterToken, type ClusterAppender } from "./cluster-endpoint.ts";
import { answerClientError, refuseConnect, trackInFlight, type InFlight } from "./client-error.ts";
import { ServerMetrics } from "./metrics.ts";
import { answerOperatorRequest, type OperatorState } from "./operator-endpoints.ts";
import type { Duplex } from "node:stream";
import { corsPolicy, corsResponseHeaders, type CorsOptions, type CorsPolicy } from "./cors.ts";
import { defaultMemoryBudget } from "./memory-budget.ts";

export interface ServerOptions {
  /**
   * The local data directory: the engine's objects, unless `store` is given, and always the files
   * that stay with this machine (master.key).
   */
  dataDir: string;
  /** Where the engine keeps its objects instead of `dataDir` (an object store); the caller closes it. */
  store?: BlobStore;
  /**
   * With `store`: this server is one node of many on that store (docs/scale-out.md). `url` is where
   * the other nodes reach this one; `takeover` takes every index at start (ClusterOptions.takeover);
   * the timings are for tests (defaults: CLUSTER_DEFAULTS).
   */
  cluster?: { url?: string; takeover?: boolean; tickMs?: number; deadAfterMs?: number; pollMs?: number; idleAfterMs?: number };
  port?: number;
  /** Default "::": every interface, IPv4 and IPv6. */
  host?: string;
  region?: string;
  limits?: LimitsProfile;
  /** The region S3 Vectors clients sign for and its ARNs name (default us-east-1). */
  awsRegion?: string;
  /** The S3 Vectors API's limits; default AWS's (S3_VECTORS_LIMITS). */
  s3Limits?: LimitsProfile;
  /** The first account's root key; created (and reported once) when absent. */
  account?: RootAccount;
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** `host[:port]` to report as buckets' endpoints (behind a proxy); default: the one each request reached. */
  publicEndpoint?: string;
  /**
   * Origins whose browser pages may call this server (docs/protocol.md#cors): `{ origins: ["https://app.example.com"] }`,
   * or `["*"]` for every origin. Default: none, and no CORS headers at all.
   */
  cors?: CorsOptions;
  /** Base64 of 32 bytes that seals access key secrets at rest; default: `<dataDir>/master.key`. */
  masterKey?: string;
  maxBodyBytes?: number;
  /** Request-body bytes held in memory at once across all requests (default 4 x maxBodyBytes); past it, 503. */
  maxBodyBytesInFlight?: number;
  maxSkewMs?: number;
  /**
   * Most bytes in a ListVectors response body (default 1 MiB): a page that would pass it holds fewer
   * vectors than maxResults, with a nextToken that continues after the last one.
   */
  maxListResponseBytes?: number;
  /** Receives one access-log entry per request; default: none. */
  onRequest?: (entry: AccessLogEntry) => void;
  onInternalError?: (error: unknown, requestId: string) => void;
  /** Told of every failed background flush, checkpoint, merge or compaction; default: a line on stderr. */
  onBackgroundFailure?: BackgroundFailureReporter;
  now?: () => number;
  /** When the engine checkpoints, flushes and compacts; default DEFAULT_CHECKPOINT_POLICY. */
  checkpoint?: Partial<CheckpointPolicy>;
  /** When set, GET /-/metrics wants `Authorization: Bearer <token>`; default: open. */
  metricsToken?: string;
  /** Bytes the indexes may hold in memory (memory-budget.ts); default half the machine's memory. */
  memoryBudget?: number;
  /** Where segments keep their vectors (the engine's vector placement); default "auto": int8 codes once memory passes the budget. */
  quantization?: Quantization;
  /** Whether segments' graphs may be mapped from disk (the engine's vector placement); default "auto": once even codes would pass the budget. */
  graphsOnDisk?: GraphsOnDisk;
  /**
   * Awaited once the port is bound and before the first account is made ready (while /-/readyz
   * says 503), with the server's URL; tests use it to look at a starting server.
   */
  onListening?: (url: string) => Promise<void>;
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
  close(options?: ShutdownOptions): Promise<void>;
}

export interface ShutdownOptions {
  /** How long requests in flight may take to finish before their connections are cut (default 10 s). */
  requestGraceMs?: number;
  /**
   * End the engine's background work at once rather than wait for it (default false); see the
   * engine's CloseOptions. A stopping server uses it: a graph build can take minutes.
   */
  abandonBackground?: boolean;
}

const FIFTEEN_MINUTES = 15 * 60 * 1000;
/**
 * A ListVectors page of 1,000 vectors of 4,096 dimensions with 40 KiB of metadata each is ~90 MB of
 * JSON; 1 MiB pages (the size AWS S3 Vectors gives for its ListVectors) keep each answer quick to
 * build and hold, at about ten maximal vectors a page, and every small vector fits 1,000 to a page.
 */
const DEFAULT_LIST_RESPONSE_BYTES = 1024 * 1024;

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
  // Bad CORS origins are refused before the data directory is touched.
  if (options.cors) corsPolicy(options.cors);
  const metrics = new ServerMetrics();
  const memoryBudget = options.memoryBudget ?? defaultMemoryBudget();
  metrics.setMemoryBudget(memoryBudget);
  const store = options.store;
  if (store instanceof CachedBlobStore) metrics.attachDiskCache(() => store.stats());
  if (store && countsRequests(store)) metrics.attachStoreRequests(() => store.requestCounts());
  const reportFailure = options.onBackgroundFailure ?? logBackgroundFailure;
  // With an object store the engine does not touch dataDir, yet master.key is made there.
  if (options.store) await mkdir(options.dataDir, { recursive: true });
  // Known once the master key is loaded (serveEngine); until then forwards and appends are refused.
  const token: { value?: string } = {};
  const nodeUrl: { value?: string } = {};
  const cluster = options.store && options.cluster
    ? {
      ...options.cluster, url: () => nodeUrl.value ?? "", deferStart: true, forward: clusterForwarder(() => token.value),
    }
    : undefined;
  const engine = await openEngine({
    dataDir: options.dataDir,
    ...(options.store && { store: options.store }),
    ...(cluster && { cluster }),
    onBackgroundFailure: (event) => {
      metrics.observeBackgroundFailure(event);
      reportFailure(event);
    },
    onWalSync: metrics.observeWalSync,
    ...(options.checkpoint && { checkpoint: options.checkpoint }),
    memoryBudget,
    ...(options.quantization && { quantization: options.quantization }),
    ...(options.graphsOnDisk && { graphsOnDisk: options.graphsOnDisk }),
  });
  metrics.attach(engine);
  try {
    return await serveEngine(engine, region, options, metrics, cluster ? { engine, token, nodeUrl } : undefined);
  } catch (error) {
    await engine.close();
    throw error;
  }
}

/**
 * Binds the port first and only then creates the first account: a start that cannot serve (the port
 * is taken, say) must not leave behind an account whose generated root key was never shown.
 */
async function serveEngine(
  engine: Engine, region: string, options: ServerOptions, metrics: ServerMetrics,
  cluster: { engine: ClusterAppender & { startCluster(): void }; token: { value?: string }; nodeUrl: { value?: string } } | undefined,
): Promise<RunningServer> {
  const masterKey = await loadMasterKey(options.dataDir, options.masterKey, sealedSecretSample(engine.catalog));
  const secrets = new SecretBox(masterKey);
  if (cluster) cluster.token.value = clusterToken(masterKey);
  const log = options.onRequest;
  const onRequest = (entry: AccessLogEntry) => {
    metrics.observeRequest(entry);
    log?.(entry);
  };
  const settings = {
    ...pipelineSettings(engine, region, secrets, { ...options, onRequest }),
    backup: backupTaker(engine, options.dataDir, options.masterKey),
  };
  const { cors } = settings;
  let listener = (req: IncomingMessage, res: ServerResponse) => answerNotReady(req, res, cors);
  const operator: OperatorState = { phase: "starting", metrics, ...(options.metricsToken && { metricsToken: options.metricsToken }) };
  const inFlight: InFlight = new WeakMap();
  const dispatch = (req: IncomingMessage, res: ServerResponse) => {
    trackInFlight(inFlight, req, res);
    // Health and metrics first: they answer in every phase and need no signature.
    if (answerOperatorRequest(req, res, operator)) return;
    if (answerClusterRequest(req, res, cluster?.engine, () => cluster?.token.value, settings.maxBodyBytes)) return;
    listener(req, res);
  };
  // A missing Host is refused by the pipeline, in OSS's error shape, rather than by node with a bare 400.
  const httpOptions = { requireHostHeader: false };
  const server = options.tls ? createHttpsServer({ ...options.tls, ...httpOptions }, dispatch) : createHttpServer(httpOptions, dispatch);
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, inFlight, cors));
  // Node answers an Expect other than 100-continue with a bare 417 of its own; HTTP lets a server
  // ignore an expectation it does not know, so such requests are served like any other.
  server.on("checkExpectation", dispatch);
  // Without a 'connect' listener node drops CONNECT requests without a word; no operation takes it.
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => refuseConnect(socket));
  server.keepAliveTimeout = 30_000;
  await listenWithFallback(server, options.port ?? 9000, options.host);
  let bootstrap;
  try {
    await options.onListening?.(urlFor(server, options.tls !== undefined));
    bootstrap = await bootstrapAccount(engine.catalog, secrets, options.account);
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  // Node does not await a request listener. handleRequest turns every failure of a request into its
  // answer (an OSS error, or a closed connection), so there is nothing left to do with its promise.
  listener = (req, res) => void handleRequest(req, res, settings);
  if (cluster) {
    // The other nodes reach this one at --node-url, by default this machine's loopback and the port bound.
    cluster.nodeUrl.value = options.cluster?.url ?? `${options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
    cluster.engine.startCluster();
  }
  operator.phase = "ready";
  const { root, generated } = bootstrap;
  let closing: Promise<void> | undefined;
  return {
    url: urlFor(server, options.tls !== undefined),
    port: (server.address() as AddressInfo).port,
    region, accountId: root.accountId, generatedRootKey: generated, engine,
    rootCredentials: { accessKeyId: root.accessKeyId, accessKeySecret: root.accessKeySecret },
    close: (shutdownOptions = {}) => {
      // Readiness fails from the first moment of shutdown, so load balancers stop sending requests.
      operator.phase = "stopping";
      return (closing ??= shutdown(server, engine, shutdownOptions));
    },
  };
}

/** The options' settings for the request pipeline, defaults filled in (the in-process test helper uses it too). */
export function pipelineSettings(engine: Engine, region: string, secrets: SecretBox, options: Omit<ServerOptions, "dataDir">): PipelineSettings {
  const maxBodyBytes = options.maxBodyBytes ?? 64 * 1024 * 1024;
  const now = options.now ?? Date.now;
  return {
    engine, region, secrets, publicEndpoint: options.publicEndpoint, limits: options.limits ?? DEFAULT_LIMITS,
    ...(options.cors && { cors: corsPolicy(options.cors) }),
    maxBodyBytes,
    listResponseBytes: options.maxListResponseBytes ?? DEFAULT_LIST_RESPONSE_BYTES,
    bodyBudget: new BodyBudget(options.maxBodyBytesInFlight ?? 4 * maxBodyBytes),
    maxSkewMs: options.maxSkewMs ?? FIFTEEN_MINUTES,
    now,
    awsRegion: options.awsRegion ?? "us-east-1",
    s3Limits: options.s3Limits ?? S3_VECTORS_LIMITS,
    queryTokens: new TokenSealer(now, FIFTEEN_MINUTES),
    log: options.onRequest ?? (() => {}),
    onInternalError: options.onInternalError ?? ((error: unknown, id: string) => console.error(`[${id}] internal error:`, error)),
  };
}

/** Requests that arrive in the moment between binding the port and the account being ready. */
function answerNotReady(req: IncomingMessage, res: ServerResponse, cors: CorsPolicy | undefined): void {
  const info = { requestId: newRequestId(), host: req.headers.host ?? "", cors: corsResponseHeaders(cors, req.headers.origin) };
  req.resume();
  sendError(res, info, new ApiError("ServiceUnavailable", "ossv is starting; try again in a moment."), { "retry-after": "1" });
}

async function shutdown(server: Server, engine: Engine, options: ShutdownOptions): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const forceAfter = setTimeout(() => server.closeAllConnections(), options.requestGraceMs ?? 10_000);
  await closed;
  clearTimeout(forceAfter);
  await engine.close({ abandonBackground: options.abandonBackground ?? false });
}
