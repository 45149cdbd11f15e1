// The calls every ossv bench measurement makes through @ossv/sdk: clients for a running server, the
// bench's bucket and index, writes of data set rows, queries with the bench's filters, and waiting
// for the background graph builds to settle.
import { AdminClient, VectorsClient } from "@ossv/sdk";
import { metadataOf, queryVector, rowOfKey, rowVector, vectorKey, CATEGORY_VALUE, TENANT_VALUE, type FilterKind } from "../lib/dataset.ts";
import { K } from "../lib/ground-truth.ts";
import type { BenchContext, FilteredSearch } from "../lib/suite.ts";
import { BENCH_ACCOUNT, type RunningServer } from "./ossv-server.ts";

export const BUCKET = "bench";
export const INDEX = "main";

/** The bench's bucket and in it an empty cosine index of the data set's dimension. */
export async function createBenchIndex(ctx: BenchContext, client: VectorsClient, indexName = INDEX): Promise<void> {
  await client.putVectorBucket({ bucket: BUCKET });
  await client.putVectorIndex({ bucket: BUCKET, indexName, dataType: "float32", dimension: ctx.data.spec.dimension, distanceMetric: "cosine" });
}

export function ossvFilter(kind: FilterKind): Record<string, unknown> | undefined {
  if (kind === "category") return { category: { $eq: `c${CATEGORY_VALUE}` } };
  if (kind === "tenant") return { tenant: { $eq: `t${TENANT_VALUE}` } };
  return undefined;
}

export function clientFor(server: RunningServer): VectorsClient {
  return new VectorsClient({
    region: "cn-hangzhou", accountId: BENCH_ACCOUNT.accountId, endpoint: `http://127.0.0.1:${server.port}`,
    credentials: { accessKeyId: BENCH_ACCOUNT.accessKeyId, accessKeySecret: BENCH_ACCOUNT.accessKeySecret },
    retry: false, // a failed request must fail the run, not be hidden by a retry
  });
}

export function adminFor(server: RunningServer): AdminClient {
  return new AdminClient({
    endpoint: `http://127.0.0.1:${server.port}`, region: "cn-hangzhou",
    credentials: { accessKeyId: BENCH_ACCOUNT.accessKeyId, accessKeySecret: BENCH_ACCOUNT.accessKeySecret },
  });
}

export interface IndexShape {
  memtableRows: number;
  /** Flushes, checkpoints, merges and compactions queued or running in the server. */
  backgroundTasks: number;
  segments: Array<{ rows: number; live: number; graph: boolean }>;
}

/**
 * Graphs are built in the background after ingest (and rebuilt by compaction after deletes), and the
 * memtable's tail is frozen once writes pause; like LanceDB's index build, that time is reported on
 * its own and queries are measured once it is done.
 */
export async function waitForGraphs(server: RunningServer, index = INDEX, timeoutMinutes = 20): Promise<{ seconds: number; shape: IndexShape }> {
  const started = performance.now();
  for (;;) {
    const shape = await adminFor(server).describeIndex(BUCKET, index) as IndexShape;
    // The engine freezes a memtable of 1,024+ rows after a second without writes (idleFlushRows). A
    // compaction started by the deletes leaves the old segments (with their graphs) in place until it
    // ends, so the background work itself must be done too, or queries are measured beside it.
    const settled = shape.segments.every((segment) => segment.graph) && shape.memtableRows < 1024 && shape.backgroundTasks === 0;
    if (settled) return { seconds: (performance.now() - started) / 1000, shape };
    if (performance.now() - started > timeoutMinutes * 60_000) throw new Error(`ossv graphs were not built within ${timeoutMinutes} minutes`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The counterpart of LanceDB's optimize and index build: wait for the background graph builds, then
 * merge all segments into one graph (the engine would do that itself after 10 s without writes, the
 * idle merge; asking for it makes the timing explicit and keeps it out of the query measurements).
 */
export async function buildIndex(server: RunningServer, index = INDEX): Promise<{ seconds: number; flushSeconds: number; shape: IndexShape }> {
  const started = performance.now();
  const flushed = await waitForGraphs(server, index);
  await adminFor(server).compactIndex(BUCKET, index);
  const compacted = await waitForGraphs(server, index);
  return { seconds: (performance.now() - started) / 1000, flushSeconds: flushed.seconds, shape: compacted.shape };
}

export function describeShape(shape: IndexShape): string {
  return `${shape.segments.length} segments (${shape.segments.map((s) => s.rows).join(", ")} rows), ${shape.memtableRows} rows in the memtable`;
}

export function searchWith(ctx: BenchContext, client: VectorsClient, index = INDEX): FilteredSearch {
  return (kind) => {
    const filter = ossvFilter(kind);
    return async (query) => {
      const answer = await client.queryVectors({
        bucket: BUCKET, indexName: index, queryVector: { float32: queryVector(ctx.data, query) }, topK: K,
        ...(filter ? { filter } : {}),
      });
      return answer.vectors.map((vector) => rowOfKey(vector.key));
    };
  };
}

export function putRows(ctx: BenchContext, client: VectorsClient, indexName = INDEX) {
  return async (rows: number[]) => {
    await client.putVectors({
      bucket: BUCKET, indexName,
      vectors: rows.map((row) => ({ key: vectorKey(row), data: { float32: rowVector(ctx.data, row) }, metadata: metadataOf(ctx.data, row) })),
    });
  };
}
