// The model tests' target over real HTTP: an ossv server on port 0 with a temporary data directory,
// driven through @ossv/sdk. Restart closes the server and starts a new one on the same directory with
// the same root key. Flush, compact and waiting for graph builds reach into the server's engine, the
// only way to force them on a schedule (over HTTP they happen on their own as writes accumulate).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DurableCollection } from "@ossv/engine";
import { startServer, type RunningServer } from "@ossv/server";
import { VectorsClient, type Vector } from "@ossv/sdk";
import type { FilterJson } from "./generators.ts";
import type { ListRequest, ModelTarget, RunSetup, TargetHit, TargetRecord } from "./model-commands.ts";
import type { smallCheckpointPolicy } from "./search-mode.ts";

export const BUCKET = "model-bucket";
export const INDEX = "modelIndex";

function toRecord(vector: Vector): TargetRecord {
  return { key: vector.key, data: Float32Array.from(vector.data?.float32 ?? []), metadata: vector.metadata ?? {} };
}

export class HttpTarget implements ModelTarget {
  readonly keepsNegativeZero = false;
  readonly getRepeatsDuplicates = false;
  server!: RunningServer;
  client!: VectorsClient;
  /** Errors the server reported as 500s: any is a failure, even when the SDK call itself was expected to fail. */
  readonly internalErrors: unknown[] = [];

  private constructor(private readonly dataDir: string, private readonly policy: ReturnType<typeof smallCheckpointPolicy>) {}

  static async start(setup: RunSetup, policy: ReturnType<typeof smallCheckpointPolicy>): Promise<HttpTarget> {
    const target = new HttpTarget(await mkdtemp(join(tmpdir(), "ossv-model-")), policy);
    await target.startServer();
    await target.client.putVectorBucket({ bucket: BUCKET });
    await target.client.putVectorIndex({
      bucket: BUCKET, indexName: INDEX, dataType: "float32", dimension: setup.dimension, distanceMetric: setup.metric,
      metadata: { nonFilterableMetadataKeys: [...setup.nonFilterable] },
    });
    return target;
  }

  private async startServer(): Promise<void> {
    const account = this.server && { accountId: this.server.accountId, ...this.server.rootCredentials };
    this.server = await startServer({
      dataDir: this.dataDir, port: 0, host: "127.0.0.1", region: "cn-hangzhou", checkpoint: this.policy,
      ...(account && { account }),
      onInternalError: (error) => this.internalErrors.push(error),
    });
    this.client = new VectorsClient({
      region: "cn-hangzhou", accountId: this.server.accountId, endpoint: this.server.url,
      credentials: this.server.rootCredentials, retry: false,
    });
  }

  async put(vectors: TargetRecord[]): Promise<void> {
    await this.client.putVectors({ bucket: BUCKET, indexName: INDEX, vectors: vectors.map(({ key, data, metadata }) => ({ key, data: { float32: data }, metadata })) });
  }
  async delete(keys: string[]): Promise<void> {
    await this.client.deleteVectors({ bucket: BUCKET, indexName: INDEX, keys });
  }
  async get(keys: string[]): Promise<TargetRecord[]> {
    const result = await this.client.getVectors({ bucket: BUCKET, indexName: INDEX, keys, returnData: true, returnMetadata: true });
    return result.vectors.map(toRecord);
  }
  async list(request: ListRequest): Promise<{ vectors: TargetRecord[]; nextToken?: string }> {
    const { limit, token, segmentCount, segmentIndex } = request;
    const result = await this.client.listVectors({
      bucket: BUCKET, indexName: INDEX, maxResults: limit, returnData: true, returnMetadata: true,
      ...(token !== undefined && { nextToken: token }),
      ...(segmentCount !== undefined && { segmentCount, segmentIndex }),
    });
    return { vectors: result.vectors.map(toRecord), ...(result.nextToken !== undefined && { nextToken: result.nextToken }) };
  }
  async query(vector: Float32Array, topK: number, filter: FilterJson | undefined): Promise<TargetHit[]> {
    const result = await this.client.queryVectors({
      bucket: BUCKET, indexName: INDEX, queryVector: { float32: vector }, topK, returnDistance: true, ...(filter && { filter }),
    });
    return result.vectors.map((hit) => ({ key: hit.key, distance: hit.distance as number }));
  }

  private collection(): DurableCollection {
    const index = this.server.engine.catalog.getIndex(this.server.accountId, BUCKET, INDEX);
    if (!index) throw new Error("the model index is gone");
    return this.server.engine.collection(index) as DurableCollection;
  }
  async flush(): Promise<void> {
    await this.collection().flush();
  }
  async compact(): Promise<void> {
    await this.collection().compact();
  }
  async settle(): Promise<void> {
    await this.collection().settleBackground();
  }
  async restart(): Promise<void> {
    await this.server.close();
    await this.startServer();
  }
  async stop(): Promise<void> {
    await this.server.close();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
