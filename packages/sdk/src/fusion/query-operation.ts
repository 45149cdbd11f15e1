// QueryVectorsFusion on the wire: POST /?queryVectorsFusion; hits carry `score`, higher better.
import { isJsonObject, readArray, readNumber, readString, readField } from "../json.ts";
import { definedOnly, readJsonBody, requireParam, type OperationDefinition } from "../operation.ts";
import type { WireMetadata } from "@ossv/protocol";
import type { FusionHit, QueryVectorsFusionRequest, QueryVectorsFusionResult } from "./query-types.ts";

function toHit(wire: unknown): FusionHit {
  const hit: FusionHit = { key: readString(wire, "key") ?? "", score: readNumber(wire, "score") ?? 0 };
  const metadata = readField(wire, "metadata");
  if (isJsonObject(metadata)) hit.metadata = metadata as WireMetadata;
  return hit;
}

export const queryVectorsFusion: OperationDefinition<QueryVectorsFusionRequest, QueryVectorsFusionResult> = {
  name: "QueryVectorsFusion",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    requireParam(input, "indexName", this.name);
    const { indexName, query, retriever, limit, nextToken, partitionKeys, returnMetadata, returnMetadataFields, sort } = input;
    const knn = input.knn?.map((route) => ({ ...route, queryVector: route.queryVector instanceof Float32Array ? route.queryVector : [...route.queryVector] }));
    const json = definedOnly({ indexName, knn, query, retriever, limit, nextToken, partitionKeys, returnMetadata, returnMetadataFields, sort });
    return { bucket: input.bucket, json };
  },
  deserialize(response) {
    const body = readJsonBody(response, this.name);
    const vectors = readArray(body, "vectors").map(toHit);
    const nextToken = readString(body, "nextToken");
    return nextToken ? { vectors, nextToken } : { vectors };
  },
};
