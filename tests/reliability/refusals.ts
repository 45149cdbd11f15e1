// Requests just past one limit each, for the HTTP model test: every one must be refused with its 4xx
// error and change nothing (a refused PutVectors batch must not land even partly). Each builds on
// keys and vectors of the run, so a refusal that leaked would show in the model checks that follow.
import assert from "node:assert/strict";
import fc from "fast-check";
import { DEFAULT_LIMITS, type WireMetadata } from "@ossv/protocol";
import { ServiceError } from "@ossv/sdk";
import { drawVectors, metadataBytes, vectorSpecArb, type VectorSpec } from "./generators.ts";
import { batchKeys, checkGet, keyAt, type ModelCommand, type ModelState, type ModelTarget, type RunSetup } from "./model-commands.ts";
import { BUCKET, INDEX, type HttpTarget } from "./http-target.ts";

const LIMITS = DEFAULT_LIMITS;

type Refusal =
  | "key-too-long" | "too-many-metadata-keys" | "filterable-metadata-too-large" | "metadata-too-large"
  | "metadata-null-value" | "wrong-dimension" | "beyond-float32" | "too-many-vectors"
  | "too-many-delete-keys" | "repeated-delete-key" | "too-many-get-keys" | "topk-too-large" | "topk-zero"
  | "list-too-long" | "too-many-list-segments" | "filter-too-deep" | "filter-on-non-filterable-key";

const REFUSALS: readonly Refusal[] = [
  "key-too-long", "too-many-metadata-keys", "filterable-metadata-too-large", "metadata-too-large",
  "metadata-null-value", "wrong-dimension", "beyond-float32", "too-many-vectors",
  "too-many-delete-keys", "repeated-delete-key", "too-many-get-keys", "topk-too-large", "topk-zero",
  "list-too-long", "too-many-list-segments", "filter-too-deep", "filter-on-non-filterable-key",
];

/** A string value that makes `{key: value}` plus `base` exactly `bytes` long as compact JSON. */
function paddedField(base: WireMetadata, key: string, bytes: number): WireMetadata {
  const metadata = { ...base, [key]: "" };
  return { ...metadata, [key]: "é".repeat(Math.floor((bytes - metadataBytes(metadata)) / 2)) + "x".repeat((bytes - metadataBytes(metadata)) % 2) };
}

/** Metadata past one limit, or undefined when this index cannot express that refusal. */
function badMetadata(kind: Refusal, nonFilterable: readonly string[]): unknown {
  switch (kind) {
    case "too-many-metadata-keys":
      return Object.fromEntries(Array.from({ length: LIMITS.maxMetadataKeys + 1 }, (_, i) => [`k${i}`, i]));
    case "filterable-metadata-too-large":
      return paddedField({ genre: "drama" }, "pad", LIMITS.maxFilterableMetadataBytes + 1);
    case "metadata-too-large":
      // The filterable part stays small: only the whole object's limit is passed.
      return nonFilterable.length === 0 ? undefined : paddedField({ genre: "drama" }, nonFilterable[0] as string, LIMITS.maxMetadataBytes + 1);
    case "metadata-null-value":
      return { genre: null };
    default:
      return undefined;
  }
}

class RefusedCommand implements ModelCommand {
  constructor(readonly kind: Refusal, readonly refs: number[], readonly spec: VectorSpec) {}
  check(): true { return true; }

