// fast-check commands for model-based tests of a vector index: put (new keys and overwrites),
// delete, get, a full listing (paged, optionally split into list segments), query with and without
// filters, and the maintenance steps that move rows between memtable and segments (flush, compact,
// wait for graph builds, restart). Each command does the step on the real system and on the model,
// then checks the real system against the model. The system is behind `ModelTarget`, so the engine
// test and the HTTP test run the very same commands.
import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_LIMITS, type WireMetadata } from "@ossv/protocol";
import {
  drawVectors, edgeBiasedSize, filterArb, FILTER_FIELDS, keyWithSuffix, metadataArb, metadataBytes, NON_FILTERABLE_CHOICES, putBatchSizeArb, topKArb,
  vectorSpecArb, type FilterDialect, type FilterJson, type VectorSpec,
} from "./generators.ts";
import { compareUtf8, distancesAgree, jsonNormalised, VectorModel, type Metric } from "./vector-model.ts";

export interface TargetRecord {
  key: string;
  data: Float32Array;
  metadata: WireMetadata;
}

export interface TargetHit {
  key: string;
  distance: number;
}

export interface ListRequest {
  limit: number;
  token?: string;
  segmentCount?: number;
  segmentIndex?: number;
}

/** The system under test, as the commands see it. */
export interface ModelTarget {
  /** GetVectors with a key named twice: the engine returns it twice, the server (by design) once. */
  readonly getRepeatsDuplicates: boolean;
  /** Whether -0 comes back as -0: the engine keeps every bit; JSON on the wire (SDK and server) writes it as 0. */
  readonly keepsNegativeZero: boolean;
  /** The number of live rows, when the target can tell cheaply: checked after every step. */
  count?(): Promise<number>;
  put(vectors: TargetRecord[]): Promise<void>;
  delete(keys: string[]): Promise<void>;
  get(keys: string[]): Promise<TargetRecord[]>;
  list(request: ListRequest): Promise<{ vectors: TargetRecord[]; nextToken?: string }>;
  query(vector: Float32Array, topK: number, filter: FilterJson | undefined): Promise<TargetHit[]>;
  flush(): Promise<void>;
  compact(): Promise<void>;
  /** Waits for background graph builds, merges and compactions, so later queries use the graphs. */
  settle(): Promise<void>;
  restart(): Promise<void>;
}

/** What one run is about: the index's shape, the keys its commands draw from, how queries are checked. */
export interface RunSetup {
  dimension: number;
  metric: Metric;
  nonFilterable: readonly string[];
  /** Commands name keys by position in this list (modulo its length), so keys meet again: overwrites, deletes of rows that exist. */
  keys: string[];
  /** True when every segment is scanned exactly, so queries must return the exact top-k. */
  exactSearch: boolean;
}

export interface ModelState {
  setup: RunSetup;
  model: VectorModel;
}

type Command = fc.AsyncCommand<ModelState, ModelTarget, false>;

export function keyAt(setup: RunSetup, ref: number): string {
  return setup.keys[ref % setup.keys.length] as string;
}

/** Up to `size` distinct keys: the referenced ones first, then keys derived from the first by a suffix. */
export function batchKeys(setup: RunSetup, refs: readonly number[], size: number): string[] {
  const keys = new Set<string>();
  for (const ref of refs) if (keys.size < size) keys.add(keyAt(setup, ref));
  const base = keyAt(setup, refs[0] ?? 0);
  for (let i = 0; keys.size < size; i++) keys.add(keyWithSuffix(base, `#${i}`));
  return [...keys];
}

/** The float32 bit patterns of a vector, -0 read as 0 when the target cannot carry the sign of zero. */
function floatBits(values: Float32Array, keepsNegativeZero: boolean): Uint32Array {
  const copy = keepsNegativeZero ? values : values.map((value) => (value === 0 ? 0 : value));
  return new Uint32Array(copy.buffer, copy.byteOffset, copy.length);
}

