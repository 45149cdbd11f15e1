// `ossv serve`: starts the server on the embedded store, logs a line per request, and shuts down
// cleanly on SIGINT/SIGTERM.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_CHECKPOINT_POLICY, startServer, type AccessLogEntry, type CheckpointPolicy, type RootAccount } from "@ossv/server";

const SERVE_USAGE = `usage: ossv serve [options]

  --port N           port to listen on (default 9000; 0 picks a free one)
  --host ADDR        address to bind (default: every interface, IPv4 and IPv6)
  --data-dir DIR     where data is kept (default ./ossv-data)
  --region ID        region this endpoint serves (default cn-hangzhou)
  --tls-cert FILE    serve HTTPS with this certificate (PEM) ...
  --tls-key FILE     ... and this private key (PEM)
  --public-endpoint HOST[:PORT]
                     endpoint to report in bucket info (default: the one each request reached)
  --quiet            no per-request log lines
  --max-body-bytes-in-flight N
                     request-body bytes held at once across all requests
                     (default 256 MiB); past it, requests get 503
  --max-list-response-bytes N
                     most bytes in a ListVectors response body (default
                     1 MiB); a page that would pass it returns fewer vectors
                     and a nextToken (a page always holds at least one)

The first account comes from OSSV_ACCOUNT_ID, OSSV_ROOT_ACCESS_KEY_ID and
OSSV_ROOT_ACCESS_KEY_SECRET when all three are set; otherwise an empty data
directory gets a new account whose root key is printed once.

Access key secrets are stored sealed with a master key: OSSV_MASTER_KEY
(base64 of 32 bytes) when set, else <data-dir>/master.key, made on first start.
Keep that file (or the variable) apart from copies of the data directory.

OSSV_CHECKPOINT_POLICY, a JSON object such as {"segmentRows":64}, overrides
fields of the storage engine's checkpoint policy (when it checkpoints, flushes
and compacts). It exists so crash tests can make that happen often; the
defaults suit every other use.
`;

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
  const parsed: unknown = JSON.parse(text);
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("OSSV_CHECKPOINT_POLICY must be a JSON object");
  for (const [name, value] of Object.entries(parsed)) {
    if (!(name in DEFAULT_CHECKPOINT_POLICY)) throw new Error(`OSSV_CHECKPOINT_POLICY: unknown field ${name}`);
    if (typeof value !== "number" || !(value >= 0)) throw new Error(`OSSV_CHECKPOINT_POLICY: ${name} must be a number >= 0`);
  }
  return parsed;
}

export function formatAccessLog(entry: AccessLogEntry): string {
  const parts = [
    new Date().toISOString(), entry.requestId, entry.remote || "-", entry.method, entry.operation,
    entry.bucket ?? "-", String(entry.status), `${entry.durationMs.toFixed(1)}ms`,
  ];
  if (entry.errorCode) parts.push(entry.errorCode);
  return parts.join(" ");
}

function parseServeArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: "9000" },
      host: { type: "string" },
      "data-dir": { type: "string", default: "./ossv-data" },
      region: { type: "string", default: "cn-hangzhou" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      quiet: { type: "boolean", default: false },
      "public-endpoint": { type: "string" },
      "max-body-bytes-in-flight": { type: "string" },
      "max-list-response-bytes": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  }).values;
}

export async function serveCommand(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseServeArgs(argv);
  } catch (error) {
    process.stderr.write(`ossv serve: ${(error as Error).message}\n${SERVE_USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(SERVE_USAGE);
    return 0;
  }
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`ossv serve: --port must be 0-65535\n`);
    return 2;
  }
  for (const option of ["max-body-bytes-in-flight", "max-list-response-bytes"] as const) {
    const value = args[option];
    if (value !== undefined && !(Number.isSafeInteger(Number(value)) && Number(value) > 0)) {
      process.stderr.write(`ossv serve: --${option} must be a positive whole number of bytes\n`);
      return 2;
    }
  }
  if (Boolean(args["tls-cert"]) !== Boolean(args["tls-key"])) {
    process.stderr.write("ossv serve: --tls-cert and --tls-key go together\n");
    return 2;
  }
  try {
    return await runServer(args, port);
  } catch (error) {
    process.stderr.write(`ossv serve: ${(error as Error).message}\n`);
    return 1;
  }
}

async function runServer(args: ReturnType<typeof parseServeArgs>, port: number): Promise<number> {
  // Listen for the signal before the port opens, so a stop sent right after startup is never missed.
  const stopRequested = waitForSignal();
  const tls = args["tls-cert"] && args["tls-key"]
    ? { cert: readFileSync(args["tls-cert"]), key: readFileSync(args["tls-key"]) }
    : undefined;
  const log = (line: string) => process.stdout.write(line + "\n");
  const checkpoint = configuredCheckpointPolicy(process.env);
  const server = await startServer({
    dataDir: args["data-dir"], port, region: args.region,
    ...(args.host ? { host: args.host } : {}),
    ...(args["public-endpoint"] ? { publicEndpoint: args["public-endpoint"] } : {}),
    ...(args["max-body-bytes-in-flight"] ? { maxBodyBytesInFlight: Number(args["max-body-bytes-in-flight"]) } : {}),
    ...(args["max-list-response-bytes"] ? { maxListResponseBytes: Number(args["max-list-response-bytes"]) } : {}),
    ...(tls ? { tls } : {}),
    ...(configuredAccount(process.env) ? { account: configuredAccount(process.env)! } : {}),
    ...(checkpoint ? { checkpoint } : {}),
    ...(process.env["OSSV_MASTER_KEY"] ? { masterKey: process.env["OSSV_MASTER_KEY"] } : {}),
    ...(args.quiet ? {} : { onRequest: (entry: AccessLogEntry) => log(formatAccessLog(entry)) }),
  });
  if (server.generatedRootKey) {
    log(`ossv: account ${server.accountId} is ready; its root key is shown only now:`);
    log(`  OSS_ACCESS_KEY_ID=${server.rootCredentials.accessKeyId}`);
    log(`  OSS_ACCESS_KEY_SECRET=${server.rootCredentials.accessKeySecret}`);
  }
  log(`ossv: listening on ${args.host ?? "all interfaces"} port ${server.port} (${tls ? "https" : "http"}), `
    + `region ${server.region}, account ${server.accountId}, data ${args["data-dir"]}`);
  await stopRequested;
  log("ossv: shutting down");
  await server.close(SHUTDOWN);
  log("ossv: stopped");
  return 0;
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
