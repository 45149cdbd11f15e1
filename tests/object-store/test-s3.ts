// The S3-compatible store the object-store tests run against: Ceph's gateway, either one already
// running (OSSV_TEST_S3_ENDPOINT with OSSV_TEST_S3_ACCESS_KEY_ID and OSSV_TEST_S3_SECRET_ACCESS_KEY,
// as .ci/run sets them) or one that the test file starts with scripts/ceph/start.sh on free ports
// and stops when its tests are done. Without either (Ceph's packages are not installed) the tests
// are skipped, with the reason shown, unless OSSV_REQUIRE_S3_TESTS=1 (CI), where that is a failure.
// Each test gets a bucket of its own, so test files may share one gateway.
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3StoreOptions } from "@ossv/engine/s3";

const SCRIPTS = fileURLToPath(new URL("../../scripts/ceph/", import.meta.url));
const run = promisify(execFile);

export interface TestS3 {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

function cephInstalled(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v radosgw && command -v ceph-mon && command -v ceph-osd"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function configured(): TestS3 | undefined {
  const endpoint = process.env["OSSV_TEST_S3_ENDPOINT"];
  if (!endpoint) return undefined;
  const accessKeyId = process.env["OSSV_TEST_S3_ACCESS_KEY_ID"];
  const secretAccessKey = process.env["OSSV_TEST_S3_SECRET_ACCESS_KEY"];
  if (!accessKeyId || !secretAccessKey) throw new Error("OSSV_TEST_S3_ENDPOINT needs OSSV_TEST_S3_ACCESS_KEY_ID and OSSV_TEST_S3_SECRET_ACCESS_KEY");
  return { endpoint, accessKeyId, secretAccessKey };
}

/** The skip reason for this machine, or undefined when the S3 tests can run. */
function skipReason(): string | undefined {
  if (configured() !== undefined || cephInstalled()) return undefined;
  const reason = "no S3 store to test against: Ceph is not installed (apt-get install -y --no-install-recommends "
    + "ceph-mon ceph-osd radosgw ceph-common) and OSSV_TEST_S3_ENDPOINT is not set";
  if (process.env["OSSV_REQUIRE_S3_TESTS"] === "1") throw new Error(`OSSV_REQUIRE_S3_TESTS=1, but ${reason}`);
  console.log(`# SKIPPED: ${reason}`);
  return reason;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a one-node Ceph in directory `dir`. */
async function startCeph(dir: string): Promise<TestS3> {
  const [rgwPort, monPort] = [await freePort(), await freePort()];
  const { stdout } = await run(join(SCRIPTS, "start.sh"), [dir, String(rgwPort), String(monPort)]);
  const value = (key: string) => new RegExp(`^${key}=(.*)$`, "m").exec(stdout)?.[1] ?? "";
  return { endpoint: value("S3_ENDPOINT"), accessKeyId: value("AWS_ACCESS_KEY_ID"), secretAccessKey: value("AWS_SECRET_ACCESS_KEY") };
}

/**
 * The S3 store for this test file. Call at the file's top level: `skip` is known at once, and the
 * gateway is found or started on the first `s3()` (a started one stops after the file's tests).
 */
export function useTestS3(): { skip: string | undefined; s3: () => Promise<TestS3> } {
  const skip = skipReason();
  let found: Promise<TestS3> | undefined;
  let cephDir: string | undefined;
  // Registered here, at the file's top level: inside a test, after() would run when that test ends.
  after(async () => {
    if (cephDir === undefined) return;
    await run(join(SCRIPTS, "stop.sh"), [cephDir]);
    await rm(cephDir, { recursive: true, force: true });
  });
  const s3 = async (): Promise<TestS3> => {
    const given = configured();
    if (given) return given;
    cephDir = await mkdtemp(join(tmpdir(), "ossv-ceph-"));
    return await startCeph(cephDir);
  };
  return { skip, s3: () => (found ??= s3()) };
}

export function testS3Client(s3: TestS3): S3Client {
  return new S3Client({
    endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED",
  });
}

/** A new, empty bucket with a name no other test uses. */
export async function newBucket(s3: TestS3): Promise<string> {
  const bucket = `ossv-test-${randomBytes(6).toString("hex")}`;
  const client = testS3Client(s3);
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

/** Options for an S3BlobStore on `bucket` under `prefix` ("" or ending in '/'). */
export function storeOptions(s3: TestS3, bucket: string, prefix = ""): S3StoreOptions {
  return {
    bucket, prefix, endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  };
}
