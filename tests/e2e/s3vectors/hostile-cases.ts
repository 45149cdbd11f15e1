// Hostile S3 Vectors requests, correctly signed: for every operation a valid baseline body aimed at
// the seeded index, broken in ways that must each be refused with a 4xx of the API's shape and change
// nothing — JSON that does not parse, a member of the wrong JSON type, NaN/Infinity where the SDKs
// write them (as the strings "NaN", "Infinity"), bodies nested absurdly deep or far too large,
// unknown operations and wrong methods.
import fc from "fast-check";

export const MAIN_BUCKET = "hostile-main";
export const MAIN_INDEX = "seeded";
/** Stands for the seeded bucket's ARN (percent-encoded as one path segment), known only at run time. */
export const BUCKET_ARN = "{bucketArn}";

export interface HostileCase {
  category: string;
  operation: string;
  method: string;
  path: string;
  query?: Record<string, string | string[]>;
  body: string | Buffer;
  /** Statuses that are right for this break (always 4xx). */
  statuses: number[];
  /**
   * Paths that name no S3 Vectors operation are the OSS API's on the same port (`POST /Name` is a
   * path-style bucket there), so their refusal may come in the OSS shape; only "4xx" is asserted.
   */
  eitherApi?: boolean;
}

const at = { vectorBucketName: MAIN_BUCKET, indexName: MAIN_INDEX };
/** Baseline bodies: valid requests (some would change data if they were accepted unbroken). */
export const BASE: Record<string, Record<string, unknown>> = {
  CreateVectorBucket: { vectorBucketName: "hostile-new", encryptionConfiguration: { sseType: "AES256" }, tags: { a: "b" } },
  GetVectorBucket: { vectorBucketName: MAIN_BUCKET },
  ListVectorBuckets: { maxResults: 10, prefix: "hostile" },
  DeleteVectorBucket: { vectorBucketName: MAIN_BUCKET },
  PutVectorBucketPolicy: { vectorBucketName: MAIN_BUCKET, policy: '{"Version":"2012-10-17","Statement":[]}' },
  GetVectorBucketPolicy: { vectorBucketName: MAIN_BUCKET },
  DeleteVectorBucketPolicy: { vectorBucketName: MAIN_BUCKET },
  PutVectorBucketDefaultIndexMode: { vectorBucketName: MAIN_BUCKET, defaultIndexMode: "ENHANCED" },
  CreateIndex: { vectorBucketName: MAIN_BUCKET, indexName: "fresh", dataType: "float32", dimension: 3, distanceMetric: "cosine", metadataConfiguration: { nonFilterableMetadataKeys: ["body"] } },
  GetIndex: at,
  ListIndexes: { vectorBucketName: MAIN_BUCKET, maxResults: 5, prefix: "s" },
  DeleteIndex: at,
  UpdateIndexMode: { ...at, indexMode: "ENHANCED" },
  PutVectors: { ...at, vectors: [{ key: "seed-0", data: { float32: [9, 9, 9] }, metadata: { genre: "changed", list: ["x"] } }] },
  GetVectors: { ...at, keys: ["seed-0", "seed-1"], returnData: true, returnMetadata: true },
  ListVectors: { ...at, maxResults: 3, segmentCount: 2, segmentIndex: 1, returnData: true },
  QueryVectors: { ...at, topK: 3, queryVector: { float32: [1, 2, 3] }, filter: { genre: { $in: ["a", "b"] } }, returnDistance: true, returnMetadata: true },
  DeleteVectors: { ...at, keys: ["seed-0", "seed-1"] },
};
export const BODY_OPERATIONS = Object.keys(BASE);

