// `ossv serve`: reads its options (serve-options.ts), starts the server on the embedded store, logs
// a record per request (log.ts), and shuts down cleanly on SIGINT/SIGTERM.
import { readFileSync } from "node:fs";
import { DEFAULT_CHECKPOINT_POLICY, startServer, type AccessLogEntry, type CheckpointPolicy, type RootAccount } from "@ossv/server";
import type { S3BlobStore } from "@ossv/engine/s3";
import type { BlobStore } from "@ossv/engine";
import { createLogger, logBackgroundFailure, logInternalError, logRequest, type Logger } from "./log.ts";
import { OptionError, optionsUsage, resolveServeOptions, type ServeConfig } from "./serve-options.ts";
import { objectStoreSettings, openObjectStore, withDiskCache, type ObjectStoreSettings } from "./serve-store.ts";

function serveUsage(): string {
  return `usage: ossv serve [options]

Each option can also be set by an environment variable (OSSV_ and the option
name in capitals, dashes as underscores: --data-dir is OSSV_DATA_DIR) or by a
key of the --config file. A flag beats the environment, which beats the file,
which beats the default. Empty variables count as unset.

${optionsUsage()}
  -h, --help
      this text

The first account comes from OSSV_ACCOUNT_ID, OSSV_ROOT_ACCESS_KEY_ID and
OSSV_ROOT_ACCESS_KEY_SECRET when all three are set; otherwise an empty data
directory gets a new account whose root key is printed once, as plain lines
on standard output whatever the log format and level. These three and
OSSV_MASTER_KEY are read from the environment only.

Access key secrets are stored sealed with a master key: OSSV_MASTER_KEY
(base64 of 32 bytes) when set, else <data-dir>/master.key, made on first start.
Keep that file (or the variable) apart from copies of the data directory made
with file tools. Backups made by ossv admin snapshot create carry it so that a
restore opens the secrets, unless --without-master-key.

OSSV_CHECKPOINT_POLICY, a JSON object such as {"segmentRows":64}, overrides
fields of the storage engine's checkpoint policy (when it checkpoints, flushes
and compacts). It exists so crash tests can make that happen often; the
defaults suit every other use.
`;
}

/**
 * A stop signal ends the process within about 3 s: requests in flight get 2 s to finish, and
 * background work (a graph build can take minutes) is abandoned; it runs again after the next start.
 */
const SHUTDOWN = { requestGraceMs: 2_000, abandonBackground: true } as const;

export function configuredAccount(env: NodeJS.ProcessEnv): RootAccount | undefined {
  const { OSSV_ACCOUNT_ID: accountId, OSSV_ROOT_ACCESS_KEY_ID: accessKeyId, OSSV_ROOT_ACCESS_KEY_SECRET: accessKeySecret } = env;
  if (!accountId && !accessKeyId && !accessKeySecret) return undefined;
  if (!accountId || !accessKeyId || !accessKeySecret) {
    throw new Error("set all of OSSV_ACCOUNT_ID, OSSV_ROOT_ACCESS_KEY_ID and OSSV_ROOT_ACCESS_KEY_SECRET, or none");
  }
  if (!/^\d+$/.test(accountId)) throw new Error("OSSV_ACCOUNT_ID must be all digits");
  return { accountId, accessKeyId, accessKeySecret };
}

