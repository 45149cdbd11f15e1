// PutVectorIndex, GetVectorIndex, ListVectorIndexes, DeleteVectorIndex
// (docs/protocol.md#index-operations): all POST with the index name in a lowerCamel JSON body.
import { ClientError } from "../errors.ts";
import { isJsonObject, readArray, readField, readString, withCanonicalKeys } from "../json.ts";
import {
  definedOnly, readJsonBody, requireParam, type OperationDefinition,
} from "../operation.ts";
import type {
  DeleteVectorIndexRequest, DeleteVectorIndexResult, GetVectorIndexRequest, GetVectorIndexResult,
  ListVectorIndexesRequest, ListVectorIndexesResult, PutVectorIndexRequest, PutVectorIndexResult, VectorIndex,
} from "../types.ts";

const INDEX_FIELDS = [
  "indexName", "vectorBucketName", "bucketArn", "createTime", "dataType", "dimension", "distanceMetric",
  "metadata", "status", "mode", "schemaConfiguration",
] as const;

/** An index object with its known members spelled as on the wire, whatever case the server used. */
export function toVectorIndex(wire: unknown): VectorIndex {
  if (!isJsonObject(wire)) return { indexName: "" };
  const index = withCanonicalKeys(wire, INDEX_FIELDS) as VectorIndex;
  if (isJsonObject(index.metadata)) {
    index.metadata = withCanonicalKeys(index.metadata, ["nonFilterableMetadataKeys"]);
  }
  return index;
}

export const putVectorIndex: OperationDefinition<PutVectorIndexRequest, PutVectorIndexResult> = {
  name: "PutVectorIndex",
  serialize(input) {
    for (const name of ["bucket", "indexName", "dataType", "dimension", "distanceMetric"] as const) {
      requireParam(input, name, this.name);
    }
    const { indexName, dataType, dimension, distanceMetric, metadata } = input;
    return { bucket: input.bucket, json: definedOnly({ indexName, dataType, dimension, distanceMetric, metadata }) };
  },
  deserialize: () => ({}),
};

export const getVectorIndex: OperationDefinition<GetVectorIndexRequest, GetVectorIndexResult> = {
  name: "GetVectorIndex",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    requireParam(input, "indexName", this.name);
    return { bucket: input.bucket, json: { indexName: input.indexName } };
  },
  deserialize(response) {
    const index = readField(readJsonBody(response, this.name), "index");
    if (!isJsonObject(index)) {
      throw new ClientError("UnmarshalOutputFail", "GetVectorIndex: no `index` object in the response", { operation: this.name });
    }
    return { index: toVectorIndex(index) };
  },
};

export const listVectorIndexes: OperationDefinition<ListVectorIndexesRequest, ListVectorIndexesResult> = {
  name: "ListVectorIndexes",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    const { maxResults, nextToken, prefix } = input;
    const json = definedOnly({ maxResults, nextToken, prefix });
    // With no options the Go and Python SDKs send no body at all (docs/protocol.md#request-bodies); so
    // do we.
    return Object.keys(json).length > 0 ? { bucket: input.bucket, json } : { bucket: input.bucket };
  },
  deserialize(response) {
    const body = readJsonBody(response, this.name);
    const nextToken = readString(body, "nextToken");
    const indexes = readArray(body, "indexes").map(toVectorIndex);
    return nextToken ? { indexes, nextToken } : { indexes };
  },
};

export const deleteVectorIndex: OperationDefinition<DeleteVectorIndexRequest, DeleteVectorIndexResult> = {
  name: "DeleteVectorIndex",
  serialize(input) {
    requireParam(input, "bucket", this.name);
    requireParam(input, "indexName", this.name);
    return { bucket: input.bucket, json: { indexName: input.indexName } };
  },
  deserialize: () => ({}),
};