function checkRecord(target: ModelTarget, model: VectorModel, record: TargetRecord): void {
  const row = model.rows.get(record.key);
  assert.ok(row, `target returned ${JSON.stringify(record.key).slice(0, 80)}, which the model does not hold`);
  // Bit patterns, not ==: nothing may be rounded on the way.
  const { keepsNegativeZero } = target;
  assert.deepEqual(floatBits(record.data, keepsNegativeZero), floatBits(row.data, keepsNegativeZero), `data of ${JSON.stringify(record.key).slice(0, 80)}`);
  assert.deepEqual(jsonNormalised(record.metadata), row.metadata, `metadata of ${JSON.stringify(record.key).slice(0, 80)}`);
}

/** Checks GetVectors of `keys` against the model: existing keys in request order, missing ones left out. */
export async function checkGet(target: ModelTarget, model: VectorModel, keys: string[]): Promise<void> {
  const records = await target.get(keys);
  const named = target.getRepeatsDuplicates ? keys : [...new Set(keys)];
  assert.deepEqual(records.map((r) => r.key), named.filter((key) => model.rows.has(key)), "get: keys returned");
  for (const record of records) checkRecord(target, model, record);
}

export class PutCommand implements Command {
  constructor(readonly refs: number[], readonly size: number, readonly spec: VectorSpec, readonly metadata: WireMetadata[]) {}
  check(): true { return true; }
  async run(state: ModelState, target: ModelTarget): Promise<void> {
    const keys = batchKeys(state.setup, this.refs, this.size);
    const data = drawVectors(this.spec, state.setup.dimension, keys.length);
    const vectors = keys.map((key, i) => ({ key, data: data[i] as Float32Array, metadata: this.metadata[i % this.metadata.length] as WireMetadata }));
    await target.put(vectors);
    state.model.put(vectors);
    await checkGet(target, state.model, keys.slice(0, DEFAULT_LIMITS.maxGetKeys));
  }
  toString(): string { return `put(refs=${this.refs}, size=${this.size}, ${JSON.stringify(this.spec)}, metadata bytes ${this.metadata.map(metadataBytes)})`; }
}

class DeleteCommand implements Command {
  constructor(readonly refs: number[], readonly size: number) {}
  check(): true { return true; }
  async run(state: ModelState, target: ModelTarget): Promise<void> {
    const keys = batchKeys(state.setup, this.refs, this.size);
    await target.delete(keys);
    state.model.delete(keys);
    await checkGet(target, state.model, keys.slice(0, DEFAULT_LIMITS.maxGetKeys));
  }
  toString(): string { return `delete(refs=${this.refs}, size=${this.size})`; }
}

class GetCommand implements Command {
  constructor(readonly refs: number[]) {}
  check(): true { return true; }
  async run(state: ModelState, target: ModelTarget): Promise<void> {
    // Duplicates are allowed in GetVectors and come back once per mention.
    await checkGet(target, state.model, this.refs.map((ref) => keyAt(state.setup, ref)));
  }
  toString(): string { return `get(refs=${this.refs})`; }
}

export class ListCommand implements Command {
  constructor(readonly pageSize: number, readonly segmentCount: number | undefined) {}
  check(): true { return true; }
  async run(state: ModelState, target: ModelTarget): Promise<void> {
    const segments = this.segmentCount ?? 1;
    const seen = new Set<string>();
    for (let segmentIndex = 0; segmentIndex < segments; segmentIndex++) {
      const keys = await this.listSegment(state.model, target, segmentIndex);
      for (const key of keys) {
        assert.ok(!seen.has(key), `list: ${JSON.stringify(key).slice(0, 80)} came twice (pages or segments overlap)`);
        seen.add(key);
      }
      assert.deepEqual(keys, [...keys].sort(compareUtf8), "list: keys of a segment are not in UTF-8 byte order");
    }
    assert.deepEqual([...seen].sort(compareUtf8), state.model.sortedKeys(), "list: the listing is not the model's key set");
  }