/** Fields of OSSV_CHECKPOINT_POLICY, each a known policy field holding a number >= 0. */
export function configuredCheckpointPolicy(env: NodeJS.ProcessEnv): Partial<CheckpointPolicy> | undefined {
  const text = env["OSSV_CHECKPOINT_POLICY"];
  if (!text) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`OSSV_CHECKPOINT_POLICY is not JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("OSSV_CHECKPOINT_POLICY must be a JSON object");
  for (const [name, value] of Object.entries(parsed)) {
    if (!(name in DEFAULT_CHECKPOINT_POLICY)) throw new Error(`OSSV_CHECKPOINT_POLICY: unknown field ${name}`);
    if (typeof value !== "number" || !(value >= 0)) throw new Error(`OSSV_CHECKPOINT_POLICY: ${name} must be a number >= 0`);
  }
  return parsed;
}

/** Everything start-up needs besides the options: read and checked before anything is opened. */
interface Settings {
  config: ServeConfig;
  port: number;
  account: RootAccount | undefined;
  checkpoint: Partial<CheckpointPolicy> | undefined;
  /** Set by --store: the object store that holds the data instead of the data directory. */
  objectStore: ObjectStoreSettings | undefined;
}

/** The options and the environment-only settings, or the message of the first bad one. */
export function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings | { help: true } {
  const { help, config } = resolveServeOptions(argv, env);
  if (help) return { help };
  if (Boolean(config["tls-cert"]) !== Boolean(config["tls-key"])) throw new OptionError("--tls-cert and --tls-key go together");
  try {
    return {
      config, port: config.port, account: configuredAccount(env), checkpoint: configuredCheckpointPolicy(env),
      objectStore: objectStoreSettings(config, env),
    };
  } catch (error) {
    throw new OptionError((error as Error).message);
  }
}

export async function serveCommand(argv: string[]): Promise<number> {
  let settings;
  try {
    settings = settingsFrom(argv, process.env);
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    process.stderr.write(`ossv serve: ${error.message}\n(ossv serve --help lists the options)\n`);
    return 2;
  }
  if ("help" in settings) {
    process.stdout.write(serveUsage());
    return 0;
  }
  const { config } = settings;
  const logger = createLogger(config["log-format"], config["log-level"]);
  try {
    return await runServer(settings, logger);
  } catch (error) {
    // A start that fails (the port is taken, the data is damaged) is the operator's to fix, not a
    // bug: its message says what, and a stack would only bury it.
    logger.fatal(`cannot start: ${(error as Error).message}`);
    return 1;
  }
}

async function runServer(settings: Settings, logger: Logger): Promise<number> {
  const objectStore = settings.objectStore ? await openObjectStore(settings.objectStore) : undefined;
  try {
    const store = objectStore && settings.objectStore
      ? await withDiskCache(objectStore, settings.objectStore, (message, error) => logger.warn({ err: error }, message))
      : undefined;
    return await serveOn(settings, logger, objectStore, store);
  } finally {
    objectStore?.destroy();
  }
}

async function serveOn(
  { config, port, account, checkpoint }: Settings, logger: Logger, objectStore: S3BlobStore | undefined, store: BlobStore | undefined,
): Promise<number> {
  // Listen for the signal before the port opens, so a stop sent right after startup is never missed.
  const stopRequested = waitForSignal();
  const tls = config["tls-cert"] && config["tls-key"]
    ? { cert: readFileSync(config["tls-cert"]), key: readFileSync(config["tls-key"]) }
    : undefined;
  const dataDir = config["data-dir"];
  const data = objectStore ? objectStore.location : dataDir;
  const server = await startServer({
    dataDir, port, region: config.region, awsRegion: config["aws-region"],
    ...(store && { store, cluster: {
      ...(config["node-url"] && { url: config["node-url"].replace(/\/+$/, "") }), ...(config.takeover && { takeover: true }), ...clusterTimings(),
    } }),
    ...(config.host ? { host: config.host } : {}),
    ...(config["public-endpoint"] ? { publicEndpoint: config["public-endpoint"] } : {}),
    ...(config["cors-origin"] ? { cors: { origins: config["cors-origin"] } } : {}),
    ...(config["metrics-token"] ? { metricsToken: config["metrics-token"] } : {}),
    ...(config["memory-budget"] ? { memoryBudget: config["memory-budget"] } : {}),
    quantization: config.quantization,
    graphsOnDisk: config["graphs-on-disk"],
    ...(config["max-body-bytes-in-flight"] ? { maxBodyBytesInFlight: config["max-body-bytes-in-flight"] } : {}),
    ...(config["max-list-response-bytes"] ? { maxListResponseBytes: config["max-list-response-bytes"] } : {}),
    ...(tls ? { tls } : {}),
    ...(account ? { account } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(process.env["OSSV_MASTER_KEY"] ? { masterKey: process.env["OSSV_MASTER_KEY"] } : {}),
    ...(config.quiet ? {} : { onRequest: (entry: AccessLogEntry) => logRequest(logger, entry) }),
    onInternalError: (error, requestId) => logInternalError(logger, error, requestId),
    onBackgroundFailure: (event) => logBackgroundFailure(logger, event),
  });
  if (server.generatedRootKey) {
    // The one secret ossv ever shows: plain lines, the same in either log format and at any level
    // (even silent), so it can be neither filtered out nor mistaken for a field to ship elsewhere.
    process.stdout.write(
      `ossv: account ${server.accountId} is ready; its root key is shown only now:\n`
      + `  OSS_ACCESS_KEY_ID=${server.rootCredentials.accessKeyId}\n`
      + `  OSS_ACCESS_KEY_SECRET=${server.rootCredentials.accessKeySecret}\n`,
    );
    logger.info({ accountId: server.accountId, accessKeyId: server.rootCredentials.accessKeyId },
      "a new account was created; its root key was printed once, above");
  }
  const protocol = tls ? "https" : "http";
  logger.info(
    { host: config.host, port: server.port, protocol, region: server.region, accountId: server.accountId, dataDir, ...(store && { store: data }) },
    `listening on ${config.host ?? "all interfaces"} port ${server.port} (${protocol}), `
    + `region ${server.region}, account ${server.accountId}, data ${data}`,
  );
  await stopRequested;
  logger.info("shutting down");
  try {
    await server.close(SHUTDOWN);
  } catch (error) {
    // Not a start that failed: say what did, with the stack, since a clean close should not fail.
    logger.fatal({ err: error }, "shutdown failed");
    return 1;
  }
  logger.info("stopped");
  return 0;
}
/**
 * OSSV_CLUSTER_TIMINGS, a JSON object such as {"deadAfterMs":2000}, overrides the cluster's tick,
 * dead-node bound and poll interval: for tests that kill writers, like OSSV_CHECKPOINT_POLICY.
 */
export function clusterTimings(): { tickMs?: number; deadAfterMs?: number; pollMs?: number; idleAfterMs?: number } {
  const text = process.env["OSSV_CLUSTER_TIMINGS"];
  if (!text) return {};
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const timings: Record<string, number> = {};
  for (const name of ["tickMs", "deadAfterMs", "pollMs", "idleAfterMs"]) {
    const value = parsed[name];
    if (typeof value === "number" && value > 0) timings[name] = value;
  }
  return timings;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