/** Where a wrong type breaks the request: a path into the body and the JSON type it must have. */
type Kind = "string" | "integer" | "boolean" | "array" | "object" | "number";
const TYPED: Record<string, Array<[string[], Kind]>> = {
  CreateVectorBucket: [[["vectorBucketName"], "string"], [["encryptionConfiguration"], "object"], [["encryptionConfiguration", "sseType"], "string"], [["tags"], "object"], [["tags", "a"], "string"]],
  GetVectorBucket: [[["vectorBucketName"], "string"]],
  ListVectorBuckets: [[["maxResults"], "integer"], [["prefix"], "string"]],
  DeleteVectorBucket: [[["vectorBucketName"], "string"]],
  PutVectorBucketPolicy: [[["vectorBucketName"], "string"], [["policy"], "string"]],
  GetVectorBucketPolicy: [[["vectorBucketName"], "string"]],
  DeleteVectorBucketPolicy: [[["vectorBucketName"], "string"]],
  PutVectorBucketDefaultIndexMode: [[["vectorBucketName"], "string"], [["defaultIndexMode"], "string"]],
  CreateIndex: [[["vectorBucketName"], "string"], [["indexName"], "string"], [["dataType"], "string"], [["dimension"], "integer"], [["distanceMetric"], "string"], [["metadataConfiguration"], "object"], [["metadataConfiguration", "nonFilterableMetadataKeys"], "array"], [["metadataConfiguration", "nonFilterableMetadataKeys", "0"], "string"]],
  GetIndex: [[["vectorBucketName"], "string"], [["indexName"], "string"]],
  ListIndexes: [[["vectorBucketName"], "string"], [["maxResults"], "integer"], [["prefix"], "string"]],
  DeleteIndex: [[["vectorBucketName"], "string"], [["indexName"], "string"]],
  UpdateIndexMode: [[["indexName"], "string"], [["indexMode"], "string"]],
  PutVectors: [[["indexName"], "string"], [["vectors"], "array"], [["vectors", "0"], "object"], [["vectors", "0", "key"], "string"], [["vectors", "0", "data"], "object"], [["vectors", "0", "data", "float32"], "array"], [["vectors", "0", "data", "float32", "1"], "number"], [["vectors", "0", "metadata"], "object"]],
  GetVectors: [[["indexName"], "string"], [["keys"], "array"], [["keys", "1"], "string"], [["returnData"], "boolean"], [["returnMetadata"], "boolean"]],
  ListVectors: [[["indexName"], "string"], [["maxResults"], "integer"], [["segmentCount"], "integer"], [["segmentIndex"], "integer"], [["returnData"], "boolean"]],
  QueryVectors: [[["indexName"], "string"], [["topK"], "integer"], [["queryVector"], "object"], [["queryVector", "float32"], "array"], [["queryVector", "float32", "0"], "number"], [["filter"], "object"], [["filter", "genre", "$in"], "array"], [["returnDistance"], "boolean"], [["returnMetadata"], "boolean"]],
  DeleteVectors: [[["indexName"], "string"], [["keys"], "array"], [["keys", "0"], "string"]],
};

/** Values of every JSON type (and the non-finite strings the SDKs send), minus those of `kind`. */
function wrongValues(kind: Kind): fc.Arbitrary<unknown> {
  const pool: Array<[Kind | "null" | "special", unknown]> = [
    ["string", "x"], ["string", ""], ["string", "NaN"], ["string", "Infinity"], ["string", "-Infinity"], ["string", "1"], ["string", "x".repeat(70_000)],
    ["integer", 1], ["integer", -1], ["integer", 0], ["number", 1.5], ["number", 1e300], ["number", -0.5],
    ["boolean", true], ["boolean", false], ["array", []], ["array", ["x"]], ["array", [null]], ["object", {}], ["object", { float32: "x" }],
  ];
  const fits = (k: Kind | "null" | "special") => k === kind || (kind === "number" && k === "integer");
  // A number member may also not be one of the non-finite strings; those go in nonFiniteCases.
  return fc.constantFrom(...pool.filter(([k, v]) => !fits(k) && !(kind === "number" && typeof v === "string" && /^-?(NaN|Infinity)$/.test(v))).map(([, v]) => v));
}

function withValue(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const copy = structuredClone(body);
  let node: Record<string, unknown> = copy;
  for (const step of path.slice(0, -1)) node = node[step] as Record<string, unknown>;
  node[path.at(-1)!] = value;
  return copy;
}

const post = (operation: string, body: string | Buffer, category: string, statuses = [400]): HostileCase =>
  ({ category, operation, method: "POST", path: `/${operation}`, body, statuses });

const operationArb = fc.constantFrom(...BODY_OPERATIONS);

export const wrongTypeCases: fc.Arbitrary<HostileCase> = operationArb
  .chain((operation) => fc.constantFrom(...TYPED[operation]!).chain(([path, kind]) => wrongValues(kind).map((value) => ({ operation, path, value }))))
  .map(({ operation, path, value }) => post(operation, JSON.stringify(withValue(BASE[operation]!, path, value)), `wrong type ${path.join(".")}`));

export const syntaxCases: fc.Arbitrary<HostileCase> = fc.oneof(
  // The valid body cut short anywhere but before its first byte: an empty body is no syntax error (it
  // reads as {}, which is a whole request where every member is optional, e.g. ListVectorBuckets).
  operationArb.chain((operation) => {
    const text = JSON.stringify(BASE[operation]);
    return fc.integer({ min: 1, max: text.length - 1 }).map((cut) => post(operation, text.slice(0, cut), "truncated JSON"));
  }),
  fc.tuple(operationArb, fc.constantFrom(
    "[]", "1", "\"text\"", "null", "true", "{'a':1}", "{a:1}", "{\"a\":1,}", "{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1}{\"b\":2}",
    "{\"a\":\"\\ud800\"", "\u0000", "\ufeff{}garbage", "{\"a\":01}", "{\"a\":.5}",
  )).map(([operation, text]) => post(operation, text, "not a JSON object")),
  fc.tuple(operationArb, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([operation, bytes]) => post(operation, Buffer.concat([Buffer.from("{"), Buffer.from(bytes)]), "random bytes")),
);

