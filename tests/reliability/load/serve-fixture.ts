// The server under test: a real `ossv serve` child (so it can be SIGKILLed and its RSS read), with
// @ossv/sdk clients and an admin client pointed at it over 127.0.0.1.
import { createHash } from "node:crypto";
import { AdminClient, VectorsClient } from "@ossv/sdk";
import type { CheckpointPolicy } from "@ossv/server";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "../../e2e/serve-process.ts";
import type { IndexKind } from "./index-kind.ts";

export const BUCKET = "reliability";
export const INDEX = "load";
export const REGION = "cn-hangzhou";

const CREDENTIALS = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };

/** Starts `ossv serve` on `dataDir`; `policy` reaches the engine through OSSV_CHECKPOINT_POLICY. */
export function startServe(dataDir: string, policy?: Partial<CheckpointPolicy>): Promise<ServeProcess> {
  const env: Record<string, string> = { ...TEST_ACCOUNT };
  if (policy) env["OSSV_CHECKPOINT_POLICY"] = JSON.stringify(policy);
  return spawnServe(["--data-dir", dataDir, "--quiet"], env);
}

/** One client as an application would make it: its own connections, and no retries (so every
 * failure is seen). */
export function sdkClient(port: number): VectorsClient {
  return new VectorsClient({
    region: REGION, accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${port}`, credentials: CREDENTIALS,
    retry: false, timeoutMs: 120_000,
    // Node's MD5 instead of the SDK's portable one: the test's CPU goes to the server, not to hashing.
    contentMd5: (body) => createHash("md5").update(body).digest("base64"),
  });
}

export function adminClient(port: number): AdminClient {
  return new AdminClient({ endpoint: `http://127.0.0.1:${port}`, region: REGION, credentials: CREDENTIALS });
}

export async function createBucketAndIndex(client: VectorsClient, kind: IndexKind): Promise<void> {
  await client.putVectorBucket({ bucket: BUCKET });
  await kind.createIndex(client);
}

/** Stops the server with SIGTERM and returns its exit code (0 when it shut down cleanly). */
export async function stopServe(server: ServeProcess): Promise<number | null> {
  server.child.kill("SIGTERM");
  return await server.exited;
}

/** SIGKILL, and wait until the process is reaped (its data directory lock names a dead pid after). */
export async function killServe(server: ServeProcess): Promise<void> {
  server.child.kill("SIGKILL");
  await server.exited;
}
