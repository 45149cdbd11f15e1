// boto3 from the TypeScript tests: boto3_driver.py runs a list of calls in one Python process and
// answers with JSON, so all assertions stay here. boto3 is on the machine image (botocore 1.43.11
// knows s3vectors); where python3 or boto3 is missing the boto3 tests skip with BOTO3_MISSING.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import type { AwsCredentials } from "./harness.ts";

const DRIVER = fileURLToPath(new URL("./boto3_driver.py", import.meta.url));

export interface Boto3Call {
  op: string;
  params?: Record<string, unknown>;
  paginate?: boolean;
  paginationConfig?: { PageSize?: number; MaxItems?: number };
  credentials?: AwsCredentials;
  region?: string;
  /** botocore signs at this fixed time, `YYYY-MM-DDTHH:MM:SSZ`. */
  signingDate?: string;
}

export type Boto3Result =
  | { ok: true; result: any } // eslint-disable-line @typescript-eslint/no-explicit-any
  | { ok: false; kind: "ClientError" | "ParamValidationError"; code: string | null; status: number | null; message: string; requestId?: string };

/** Why boto3 tests are skipped here, or false when boto3 with s3vectors support is importable. */
export const BOTO3_MISSING: string | false = (() => {
  const probe = spawnSync("python3", ["-c", "import boto3, botocore.session as s; s.get_session().get_service_model('s3vectors')"], { encoding: "utf8" });
  if (probe.error) return `boto3 tests skipped: python3 is not available (${probe.error.message})`;
  if (probe.status !== 0) return `boto3 tests skipped: boto3 with the s3vectors service is not importable (${probe.stderr.trim().split("\n").at(-1)})`;
  return false;
})();

/**
 * Runs the calls in order in one boto3 process (a process start costs about half a second). Never
 * spawnSync: the server under test runs in this process and must keep answering meanwhile.
 */
export async function runBoto3(endpoint: string, region: string, credentials: AwsCredentials, calls: Boto3Call[]): Promise<Boto3Result[]> {
  const child = spawn("python3", [DRIVER], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => { stdout += chunk; });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", resolve);
  });
  child.stdin.end(JSON.stringify({ endpoint, region, credentials, calls }));
  const status = await exited;
  assert.equal(status, 0, `boto3 driver failed:\n${stderr}`);
  const results = JSON.parse(stdout) as Boto3Result[];
  assert.equal(results.length, calls.length);
  return results;
}

/** The result of a call that must succeed. */
export function ok(result: Boto3Result | undefined, label = ""): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  assert.ok(result?.ok, `${label}: expected success, got ${JSON.stringify(result)}`);
  return result.result;
}

/** A call that must fail at the server with this code and status, as botocore's ClientError reports it. */
export function clientError(result: Boto3Result | undefined, status: number, code: string, label = ""): string {
  assert.ok(result && !result.ok, `${label}: expected ${code}, got ${JSON.stringify(result)}`);
  assert.equal(result.kind, "ClientError", `${label}: ${JSON.stringify(result)}`);
  assert.equal(result.code, code, `${label}: ${JSON.stringify(result)}`);
  assert.equal(result.status, status, `${label}: ${JSON.stringify(result)}`);
  return result.message;
}
