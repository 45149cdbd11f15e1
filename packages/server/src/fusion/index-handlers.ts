// PutVectorIndexFusion (docs/fusion.md#creating-an-index): an index described by a schema of named
// fields. The engine sees an ordinary collection whose rows hold every vector field (layout.ts).
import { parseFusionSchema } from "@ossv/protocol";
import type { FusionSchemaRecord } from "@ossv/engine";
import { requireBucket, type Handler } from "../handlers/context.ts";
import { newIndexNameOf } from "../handlers/indexes.ts";
import { invalid, requiredField } from "../handlers/params.ts";
import { layoutOf } from "./layout.ts";

const REQUEST_MEMBERS = ["indexName", "mode", "schemaConfiguration"];

export const putVectorIndexFusion: Handler = async (ctx) => {
  const bucket = requireBucket(ctx);
  for (const key of Object.keys(ctx.body)) {
    if (!REQUEST_MEMBERS.includes(key)) throw invalid(`PutVectorIndexFusion does not take "${key}".`);
  }
  const name = newIndexNameOf(ctx);
  // The Go SDK requires `mode`, Python fills it in and Java may leave it out: absent means fusion.
  const mode = ctx.body["mode"];
  if (mode !== undefined && mode !== null && mode !== "fusion") throw invalid(`"mode" must be "fusion".`);
  const raw = requiredField(ctx.body, "schemaConfiguration");
  const layout = layoutOf(parseFusionSchema(raw));
  await ctx.engine.catalog.createIndex(bucket.accountId, bucket.name, {
    name, dataType: "float32", dimension: layout.width, distanceMetric: "euclidean", nonFilterableMetadataKeys: [],
    fusion: raw as FusionSchemaRecord,
  }, ctx.limits.maxIndexesPerBucket);
  return {};
};
