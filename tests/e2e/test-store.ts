// Where the end-to-end tests' servers keep their data. By default their data directory. With
// OSSV_E2E_STORE=s3, in the test object store (the Ceph gateway named by OSSV_TEST_S3_ENDPOINT,
// OSSV_TEST_S3_ACCESS_KEY_ID and OSSV_TEST_S3_SECRET_ACCESS_KEY, as .ci/run sets them): each data
// directory gets a prefix of its own in one bucket, so a server restarted on the same directory finds
// its data again, and the directory keeps only master.key, as with `ossv serve --store`. .ci/run runs
// the end-to-end suite both ways (scripts/run-tests.mjs says which files need a data directory).
import { createHash } from "node:crypto";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { ServerOptions } from "@ossv/server";

export const E2E_STORE = process.env["OSSV_E2E_STORE"] === "s3" ? "s3" : "data-dir";
const BUCKET = "ossv-e2e";

function gateway(): { endpoint: string; accessKeyId: string; secretAccessKey: string } {
  const endpoint = process.env["OSSV_TEST_S3_ENDPOINT"];
  const accessKeyId = process.env["OSSV_TEST_S3_ACCESS_KEY_ID"];
  const secretAccessKey = process.env["OSSV_TEST_S3_SECRET_ACCESS_KEY"];
  if (!endpoint || !accessKeyId || !secretAccessKey) throw new Error("OSSV_E2E_STORE=s3 needs OSSV_TEST_S3_ENDPOINT, OSSV_TEST_S3_ACCESS_KEY_ID and OSSV_TEST_S3_SECRET_ACCESS_KEY");
  return { endpoint, accessKeyId, secretAccessKey };
}

let bucketReady: Promise<void> | undefined;

/** Creates the suite's bucket once per process (a bucket this account made already is fine). */
function ensureBucket(): Promise<void> {
  bucketReady ??= (async () => {
    const { endpoint, accessKeyId, secretAccessKey } = gateway();
    const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
    try {
      await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    } catch (error) {
      if ((error as Error).name !== "BucketAlreadyOwnedByYou" && (error as Error).name !== "BucketAlreadyExists") throw error;
    } finally {
      client.destroy();
    }
  })();
  return bucketReady;
}

/** The store prefix of a data directory: the same directory, the same prefix. */
const prefixOf = (dataDir: string) => `e2e/${createHash("sha256").update(dataDir).digest("hex").slice(0, 20)}`;

/**
 * Options that put an in-process server's data in the test store (none by default), and what to
 * call after the server closed.
 */
export async function storeOptionsFor(dataDir: string): Promise<{ options: Partial<ServerOptions>; release: () => void }> {
  if (E2E_STORE === "data-dir") return { options: {}, release: () => undefined };
  await ensureBucket();
  const { endpoint, accessKeyId, secretAccessKey } = gateway();
  const { openS3BlobStore } = await import("@ossv/engine/s3");
  const store = await openS3BlobStore({
    bucket: BUCKET, prefix: `${prefixOf(dataDir)}/`, endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId, secretAccessKey },
  });
  // One node; takeover: a server started again on the same prefix writes at once.
  return { options: { store, cluster: { takeover: true } }, release: () => store.destroy() };
}

/** `ossv serve` arguments and environment that put a child server's data in the test store (none by default). */
export async function storeArgsFor(args: readonly string[]): Promise<{ args: string[]; env: Record<string, string> }> {
  const at = args.indexOf("--data-dir");
  if (E2E_STORE === "data-dir" || at < 0 || args.includes("--store")) return { args: [], env: {} };
  await ensureBucket();
  const { endpoint, accessKeyId, secretAccessKey } = gateway();
  return {
    args: ["--store", `s3://${BUCKET}/${prefixOf(args[at + 1] as string)}`, "--s3-endpoint", endpoint, "--s3-path-style", "--takeover"],
    env: { AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  };
}

/**
 * The skip reason of a test about the data directory's own files (their contents, their lock, a
 * fault staged in them, an offline tool run on them) when the data is in the store instead.
 */
export const needsDataDir: string | false = E2E_STORE === "s3" && "about the data directory (its files, its lock, offline tools on it, its single-process collection), which holds no data with OSSV_E2E_STORE=s3";
