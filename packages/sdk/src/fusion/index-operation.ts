// PutVectorIndexFusion on the wire: POST /?putVectorIndexFusion with the schema in a JSON body.
import { definedOnly, requireParam, type OperationDefinition } from "../operation.ts";
import type { PutVectorIndexFusionRequest, PutVectorIndexFusionResult } from "./schema-types.ts";

export const putVectorIndexFusion: OperationDefinition<PutVectorIndexFusionRequest, PutVectorIndexFusionResult> = {
  name: "PutVectorIndexFusion",
  serialize(input) {
    for (const name of ["bucket", "indexName", "schemaConfiguration"] as const) requireParam(input, name, this.name);
    const { indexName, schemaConfiguration } = input;
    const json = definedOnly({ indexName, mode: input.mode ?? "fusion", schemaConfiguration });
    return { bucket: input.bucket, json };
  },
  deserialize: () => ({}),
};
