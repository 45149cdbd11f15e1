// A real ossv server on port 0 (temporary data directory) as AWS S3 Vectors clients see it: the
// official @aws-sdk/client-s3vectors pointed at its URL, with the server's own keys as AWS credentials,
// and the OSS-side @ossv/sdk client and admin client on the same server for cross-API and RAM tests.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { S3VectorsClient, S3VectorsServiceException, type S3VectorsClientConfig } from "@aws-sdk/client-s3vectors";
import { startServer, type RunningServer, type ServerOptions } from "@ossv/server";
import { storeOptionsFor } from "../test-store.ts";
import { AdminClient, VectorsClient } from "@ossv/sdk";

/** The region the server signs and names ARNs with when `--aws-region` is not given. */
export const AWS_REGION = "us-east-1";
/** The OSS side keeps its own region; the two are independent settings of one server. */
export const OSS_REGION = "cn-hangzhou";

/** Credentials in the AWS SDKs' shape. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface S3vServer {
  server: RunningServer;
  dataDir: string;
  endpoint: string;
  root: AwsCredentials;
  /** A JS SDK client with root credentials, retries off so every failure is the server's first answer. */
  s3: S3VectorsClient;
  /** Another JS SDK client (other credentials or config). */
  clientFor(credentials?: AwsCredentials, config?: Partial<S3VectorsClientConfig>): S3VectorsClient;
  /** The OSS API on the same server and data, through our own SDK. */
  oss: VectorsClient;
  admin: AdminClient;
  /** A RAM user of the root account with one access key and an optional identity policy. */
  newUser(policy?: object): Promise<AwsCredentials & { userName: string; userId: string }>;
  /** Closes the server and starts it again on the same data directory (new port, new clients). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

let users = 0;

export async function startS3vServer(options: Partial<ServerOptions> = {}): Promise<S3vServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-s3v-"));
  const store = await storeOptionsFor(dataDir);
  const start = () => startServer({ dataDir, port: 0, host: "127.0.0.1", region: OSS_REGION, ...store.options, ...options });
  const harness: S3vServer = {
    ...clientsFor(await start()), dataDir,
    newUser: async (policy) => {
      const userName = `s3v-user-${++users}`;
      const { userId } = await harness.admin.createUser(userName);
      const key = await harness.admin.createKey(userName);
      if (policy) await harness.admin.attachPolicy(userName, "p", JSON.stringify(policy));
      return { ...toAws(key), userName, userId };
    },
    restart: async () => {
      await harness.server.close();
      Object.assign(harness, clientsFor(await start()));
    },
    stop: async () => {
      await harness.server.close();
      store.release();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

function clientsFor(server: RunningServer): Pick<S3vServer, "server" | "endpoint" | "root" | "s3" | "clientFor" | "oss" | "admin"> {
  const endpoint = server.url;
  const root = toAws(server.rootCredentials);
  const clientFor = (credentials: AwsCredentials = root, config: Partial<S3VectorsClientConfig> = {}) =>
    new S3VectorsClient({ endpoint, region: AWS_REGION, credentials, maxAttempts: 1, ...config });
  return {
    server, endpoint, root, clientFor, s3: clientFor(),
    oss: new VectorsClient({ region: OSS_REGION, accountId: server.accountId, endpoint, credentials: server.rootCredentials, retry: false }),
    admin: new AdminClient({ endpoint, region: OSS_REGION, credentials: server.rootCredentials }),
  };
}

export function toAws(credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string }): AwsCredentials {
  return {
    accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.accessKeySecret,
    ...(credentials.securityToken !== undefined && { sessionToken: credentials.securityToken }),
  };
}

/**
 * Awaits a JS SDK call that must fail with this error name and HTTP status; returns the exception.
 * Modelled errors arrive as their typed classes, unmodelled ones (the auth codes) as the service's
 * base exception with `name` set to the wire code; both extend S3VectorsServiceException.
 */
export async function expectS3Error(call: Promise<unknown>, status: number, name: string): Promise<S3VectorsServiceException> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof S3VectorsServiceException, `expected ${name} (${status}), got ${error instanceof Error ? error.stack : String(error)}`);
  assert.equal(error.name, name, `${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, status, `${error.name}: ${error.message}`);
  assert.ok(error.$metadata.requestId, "every error carries x-amzn-RequestId");
  return error;
}

/** Unique names per test, so no test depends on another's leftovers or order. */
let names = 0;
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid % 10_000}-${++names}`;
}

/**
 * Vectors with their `data.float32` values as float32. The server may write a float32 as its shortest
 * decimal (0.9, not 0.8999999761581421): the same float32, but a different double once a client parses
 * it, so tests compare what the float32s are.
 */
export function asFloat32<T extends { data?: { float32?: number[] } }>(vectors: T[] | undefined): T[] {
  return (vectors ?? []).map((v) => (v.data?.float32 ? { ...v, data: { ...v.data, float32: v.data.float32.map((x) => Math.fround(x)) } } : v));
}
