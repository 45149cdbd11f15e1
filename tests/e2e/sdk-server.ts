// A real ossv server on port 0 with a temporary data directory, and an @ossv/sdk client for it.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { startServer, type RunningServer, type ServerOptions } from "@ossv/server";
import { ServiceError, VectorsClient } from "@ossv/sdk";
import { storeOptionsFor } from "./test-store.ts";

export interface SdkServer {
  server: RunningServer;
  client: VectorsClient;
  stop(): Promise<void>;
}

export async function startSdkServer(options: Partial<ServerOptions> = {}): Promise<SdkServer> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-e2e-"));
  const store = await storeOptionsFor(dataDir);
  const server = await startServer({ dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou", ...store.options, ...options });
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials,
    retry: false,
  });
  return {
    server, client,
    stop: async () => {
      await server.close();
      store.release();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Awaits a call that must fail with this OSS error; returns the error's message. */
export async function expectServiceError(call: Promise<unknown>, status: number, code: string): Promise<string> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, `expected ServiceError ${code}, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.statusCode, status);
  assert.match(error.requestId, /^[0-9A-F]{24}$/);
  return error.message;
}
