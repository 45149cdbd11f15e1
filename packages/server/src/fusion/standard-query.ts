// Standard QueryVectors on a Fusion index: the service accepts it only when the schema's one vector
// field is named `float32`, so that the Standard `queryVector: {"float32": […]}` names it; any other
// Fusion index answers 400 (docs/fusion.md#documents).
import { compileFilter, parseFilter, validateFloat32Vector, type WireVector } from "@ossv/protocol";
import type { IndexRecord, Metadata } from "@ossv/engine";
import type { OpContext, OpResult } from "../handlers/context.ts";
import { checkInteger, invalid, optionalBoolean, requiredField } from "../handlers/params.ts";
import { vectorsJson } from "../handlers/vector-json.ts";
import { fusionLayoutOf } from "./layout.ts";
import { nearest } from "./knn.ts";

export async function queryFusionAsStandard(ctx: OpContext, index: IndexRecord): Promise<OpResult> {
  const layout = fusionLayoutOf({ ...index, fusion: index.fusion! });
  const slot = layout.slots.length === 1 && layout.slots[0]!.field.name === "float32" ? layout.slots[0]! : undefined;
  if (!slot) throw invalid("QueryVectors serves Standard indexes; query a Fusion index with QueryVectorsFusion.");
  const raw = requiredField(ctx.body, "queryVector");
  const values = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>)["float32"] : undefined;
  const metric = slot.field.distanceMetric === "cosine" ? "cosine" : "euclidean";
  const vector = validateFloat32Vector(values, slot.field.dimension, metric, "queryVector.float32");
  const topK = checkInteger(requiredField(ctx.body, "topK"), "topK", 1, ctx.limits.maxTopK);
  const rawFilter = ctx.body["filter"];
  const node = rawFilter === undefined || rawFilter === null ? undefined : parseFilter(rawFilter, { limits: ctx.limits });
  const filter = node && compileFilter(node);
  const withDistance = optionalBoolean(ctx.body, "returnDistance");
  const withMetadata = optionalBoolean(ctx.body, "returnMetadata");
  const collection = await ctx.engine.readCollection(index);
  // One synchronous step from the scan to the answer: the hits read their metadata where the engine holds it.
  const accept = filter && ((_key: string, metadata: () => Readonly<Metadata>) => filter(metadata()));
  // The filter is in the engine's own language: its segments answer it from their inverted indexes too.
  const prefilter = node && { node, key: JSON.stringify(node) };
  const search = { field: slot.position, query: vector, k: topK, minEf: 0, ...(accept && { accept }), ...(prefilter && { prefilter }) };
  const hits = nearest((visit) => collection.forEachFieldCandidate(search, visit), slot, vector, topK, accept);
  const vectors = hits.map((hit) => {
    const out: WireVector = { key: hit.key };
    if (withMetadata) out.metadata = hit.metadata();
    if (withDistance) out.distance = hit.distance;
    return out;
  });
  return { pieces: vectorsJson(vectors, (v) => [JSON.stringify(v)]) };
}