  private async listSegment(model: VectorModel, target: ModelTarget, segmentIndex: number): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const split = this.segmentCount === undefined ? {} : { segmentCount: this.segmentCount, segmentIndex };
      const page = await target.list({ limit: this.pageSize, ...split, ...(token !== undefined && { token }) });
      assert.ok(page.vectors.length <= this.pageSize, "list: page longer than maxResults");
      // A token promises more: a page after it is never empty.
      if (token !== undefined) assert.ok(page.vectors.length > 0, "list: empty page after a nextToken");
      for (const record of page.vectors) checkRecord(target, model, record);
      keys.push(...page.vectors.map((r) => r.key));
      token = page.nextToken;
    } while (token !== undefined);
    return keys;
  }
  toString(): string { return `list(pageSize=${this.pageSize}, segmentCount=${this.segmentCount})`; }
}

class QueryCommand implements Command {
  constructor(readonly spec: VectorSpec, readonly topK: number, readonly filter: FilterJson | undefined) {}
  check(): true { return true; }
  async run(state: ModelState, target: ModelTarget): Promise<void> {
    const [vector] = drawVectors(this.spec, state.setup.dimension, 1) as [Float32Array];
    const hits = await target.query(vector, this.topK, this.filter);
    checkQuery(state, vector, this.topK, this.filter && jsonNormalised(this.filter), hits);
  }
  toString(): string { return `query(${JSON.stringify(this.spec)}, topK=${this.topK}, filter=${JSON.stringify(this.filter)})`; }
}

/**
 * Every hit must be a row the model holds, accepted by the filter, at the model's distance, once,
 * in ascending order, and there must be min(topK, matching rows) of them (filtered queries never come
 * up short). With exact search the distances must also be the model's top-k distances: any tie order.
 */
function checkQuery(state: ModelState, vector: Float32Array, topK: number, filter: FilterJson | undefined, hits: TargetHit[]): void {
  const { model } = state;
  const matching = new Set(model.matching(filter));
  assert.equal(hits.length, Math.min(topK, matching.size), "query: number of hits");
  assert.equal(new Set(hits.map((h) => h.key)).size, hits.length, "query: a key came twice");
  hits.forEach((hit, i) => {
    assert.ok(matching.has(hit.key), `query: hit ${JSON.stringify(hit.key).slice(0, 80)} is not a matching row of the model`);
    const expected = model.distance(hit.key, vector);
    assert.ok(distancesAgree(hit.distance, expected), `query: distance of ${JSON.stringify(hit.key).slice(0, 80)} is ${hit.distance}, the model says ${expected}`);
    if (i > 0) assert.ok(hit.distance >= (hits[i - 1] as TargetHit).distance, "query: hits not in ascending distance");
  });
  if (!state.setup.exactSearch) return;
  const exact = model.exactTopK(vector, topK, filter);
  exact.forEach((best, i) => {
    const got = (hits[i] as TargetHit).distance;
    assert.ok(distancesAgree(got, best.distance), `query: hit ${i} is at ${got}, the exact top-k has ${best.distance} there`);
  });
}

type MaintenanceStep = "flush" | "compact" | "settle" | "restart";

class MaintenanceCommand implements Command {
  constructor(readonly step: MaintenanceStep) {}
  check(): true { return true; }
  async run(state: ModelState, target: ModelTarget): Promise<void> {
    await target[this.step]();
    // A restart recovers from disk alone: everything must be back, not only the keys the next step reads.
    if (this.step === "restart") await new ListCommand(DEFAULT_LIMITS.listVectorsMax, undefined).run(state, target);
  }
  toString(): string { return this.step; }
}

