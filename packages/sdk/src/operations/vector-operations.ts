// PutVectors, GetVectors, ListVectors, QueryVectors, DeleteVectors (docs/protocol.md#vector-operations).
// Vectors travel as `{"key":..,"data":{"float32":[..]},"metadata":{..}}`; results keep those names.
import type { OperationName, WireMetadata } from "@ossv/protocol";
import { InvalidParamError, ParamRequiredError } from "../errors.ts";
import { isJsonObject, readArray, readField, readNumber, readString } from "../json.ts";
import {
  definedOnly, readJsonBody, requireList, requireParam, type OperationDefinition,
} from "../operation.ts";
import type {
  DeleteVectorsRequest, DeleteVectorsResult, GetVectorsRequest, GetVectorsResult, ListVectorsRequest,
  ListVectorsResult, PutVectorsRequest, PutVectorsResult, QueryVectorsRequest, QueryVectorsResult, Vector,
  FusionVectorDataInput, VectorDataInput, VectorInput,
} from "../types.ts";

function requireIndex(input: { bucket: string; indexName: string }, operation: OperationName): void {
  requireParam(input, "bucket", operation);
  requireParam(input, "indexName", operation);
}

/** `{float32: [...]}`: a number[] copied, a Float32Array kept for the body writer (json.ts). */
export function toWireData(
  data: VectorDataInput | undefined, param: string, operation: OperationName,
): { float32: number[] | Float32Array } {
  const values = data?.float32;
  if (values === undefined || values === null) throw new ParamRequiredError(`${param}.float32`, { operation });
  if (!Array.isArray(values) && !(values instanceof Float32Array)) {
    throw new InvalidParamError(`${param}.float32`, "must be a number[] or a Float32Array", { operation });
  }
  // A Float32Array is kept: the body writer sends its values with float32 precision (9 digits).
  return { float32: values instanceof Float32Array ? values : Array.from(values) };
}

/** A Fusion document's data: each field's values as a plain array (a Float32Array kept for the writer). */
function toWireFields(data: FusionVectorDataInput, param: string, operation: OperationName): Record<string, number[] | Float32Array> {
  const out: Record<string, number[] | Float32Array> = {};
  for (const [field, values] of Object.entries(data)) {
    if (!Array.isArray(values) && !(values instanceof Float32Array)) {
      throw new InvalidParamError(`${param}.${field}`, "must be a number[] or a Float32Array", { operation });
    }
    out[field] = values instanceof Float32Array ? values : Array.from(values);
  }
  return out;
}

function isStandardData(data: VectorDataInput | FusionVectorDataInput): data is VectorDataInput {
  return "float32" in data;
}

function toWireVector(vector: VectorInput, position: number, operation: OperationName) {
  if (!vector?.key) throw new ParamRequiredError(`vectors[${position}].key`, { operation });
  const param = `vectors[${position}].data`;
  if (vector.data === undefined || vector.data === null) throw new ParamRequiredError(param, { operation });
  const data = isStandardData(vector.data) ? toWireData(vector.data, param, operation) : toWireFields(vector.data, param, operation);
  return definedOnly({ key: vector.key, data, metadata: vector.metadata });
}

/** A vector from a response: known members read case-insensitively, absent ones left out. */
export function toVector(wire: unknown): Vector {
  const vector: Vector = { key: readString(wire, "key") ?? "" };
  const data = readField(wire, "data");
  if (isJsonObject(data)) {
    const values = readField(data, "float32");
    if (Array.isArray(values)) vector.data = { float32: values as number[] };
    else vector.data = Object.fromEntries(Object.entries(data).filter(([, field]) => Array.isArray(field))) as Record<string, number[]>;
  }
  const metadata = readField(wire, "metadata");
  if (isJsonObject(metadata)) vector.metadata = metadata as WireMetadata;
  const distance = readNumber(wire, "distance");
  if (distance !== undefined) vector.distance = distance;
  return vector;
}

function readVectors(body: unknown): Vector[] {
  return readArray(body, "vectors").map(toVector);
}

export const putVectors: OperationDefinition<PutVectorsRequest, PutVectorsResult> = {
  name: "PutVectors",
  serialize(input) {
    requireIndex(input, this.name);
    requireList(input, "vectors", this.name);
    const vectors = input.vectors.map((vector, position) => toWireVector(vector, position, this.name));
    return { bucket: input.bucket, json: { indexName: input.indexName, vectors } };
  },
  deserialize: () => ({}),
};

export const getVectors: OperationDefinition<GetVectorsRequest, GetVectorsResult> = {
  name: "GetVectors",
  serialize(input) {
    requireIndex(input, this.name);
    requireList(input, "keys", this.name);
    const { indexName, returnData, returnMetadata } = input;
    return { bucket: input.bucket, json: definedOnly({ indexName, keys: [...input.keys], returnData, returnMetadata }) };
  },
  deserialize(response) {
    return { vectors: readVectors(readJsonBody(response, this.name)) };
  },
};

export const listVectors: OperationDefinition<ListVectorsRequest, ListVectorsResult> = {
  name: "ListVectors",
  serialize(input) {
    requireIndex(input, this.name);
    const { indexName, maxResults, nextToken, returnData, returnMetadata, segmentCount, segmentIndex } = input;
    const json = definedOnly({ indexName, maxResults, nextToken, returnData, returnMetadata, segmentCount, segmentIndex });
    return { bucket: input.bucket, json };
  },
  deserialize(response) {
    const body = readJsonBody(response, this.name);
    const nextToken = readString(body, "nextToken");
    const vectors = readVectors(body);
    return nextToken ? { vectors, nextToken } : { vectors };
  },
};

export const queryVectors: OperationDefinition<QueryVectorsRequest, QueryVectorsResult> = {
  name: "QueryVectors",
  serialize(input) {
    requireIndex(input, this.name);
    requireParam(input, "queryVector", this.name);
    requireParam(input, "topK", this.name);
    const { indexName, topK, filter, returnDistance, returnMetadata } = input;
    const queryVector = toWireData(input.queryVector, "queryVector", this.name);
    return { bucket: input.bucket, json: definedOnly({ indexName, queryVector, topK, filter, returnDistance, returnMetadata }) };
  },
  deserialize(response) {
    return { vectors: readVectors(readJsonBody(response, this.name)) };
  },
};

export const deleteVectors: OperationDefinition<DeleteVectorsRequest, DeleteVectorsResult> = {
  name: "DeleteVectors",
  serialize(input) {
    requireIndex(input, this.name);
    requireList(input, "keys", this.name);
    return { bucket: input.bucket, json: { indexName: input.indexName, keys: [...input.keys] } };
  },
  deserialize: () => ({}),
};
