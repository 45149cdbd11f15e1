// For each of the 21 operations, a baseline request that would succeed against the seeded world (and
// for most of them change it), and the fields of its JSON body with what each one must be. Every
// hostile case starts from a baseline and breaks one thing, so the expected refusal follows from the
// break; a break that failed to break would succeed, and show as a 2xx or as changed data.
import { OPERATIONS, OPERATION_NAMES, type OperationName, type OperationSpec } from "@ossv/protocol";
import { DIMENSION, FUSION_INDEX, INDEX, LONG_BUCKET, MAIN_BUCKET, NEW_BUCKET, NON_FILTERABLE, SHORT_BUCKET } from "./hostile-world.ts";

export { OPERATION_NAMES, type OperationName };

/** Policy text other than the seeded one: a PutBucketPolicy baseline that would replace it. */
const OTHER_POLICY = {
  Version: "1",
  Statement: [{ Effect: "Allow", Action: ["oss:GetVectors"], Principal: ["20000000000000002"], Resource: ["acs:ossvector:*:*:*"] }],
};

/** The bucket each baseline addresses; DeleteVectorBucket aims at an empty bucket it could delete. */
const BUCKET_OF: Partial<Record<OperationName, string>> = {
  PutVectorBucket: NEW_BUCKET,
  DeleteVectorBucket: SHORT_BUCKET,
};

/** The baseline JSON bodies; operations without a body are absent. */
export const BASE_BODIES: Partial<Record<OperationName, Record<string, unknown>>> = {
  PutVectorIndex: {
    indexName: "freshIndex", dataType: "float32", dimension: DIMENSION, distanceMetric: "cosine",
    metadata: { nonFilterableMetadataKeys: ["big"] },
  },
  GetVectorIndex: { indexName: INDEX },
  ListVectorIndexes: { maxResults: 10, prefix: "s", nextToken: "a" },
  DeleteVectorIndex: { indexName: INDEX },
  PutVectors: {
    indexName: INDEX,
    vectors: [{ key: "fresh-key", data: { float32: [1, 2, 3, 4] }, metadata: { genre: "new", [NON_FILTERABLE]: "n" } }],
  },
  GetVectors: { indexName: INDEX, keys: ["k1", "k2"], returnData: true, returnMetadata: true },
  ListVectors: { indexName: INDEX, maxResults: 5, returnData: true, returnMetadata: true, segmentCount: 2, segmentIndex: 1 },
  QueryVectors: {
    indexName: INDEX, queryVector: { float32: [1, 2, 3, 4] }, topK: 3,
    filter: { genre: { $eq: "drama" } }, returnDistance: true, returnMetadata: true,
  },
  DeleteVectors: { indexName: INDEX, keys: ["k1"] },
  PutBucketPolicy: OTHER_POLICY,
  PutVectorIndexFusion: {
    indexName: "freshFusion", mode: "fusion",
    schemaConfiguration: { fields: [{ name: "v", type: "vector", dataType: "float32", dimension: DIMENSION, distanceMetric: "cosine" }, { name: "title", type: "string", text: { enabled: true } }] },
  },
  QueryVectorsFusion: {
    indexName: FUSION_INDEX, knn: [{ field: "v", queryVector: [1, 2, 3, 4], topK: 3 }], query: { title: { $textMatch: { value: "seeded" } } },
    returnMetadata: true,
  },
  PutBucketLogging: { BucketLoggingStatus: { LoggingEnabled: { TargetBucket: LONG_BUCKET, TargetPrefix: "other/" } } },
};

export function spec(op: OperationName): OperationSpec {
  return OPERATIONS[op];
}

export function bucketOf(op: OperationName): string | undefined {
  return spec(op).scope === "service" ? undefined : BUCKET_OF[op] ?? MAIN_BUCKET;
}

/** Operations whose body the server parses as JSON (PutBucketPolicy's is a policy document). */
export const BODY_OPS = OPERATION_NAMES.filter((op) => BASE_BODIES[op] !== undefined);
export const JSON_FIELD_OPS = BODY_OPS.filter((op) => op !== "PutBucketPolicy");
export const BUCKET_OPS = OPERATION_NAMES.filter((op) => spec(op).scope !== "service");