/** NaN and infinities as the SDKs write them, in every place a float goes, and where an integer goes. */
export const nonFiniteCases: fc.Arbitrary<HostileCase> = fc.tuple(fc.constantFrom("NaN", "Infinity", "-Infinity"), fc.nat({ max: 2 }), fc.constantFrom("put", "query", "topK", "dimension"))
  .map(([value, position, where]) => {
    if (where === "put") {
      const float32: unknown[] = [1, 2, 3];
      float32[position] = value;
      return post("PutVectors", JSON.stringify({ ...at, vectors: [{ key: "seed-0", data: { float32 } }] }), `non-finite ${value} in PutVectors`);
    }
    if (where === "query") {
      const float32: unknown[] = [1, 2, 3];
      float32[position] = value;
      return post("QueryVectors", JSON.stringify({ ...at, topK: 2, queryVector: { float32 } }), `non-finite ${value} in QueryVectors`);
    }
    if (where === "topK") return post("QueryVectors", JSON.stringify({ ...at, topK: value, queryVector: { float32: [1, 2, 3] } }), `non-finite ${value} as topK`);
    return post("CreateIndex", JSON.stringify({ ...BASE["CreateIndex"], dimension: value }), `non-finite ${value} as dimension`);
  });

/** Deep nesting where documents (metadata, filters) are free-form, and beyond any sane depth. */
export const deepCases: fc.Arbitrary<HostileCase> = fc.tuple(fc.constantFrom(1_000, 100_000), fc.constantFrom("filter", "metadata", "raw"))
  .map(([depth, where]) => {
    const nested = "[".repeat(depth) + "]".repeat(depth);
    const body = where === "filter"
      ? `{"vectorBucketName":"${MAIN_BUCKET}","indexName":"${MAIN_INDEX}","topK":1,"queryVector":{"float32":[1,2,3]},"filter":{"$and":${nested}}}`
      : where === "metadata"
        ? `{"vectorBucketName":"${MAIN_BUCKET}","indexName":"${MAIN_INDEX}","vectors":[{"key":"seed-0","data":{"float32":[1,2,3]},"metadata":{"deep":${nested}}}]}`
        : nested;
    return post(where === "metadata" ? "PutVectors" : "QueryVectors", body, `nested ${depth} deep in ${where}`);
  });

/** Unknown operations, wrong methods, and tag paths that name no resource. */
const ANY_4XX = [400, 403, 404, 405, 411];
export const routingCases: fc.Arbitrary<HostileCase> = fc.constantFrom<HostileCase>(
  { category: "unknown operation", operation: "NoSuchOperation", method: "POST", path: "/NoSuchOperation", body: "{}", statuses: ANY_4XX, eitherApi: true },
  { category: "lower-case operation", operation: "putvectors", method: "POST", path: "/putvectors", body: JSON.stringify(BASE["PutVectors"]), statuses: ANY_4XX, eitherApi: true },
  { category: "wrong method", operation: "PutVectors", method: "GET", path: "/PutVectors", body: "", statuses: ANY_4XX, eitherApi: true },
  { category: "wrong method", operation: "DeleteVectors", method: "DELETE", path: "/DeleteVectors", body: "", statuses: ANY_4XX, eitherApi: true },
  { category: "tags of a non-ARN", operation: "ListTagsForResource", method: "GET", path: "/tags/not-an-arn", body: "", statuses: [400, 404] },
  { category: "tags of nothing", operation: "TagResource", method: "POST", path: "/tags/", body: "{\"tags\":{\"a\":\"b\"}}", statuses: ANY_4XX, eitherApi: true },
  { category: "tags of another account", operation: "ListTagsForResource", method: "GET", path: "/tags/arn%3Aaws%3As3vectors%3Aus-east-1%3A000000000000%3Abucket%2Fx", body: "", statuses: [403, 404] },
  { category: "tag body not JSON", operation: "TagResource", method: "POST", path: `/tags/${BUCKET_ARN}`, body: "{tags", statuses: [400] },
  { category: "tags not a map", operation: "TagResource", method: "POST", path: `/tags/${BUCKET_ARN}`, body: "{\"tags\":[\"a\"]}", statuses: [400] },
  { category: "untag without keys", operation: "UntagResource", method: "DELETE", path: `/tags/${BUCKET_ARN}`, body: "", statuses: [400] },
);

export const hostileCases: fc.Arbitrary<HostileCase> = fc.oneof(
  { weight: 6, arbitrary: wrongTypeCases },
  { weight: 4, arbitrary: syntaxCases },
  { weight: 2, arbitrary: nonFiniteCases },
  { weight: 1, arbitrary: deepCases },
  { weight: 1, arbitrary: routingCases },
);
