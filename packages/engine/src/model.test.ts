// Model-based randomized test of the engine: sequences of puts, overwrites, deletes, gets, listings,
// queries, flushes, compactions, waits for graph builds and restarts, checked after every step against
// a plain in-memory model (tests/reliability/model-commands.ts). A tiny checkpoint policy makes
// flushes, segment merges and compactions happen within a few commands; inputs span the whole allowed
// space (tests/reliability/generators.ts). `npm run torture` runs many more sequences.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  parseFilter, parseS3VectorsFilter, validateFloat32Vector, validateMetadata, validateVectorKey, type FilterNode,
} from "@ossv/protocol";
import { dimensionArb, vectorKeyArb, type FilterDialect, type FilterJson } from "../../../tests/reliability/generators.ts";
import { modelRunArb, runModel, type ModelTarget, type RunSetup, type TargetRecord } from "../../../tests/reliability/model-commands.ts";
import { assertAsyncProperty, scaled } from "../../../tests/reliability/scale.ts";
import { smallCheckpointPolicy, useSearchMode } from "../../../tests/reliability/search-mode.ts";
import type { CheckpointPolicy } from "./maintenance/policy.ts";
import type { DurableCollection } from "./collection/collection.ts";
import type { OssvEngine } from "./engine.ts";
import { ACCOUNT, BUCKET, openTestEngine, withTempDir } from "./testing/test-support.ts";
import type { IndexRecord } from "./base/types.ts";
import { configureVectorPlacement, VECTOR_PLACEMENT } from "./search/vector-placement.ts";

class EngineTarget implements ModelTarget {
  readonly keepsNegativeZero = true;
  readonly getRepeatsDuplicates = true;
  private engine!: OssvEngine;
  private index!: IndexRecord;

  constructor(
    private readonly dir: string, private readonly setup: RunSetup, private readonly policy: Partial<CheckpointPolicy>,
    private readonly dialect: FilterDialect,
  ) {}

  async open(): Promise<void> {
    this.engine = await openTestEngine(this.dir, { checkpoint: this.policy });
    const { catalog } = this.engine;
    this.index = catalog.getIndex(ACCOUNT, BUCKET, "model") ?? await this.createIndex();
  }

  private async createIndex(): Promise<IndexRecord> {
    const { catalog } = this.engine;
    await catalog.createAccount(ACCOUNT);
    await catalog.createBucket({ accountId: ACCOUNT, name: BUCKET, region: "cn-hangzhou" });
    const { dimension, metric: distanceMetric, nonFilterable } = this.setup;
    const spec = { name: "model", dimension, distanceMetric, dataType: "float32" as const, nonFilterableMetadataKeys: [...nonFilterable] };
    return await catalog.createIndex(ACCOUNT, BUCKET, spec, 100);
  }

  private get collection(): DurableCollection {
    return this.engine.collection(this.index);
  }

  async put(vectors: TargetRecord[]): Promise<void> {
    // The generators promise valid input; the protocol's validators (what the server runs) confirm it.
    for (const { key, data, metadata } of vectors) {
      validateVectorKey(key);
      validateMetadata(metadata, this.setup.nonFilterable);
      validateFloat32Vector(data, this.setup.dimension, this.setup.metric, "data");
    }
    await this.collection.put(vectors.map(({ key, data, metadata }) => ({ key, data, metadata })));
  }
  async count(): Promise<number> {
    return this.collection.count();
  }
  /** Whether the collection holds segments now (to report how many sequences reached them). */
  hasSegments(): boolean {
    return this.collection.describe().segments.length > 0;
  }
  hasSegmentsOnDisk(): boolean {
    return this.collection.describe().segments.some((segment) => segment.vectorsOnDisk);
  }
  async delete(keys: string[]): Promise<void> {
    await this.collection.delete(keys);
  }
  async get(keys: string[]): Promise<TargetRecord[]> {
    return this.collection.get(keys);
  }
  async list(request: Parameters<ModelTarget["list"]>[0]): Promise<{ vectors: TargetRecord[]; nextToken?: string }> {
    return this.collection.list(request);
  }
  async query(vector: Float32Array, topK: number, filter: FilterJson | undefined): Promise<Array<{ key: string; distance: number }>> {
    const node = filter === undefined ? undefined : this.parse(filter);
    const hits = this.collection.query({ vector, topK, ...(node && { filter: node }) });
    return hits.map(({ key, distance }) => ({ key, distance }));
  }
  private parse(filter: FilterJson): FilterNode {
    const nonFilterableKeys = this.setup.nonFilterable;
    if (this.dialect === "oss") return parseFilter(filter, { nonFilterableKeys });
    // The generated trees may hold more than ENHANCED's 100 constraints; the protocol's tests hold that limit.
    return parseS3VectorsFilter(filter, { mode: "ENHANCED", nonFilterableKeys, limits: { maxEnhancedConstraints: Infinity } });
  }
  async flush(): Promise<void> {
    await this.collection.flush();
  }
  async compact(): Promise<void> {
    await this.collection.compact();
  }
  async settle(): Promise<void> {
    await this.collection.settleBackground();
  }
  async restart(): Promise<void> {
    await this.engine.close();
    await this.open();
  }
  async close(): Promise<void> {
    await this.engine.close();
  }
}

