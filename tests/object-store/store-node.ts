// An `ossv serve` node over one bucket prefix of the test store, for the tests that run several nodes
// on one store: its own data directory (the node's disk cache), the account of the e2e tests, and a
// client of it through @ossv/sdk.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT, type ServeProcess } from "../e2e/serve-process.ts";
import type { TestS3 } from "./test-s3.ts";

export interface StoreNode {
  serve: ServeProcess;
  client: VectorsClient;
  dataDir: string;
}

export interface StoreNodeOptions {
  bucket: string;
  prefix: string;
  /** OSSV_CHECKPOINT_POLICY (JSON). */
  policy: string;
  /** OSSV_MASTER_KEY: the same on every node of a store, which keeps the accounts' secrets sealed. */
  masterKey: string;
  /** The client's retries (the SDK's default rules) or none. */
  retry: boolean;
}

export async function startStoreNode(endpoint: TestS3, options: StoreNodeOptions): Promise<StoreNode> {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-store-node-"));
  const serve = await spawnServe(
    ["--data-dir", dataDir, "--store", `s3://${options.bucket}/${options.prefix}`, "--s3-endpoint", endpoint.endpoint, "--s3-path-style", "--quiet"],
    {
      ...TEST_ACCOUNT, OSSV_MASTER_KEY: options.masterKey, OSSV_CHECKPOINT_POLICY: options.policy,
      AWS_ACCESS_KEY_ID: endpoint.accessKeyId, AWS_SECRET_ACCESS_KEY: endpoint.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
  );
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${serve.port}`,
    credentials: { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET },
    ...(options.retry ? {} : { retry: false }),
  });
  return { serve, client, dataDir };
}
