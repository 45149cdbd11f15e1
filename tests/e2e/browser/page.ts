// The script of the browser test's page (bundled by browser-sdk.test.ts): @ossv/sdk as a web page on
// another origin uses it. It creates a bucket and an index, puts vectors, queries them and reads an
// error, then reports what it saw to the page's own server, which the test awaits.
import { ServiceError, VectorsClient } from "@ossv/sdk";

export interface PageConfig {
  endpoint: string;
  accountId: string;
  accessKeyId: string;
  accessKeySecret: string;
  bucket: string;
}

export type PageReport =
  | {
    ok: true;
    /** From PutVectorBucket's x-oss-request-id: an answer without a body, so only readable if exposed. */
    putBucketRequestId: string;
    queryKeys: string[];
    queryDistances: number[];
    queryGenres: unknown[];
    /** An error answer, read by the SDK from the page. */
    missingBucket: { code: string; statusCode: number; requestId: string; ec: string };
    /** The error answer's own headers as the page's script sees them (exposed by CORS, or absent). */
    missingBucketHeaders: { requestId?: string; ec?: string };
  }
  | { ok: false; error: string };

async function run(config: PageConfig): Promise<PageReport> {
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: config.accountId, endpoint: config.endpoint, retry: false,
    credentials: { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret },
  });
  const { bucket } = config;
  const putBucket = await client.putVectorBucket({ bucket });
  await client.putVectorIndex({ bucket, indexName: "docs", dataType: "float32", dimension: 3, distanceMetric: "cosine" });
  await client.putVectors({
    bucket, indexName: "docs", vectors: [
      { key: "east", data: { float32: [1, 0, 0] }, metadata: { genre: "drama" } },
      { key: "north", data: { float32: [0, 1, 0] }, metadata: { genre: "comedy" } },
      { key: "east-ish", data: { float32: [0.9, 0.1, 0] }, metadata: { genre: "drama" } },
    ],
  });
  const query = await client.queryVectors({
    bucket, indexName: "docs", queryVector: { float32: [1, 0, 0] }, topK: 2, returnDistance: true, returnMetadata: true,
  });
  const missing = await client.getVectorBucket({ bucket: "no-such-bucket" }).then(() => undefined, (error: unknown) => error);
  if (!(missing instanceof ServiceError)) throw new Error(`expected a ServiceError for a missing bucket, got ${String(missing)}`);
  return {
    ok: true,
    putBucketRequestId: putBucket.requestId,
    queryKeys: query.vectors.map((v) => v.key),
    queryDistances: query.vectors.map((v) => v.distance ?? Number.NaN),
    queryGenres: query.vectors.map((v) => v.metadata?.["genre"]),
    missingBucket: { code: missing.code, statusCode: missing.statusCode, requestId: missing.requestId, ec: missing.ec },
    missingBucketHeaders: { requestId: missing.headers["x-oss-request-id"], ec: missing.headers["x-oss-ec"] },
  };
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (cause: ${error.cause.name}: ${error.cause.message})` : "";
  return `${error.name}: ${error.message}${cause}`;
}

async function main(): Promise<void> {
  const config = JSON.parse(document.getElementById("config")!.textContent) as PageConfig;
  const report = await run(config).catch((error: unknown): PageReport => ({ ok: false, error: describeError(error) }));
  const shown = document.createElement("pre");
  shown.id = "result";
  shown.textContent = JSON.stringify(report);
  document.body.append(shown);
  // Same origin as the page: this request needs no CORS of its own.
  await fetch("/result", { method: "POST", body: JSON.stringify(report) });
}

void main();