/** Random command sequences whose queries use `dialect`'s filters, each checked against the model. */
async function runEngineModel(label: string, dialect: FilterDialect, runs: { ci: number; torture: number }): Promise<{ sequences: number; withCodes: number }> {
  let sequences = 0;
  let withSegments = 0;
  let withCodes = 0;
  const property = fc.asyncProperty(
    modelRunArb(vectorKeyArb, dimensionArb, scaled(25, 60), undefined, dialect),
    fc.constantFrom(2, 5, 16),
    async ([setup, commands], segmentRows) => {
      const restoreSearch = useSearchMode(setup.exactSearch);
      sequences++;
      await withTempDir(async (dir) => {
        const target = new EngineTarget(dir, setup, smallCheckpointPolicy(segmentRows), dialect);
        await target.open();
        try {
          await runModel(setup, commands, target);
          if (target.hasSegments()) withSegments++;
          if (target.hasSegmentsOnDisk()) withCodes++;
        } finally {
          await target.close();
          restoreSearch();
        }
      });
    },
  );
  await assertAsyncProperty(label, property, runs, { ci: 120_000, torture: 900_000 });
  console.log(`# ${label}: ${sequences} sequences run, ${withSegments} ended with segments, ${withCodes} with int8 segments`);
  return { sequences, withCodes };
}

test("engine: random command sequences agree with the in-memory model", { timeout: scaled(150_000, 4_000_000) }, async () => {
  await runEngineModel("engine model", "oss", { ci: 20, torture: 400 });
});

// The S3 Vectors dialect: $startsWith through the memtable's compiled predicate and the segments'
// inverted indexes, never short of topK, never a deleted row, on the exact and the graph path alike.
test("engine: random command sequences with S3 Vectors filters agree with the in-memory model", { timeout: scaled(150_000, 4_000_000) }, async () => {
  await runEngineModel("engine model, S3 filters", "s3", { ci: 12, torture: 400 });
});

// Every segment keeps int8 codes in memory and reads its float32 vectors from its object on disk
// (search/vector-placement.ts), through flushes, merges, compactions and restarts: exact mode still
// answers exactly (small scans read every row from disk), graph mode re-ranks candidates by the codes.
test("engine: random command sequences with int8 segments (vectors on disk) agree with the in-memory model", { timeout: scaled(150_000, 4_000_000) }, async () => {
  const saved = { ...VECTOR_PLACEMENT };
  configureVectorPlacement({ quantization: "int8", minRows: 1 });
  try {
    const { withCodes } = await runEngineModel("engine model, int8 segments", "oss", { ci: 20, torture: 400 });
    assert.ok(withCodes > 0, "some sequences ended with int8 segments");
  } finally {
    configureVectorPlacement(saved);
  }
});


// Every segment's graph is mapped from its object and its vectors read from the file (vector-placement.ts
// "mapped"), and a restart opens segments without reading them whole (search/segment-file.ts).
test("engine: random command sequences with mapped graphs agree with the in-memory model", { timeout: scaled(150_000, 4_000_000) }, async () => {
  const saved = { ...VECTOR_PLACEMENT };
  configureVectorPlacement({ graphsOnDisk: "always", minRows: 1 });
  try {
    const { withCodes } = await runEngineModel("engine model, mapped graphs", "oss", { ci: 20, torture: 400 });
    assert.ok(withCodes > 0, "some sequences ended with mapped segments");
  } finally {
    configureVectorPlacement(saved);
  }
});