  async run(state: ModelState, target: ModelTarget): Promise<void> {
    const http = target as HttpTarget;
    const keys = batchKeys(state.setup, this.refs, this.refs.length);
    const request = this.request(http, state.setup, keys);
    if (request === undefined) return;
    const error = await request.then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ServiceError, `${this.kind}: expected a ServiceError, got ${String(error)}`);
    assert.equal(error.statusCode, 400, `${this.kind}: ${error.code} ${error.message}`);
    assert.equal(error.code, "VectorIndexParameterInvalid", `${this.kind}: ${error.message}`);
    assert.equal(http.internalErrors.length, 0, `${this.kind}: the server had internal errors`);
    // Nothing changed: every key the request named is as the model has it.
    await checkGet(target, state.model, keys.slice(0, LIMITS.maxGetKeys));
  }

  /** The SDK call that must be refused (undefined when the index cannot express this refusal). */
  private request(http: HttpTarget, setup: RunSetup, keys: string[]): Promise<unknown> | undefined {
    const { client } = http;
    const at = { bucket: BUCKET, indexName: INDEX };
    const vectors = drawVectors(this.spec, setup.dimension, keys.length).map((data, i) => ({ key: keys[i] as string, data: { float32: data } }));
    // The valid vectors of the batch, then one bad one (a new key unless `bad` names one).
    const putWith = (bad: Record<string, unknown>) => client.putVectors({ ...at, vectors: [...vectors, { key: "refused", data: vectors[0]?.data, ...bad } as never] });
    switch (this.kind) {
      case "key-too-long":
        return putWith({ key: repeatToCodePoints(keyAt(setup, this.refs[0] ?? 0), LIMITS.maxVectorKeyLength + 1) });
      case "wrong-dimension":
        return putWith({ data: { float32: Array.from({ length: setup.dimension + 1 }, () => 1) } });
      case "beyond-float32":
        return putWith({ data: { float32: Array.from({ length: setup.dimension }, (_, i) => (i === 0 ? 3.5e38 : 1)) } });
      case "too-many-vectors": {
        const many = batchKeys(setup, this.refs, LIMITS.maxPutVectors + 1);
        const data = drawVectors(this.spec, setup.dimension, many.length);
        return client.putVectors({ ...at, vectors: many.map((key, i) => ({ key, data: { float32: data[i] as Float32Array } })) });
      }
      case "too-many-delete-keys":
        return client.deleteVectors({ ...at, keys: batchKeys(setup, this.refs, LIMITS.maxDeleteKeys + 1) });
      case "repeated-delete-key":
        return client.deleteVectors({ ...at, keys: [...keys, keys[0] as string] });
      case "too-many-get-keys":
        return client.getVectors({ ...at, keys: Array.from({ length: LIMITS.maxGetKeys + 1 }, (_, i) => keys[i % keys.length] as string) });
      case "topk-too-large":
      case "topk-zero":
        return client.queryVectors({ ...at, queryVector: vectors[0]?.data as never, topK: this.kind === "topk-zero" ? 0 : LIMITS.maxTopK + 1 });
      case "list-too-long":
        return client.listVectors({ ...at, maxResults: LIMITS.listVectorsMax + 1 });
      case "too-many-list-segments":
        return client.listVectors({ ...at, segmentCount: LIMITS.maxListSegments + 1, segmentIndex: 0 });
      case "filter-too-deep":
        return client.queryVectors({ ...at, queryVector: vectors[0]?.data as never, topK: 1, filter: nestedAnd(LIMITS.maxFilterDepth + 1) });
      case "filter-on-non-filterable-key": {
        const key = setup.nonFilterable[0];
        return key === undefined ? undefined : client.queryVectors({ ...at, queryVector: vectors[0]?.data as never, topK: 1, filter: { [key]: "x" } });
      }
      default: {
        const metadata = badMetadata(this.kind, setup.nonFilterable);
        return metadata === undefined ? undefined : putWith({ metadata });
      }
    }
  }
  toString(): string { return `refused:${this.kind}(refs=${this.refs}, ${JSON.stringify(this.spec)})`; }
}

/** `text` repeated and cut to exactly `length` code points (the run's own characters, one too many). */
function repeatToCodePoints(text: string, length: number): string {
  const points = [...text];
  return Array.from({ length }, (_, i) => points[i % points.length]).join("");
}

/** `{"$and": [{"$and": [... {"genre": "a"} ...]}]}` with `depth` levels of $and. */
function nestedAnd(depth: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { genre: "a" };
  for (let i = 0; i < depth; i++) filter = { $and: [filter] };
  return filter;
}

/** One command per refusal, on the run's first keys: every limit checked once whatever the draw. */
export function everyRefusal(): ModelCommand[] {
  return REFUSALS.map((kind) => new RefusedCommand(kind, [0, 1, 2], { seed: 1, edgeShare: 0.5, scale: 1 }));
}

/** Refused requests, for the HTTP model test's command mix. */
export function refusalCommands(_setup: RunSetup): fc.Arbitrary<ModelCommand>[] {
  return [
    fc.tuple(fc.constantFrom(...REFUSALS), fc.array(fc.nat({ max: 1000 }), { minLength: 1, maxLength: 4 }), vectorSpecArb)
      .map(([kind, refs, spec]) => new RefusedCommand(kind, refs, spec)),
  ];
}