/** The commands of one run, for an index with these non-filterable keys. */
export function commandsArb(
  nonFilterable: readonly string[], maxCommands: number, extra: fc.Arbitrary<Command>[] = [], dialect: FilterDialect = "oss",
): fc.Arbitrary<Iterable<Command>> {
  const refs = (max: number) => fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: max });
  const filterFields = FILTER_FIELDS.filter((field) => !nonFilterable.includes(field));
  const put = fc.tuple(refs(6), putBatchSizeArb, vectorSpecArb, fc.array(metadataArb(nonFilterable), { minLength: 1, maxLength: 3 }))
    .map(([r, size, spec, metadata]) => new PutCommand(r, size, spec, metadata));
  const commands: fc.Arbitrary<Command>[] = [
    // Puts twice over: rows must pile up for the memtable to fill and segments to form.
    put, put,
    fc.tuple(refs(6), putBatchSizeArb).map(([r, size]) => new DeleteCommand(r, size)),
    refs(DEFAULT_LIMITS.maxGetKeys).map((r) => new GetCommand(r)),
    fc.tuple(edgeBiasedSize(DEFAULT_LIMITS.listVectorsMax, 4), fc.option(edgeBiasedSize(DEFAULT_LIMITS.maxListSegments, 3), { nil: undefined }))
      .map(([pageSize, segments]) => new ListCommand(pageSize, segments)),
    fc.tuple(vectorSpecArb, topKArb, fc.option(filterArb(filterFields, dialect), { nil: undefined, freq: 2 }))
      .map(([spec, topK, filter]) => new QueryCommand(spec, topK, filter)),
    fc.constantFrom<MaintenanceStep>("flush", "compact", "settle", "restart").map((step) => new MaintenanceCommand(step)),
    ...extra,
  ];
  return fc.commands(commands, { maxCommands, size: "+1" });
}

/** The shape of one run (index, key universe and search mode) and its commands. */
export function modelRunArb(
  keyArb: fc.Arbitrary<string>, dimensionArb: fc.Arbitrary<number>, maxCommands: number,
  extra: (setup: RunSetup) => fc.Arbitrary<Command>[] = () => [], dialect: FilterDialect = "oss",
): fc.Arbitrary<[RunSetup, Iterable<Command>]> {
  return runSetupArb(keyArb, dimensionArb)
    .chain((setup) => fc.tuple(fc.constant(setup), commandsArb(setup.nonFilterable, maxCommands, extra(setup), dialect)));
}

function runSetupArb(keyArb: fc.Arbitrary<string>, dimensionArb: fc.Arbitrary<number>): fc.Arbitrary<RunSetup> {
  return fc.record({
    dimension: dimensionArb,
    metric: fc.constantFrom<Metric>("euclidean", "cosine"),
    nonFilterable: fc.constantFrom(...NON_FILTERABLE_CHOICES),
    keys: fc.uniqueArray(keyArb, { minLength: 1, maxLength: 24 }),
    exactSearch: fc.boolean(),
  });
}

/** Runs one command sequence on a fresh target, checking each step. */
export async function runModel(
  setup: RunSetup, commands: Iterable<Command>, target: ModelTarget,
): Promise<void> {
  const state: ModelState = { setup, model: new VectorModel(setup.metric) };
  const checked = target.count ? countChecked(commands) : commands;
  await fc.asyncModelRun(() => ({ model: state, real: target }), process.env.OSSV_MODEL_TRACE ? traced(checked) : checked);
}

/** The commands, each followed by a check of the target's row count against the model's. */
function* countChecked(commands: Iterable<Command>): Iterable<Command> {
  for (const command of commands) {
    yield {
      check: (state) => command.check(state),
      run: async (state, target) => {
        await command.run(state, target);
        assert.equal(await (target.count as () => Promise<number>)(), state.model.rows.size, `row count after ${String(command).slice(0, 120)}`);
      },
      toString: () => String(command),
    };
  }
}

/** OSSV_MODEL_TRACE=1 prints each command with its duration (to see where a slow run spends its time). */
function* traced(commands: Iterable<Command>): Iterable<Command> {
  for (const command of commands) {
    yield {
      check: (state) => command.check(state),
      run: async (state, target) => {
        const started = performance.now();
        await command.run(state, target);
        console.log(`# ${(performance.now() - started).toFixed(0)} ms ${String(command).slice(0, 160)}`);
      },
      toString: () => String(command),
    };
  }
}

export type { Command as ModelCommand };