/** What a field must be; a case puts a value of some other kind there. */
export type FieldKind =
  | "indexName" | "string" | "integer" | "boolean" | "dataType" | "metric" | "object" | "stringList"
  | "vectorList" | "vectorItem" | "vectorData" | "floatList" | "float" | "metadata" | "metadataValue" | "filter"
  | "loggingObject" | "loggingText";

export interface FieldSpec {
  path: Array<string | number>;
  kind: FieldKind;
  /** Absent or null is refused as missing (MissingArgument) rather than ignored. */
  required: boolean;
}

const f = (path: Array<string | number>, kind: FieldKind, required = false): FieldSpec => ({ path, kind, required });

export const FIELDS: Partial<Record<OperationName, FieldSpec[]>> = {
  PutVectorIndex: [
    f(["indexName"], "indexName", true), f(["dataType"], "dataType", true), f(["dimension"], "integer", true),
    f(["distanceMetric"], "metric", true), f(["metadata"], "object"), f(["metadata", "nonFilterableMetadataKeys"], "stringList"),
    f(["metadata", "nonFilterableMetadataKeys", 0], "string"),
  ],
  GetVectorIndex: [f(["indexName"], "indexName", true)],
  DeleteVectorIndex: [f(["indexName"], "indexName", true)],
  ListVectorIndexes: [f(["maxResults"], "integer"), f(["prefix"], "string"), f(["nextToken"], "string")],
  PutVectors: [
    f(["indexName"], "indexName", true), f(["vectors"], "vectorList", true), f(["vectors", 0], "vectorItem", true),
    f(["vectors", 0, "key"], "string", true), f(["vectors", 0, "data"], "vectorData", true),
    f(["vectors", 0, "data", "float32"], "floatList", true), f(["vectors", 0, "data", "float32", 2], "float", true),
    f(["vectors", 0, "metadata"], "metadata"), f(["vectors", 0, "metadata", "genre"], "metadataValue", true),
  ],
  GetVectors: [
    f(["indexName"], "indexName", true), f(["keys"], "stringList", true), f(["keys", 1], "string", true),
    f(["returnData"], "boolean"), f(["returnMetadata"], "boolean"),
  ],
  ListVectors: [
    f(["indexName"], "indexName", true), f(["maxResults"], "integer"), f(["returnData"], "boolean"),
    f(["returnMetadata"], "boolean"), f(["segmentCount"], "integer"), f(["segmentIndex"], "integer"), f(["nextToken"], "string"),
  ],
  QueryVectors: [
    f(["indexName"], "indexName", true), f(["queryVector"], "vectorData", true), f(["queryVector", "float32"], "floatList", true),
    f(["queryVector", "float32", 0], "float", true), f(["topK"], "integer", true), f(["filter"], "filter"),
    f(["returnDistance"], "boolean"), f(["returnMetadata"], "boolean"),
  ],
  DeleteVectors: [f(["indexName"], "indexName", true), f(["keys"], "stringList", true), f(["keys", 0], "string", true)],
  PutBucketLogging: [
    f(["BucketLoggingStatus"], "loggingObject", true), f(["BucketLoggingStatus", "LoggingEnabled"], "loggingObject"),
    f(["BucketLoggingStatus", "LoggingEnabled", "TargetBucket"], "loggingText", true),
    f(["BucketLoggingStatus", "LoggingEnabled", "TargetPrefix"], "loggingText"),
  ],
};

/** A deep copy of the baseline body with the value at `path` replaced (undefined deletes it). */
export function withField(op: OperationName, path: ReadonlyArray<string | number>, value: unknown): Record<string, unknown> {
  const body = structuredClone(BASE_BODIES[op]!);
  let holder: Record<string | number, unknown> = body;
  for (const step of path.slice(0, -1)) holder = holder[step] as Record<string | number, unknown>;
  const last = path[path.length - 1]!;
  if (value === undefined) delete holder[last];
  else holder[last] = value;
  return body;
}

/** The baseline body with top-level fields merged in (undefined deletes). */
export function withFields(op: OperationName, fields: Record<string, unknown>): Record<string, unknown> {
  const body = { ...structuredClone(BASE_BODIES[op] ?? {}), ...fields };
  for (const [name, value] of Object.entries(body)) if (value === undefined) delete body[name];
  return body;
}
