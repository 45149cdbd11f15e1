// Every limit of the default profile at its edge. One past the limit is refused with the message
// naming the field. The value at the limit must pass, yet no request here may succeed, so it is sent
// with a second, later break whose refusal can only come once the limit value has been accepted: a
// name that already exists (409), or a later field or vector that is wrong (the message names it).
import fc from "fast-check";
import { DEFAULT_LIMITS as L } from "@ossv/protocol";
import { maxListTokenLength } from "@ossv/engine";
import { withFields, type OperationName } from "./hostile-ops.ts";
import { expecting, hostileCase, invalidParameter, outcome, type Expectation, type HostileCase } from "./hostile-oracle.ts";
import { signedCase } from "./hostile-cases-body.ts";
import { DIMENSION, INDEX, LONG_BUCKET, LONG_INDEX, NEW_BUCKET, NON_FILTERABLE, SHORT_BUCKET } from "./hostile-world.ts";

interface Edge {
  op: OperationName;
  what: string;
  body: () => unknown;
  expect: Expectation;
}

const edge = (op: OperationName, what: string, body: () => unknown, expect: Expectation): Edge => ({ op, what, body, expect });
const vector = (key: string, metadata: Record<string, unknown> = {}, data: unknown[] = [1, 2, 3, 4]) => ({ key, data: { float32: data }, metadata });
const keys = (n: number, prefix = "key") => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const exists = (code: string) => expecting(outcome(409, code));
/** A vector whose key is empty: the later break for PutVectors edges. */
const BAD_SECOND = vector("");

/** A string of `bytes` UTF-8 bytes so that `wrap(s)` is exactly `total` bytes of compact JSON. */
function padTo(total: number, wrap: (s: string) => unknown): string {
  const overhead = Buffer.byteLength(JSON.stringify(wrap("")));
  return "x".repeat(total - overhead);
}

function nestedAnd(levels: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { genre: "drama" };
  for (let i = 0; i < levels; i++) filter = { $and: [filter] };
  return filter;
}

const putIndex = (fields: Record<string, unknown>) => () => withFields("PutVectorIndex", fields);
const nonFilterable = (names: string[]) => ({ metadata: { nonFilterableMetadataKeys: names } });

const INDEX_EDGES: Edge[] = [
  edge("PutVectorIndex", "dimension 0", putIndex({ dimension: 0 }), invalidParameter("dimension")),
  edge("PutVectorIndex", "dimension -1", putIndex({ dimension: -1 }), invalidParameter("dimension")),
  edge("PutVectorIndex", "dimension 4097", putIndex({ dimension: L.maxDimension + 1 }), invalidParameter("dimension")),
  edge("PutVectorIndex", "dimension 1 (existing name)", putIndex({ dimension: 1, indexName: INDEX }), exists("VectorBucketIndexAlreadyExist")),
  edge("PutVectorIndex", "dimension 4096 (existing name)", putIndex({ dimension: L.maxDimension, indexName: INDEX }), exists("VectorBucketIndexAlreadyExist")),
  edge("PutVectorIndex", "indexName of 64", putIndex({ indexName: "I".padEnd(64, "x") }), invalidParameter("indexName")),
  edge("PutVectorIndex", "indexName of 63 (existing)", putIndex({ indexName: LONG_INDEX }), exists("VectorBucketIndexAlreadyExist")),
  edge("PutVectorIndex", "11 non-filterable keys", putIndex(nonFilterable(keys(11, "n"))), invalidParameter("nonFilterableMetadataKeys")),
  edge("PutVectorIndex", "10 non-filterable keys (existing name)", putIndex({ ...nonFilterable(keys(10, "n")), indexName: INDEX }), exists("VectorBucketIndexAlreadyExist")),
  edge("PutVectorIndex", "non-filterable key of 64 bytes", putIndex(nonFilterable(["n".padEnd(64, "k")])), invalidParameter("nonFilterableMetadataKeys")),
  edge("PutVectorIndex", "non-filterable key of 63 bytes (existing name)", putIndex({ ...nonFilterable(["n".padEnd(63, "k")]), indexName: INDEX }), exists("VectorBucketIndexAlreadyExist")),
];

const putVectors = (vectors: unknown[]) => () => ({ indexName: INDEX, vectors });
const longKey = (n: number) => "k".repeat(n);
/** Astral characters: 2 UTF-16 units each, 1 character as the key limit counts. */
const astralKey = (n: number) => "\u{1F600}".repeat(n);
const metadataOf = (total: number, key: string) => ({ [key]: padTo(total, (s) => ({ [key]: s })) });

const PUT_EDGES: Edge[] = [
  edge("PutVectors", "501 vectors", putVectors(keys(L.maxPutVectors + 1).map((k) => vector(k))), invalidParameter("vectors")),
  edge("PutVectors", "500 vectors, last repeats a key", putVectors([...keys(L.maxPutVectors - 1).map((k) => vector(k)), vector("key0")]), invalidParameter("more than once")),
  edge("PutVectors", "0 vectors", putVectors([]), invalidParameter("vectors")),
  edge("PutVectors", "key of 1025", putVectors([vector(longKey(L.maxVectorKeyLength + 1))]), invalidParameter("vectors[0].key")),
  edge("PutVectors", "key of 1024, then a bad vector", putVectors([vector(longKey(L.maxVectorKeyLength)), BAD_SECOND]), invalidParameter("vectors[1].key")),
  edge("PutVectors", "astral key of 1025", putVectors([vector(astralKey(L.maxVectorKeyLength + 1))]), invalidParameter("vectors[0].key")),
  edge("PutVectors", "astral key of 1024, then a bad vector", putVectors([vector(astralKey(L.maxVectorKeyLength)), BAD_SECOND]), invalidParameter("vectors[1].key")),
  edge("PutVectors", "metadata with 11 keys", putVectors([vector("m", Object.fromEntries(keys(11, "f").map((k) => [k, 1])))]), invalidParameter("vectors[0].metadata")),
  edge("PutVectors", "metadata with 10 keys, then a bad vector", putVectors([vector("m", Object.fromEntries(keys(10, "f").map((k) => [k, 1]))), BAD_SECOND]), invalidParameter("vectors[1].key")),
  edge("PutVectors", "metadata of 40961 bytes", putVectors([vector("m", metadataOf(L.maxMetadataBytes + 1, NON_FILTERABLE))]), invalidParameter("vectors[0].metadata")),
  edge("PutVectors", "metadata of 40960 bytes, then a bad vector", putVectors([vector("m", metadataOf(L.maxMetadataBytes, NON_FILTERABLE)), BAD_SECOND]), invalidParameter("vectors[1].key")),
  edge("PutVectors", "filterable metadata of 2049 bytes", putVectors([vector("m", metadataOf(L.maxFilterableMetadataBytes + 1, "genre"))]), invalidParameter("vectors[0].metadata")),
  edge("PutVectors", "filterable metadata of 2048 bytes, then a bad vector", putVectors([vector("m", metadataOf(L.maxFilterableMetadataBytes, "genre")), BAD_SECOND]), invalidParameter("vectors[1].key")),
  edge("PutVectors", "3 values for dimension 4", putVectors([vector("d", {}, [1, 2, 3])]), invalidParameter("dimension")),
  edge("PutVectors", "5 values for dimension 4", putVectors([vector("d", {}, [1, 2, 3, 4, 5])]), invalidParameter("dimension")),
  edge("PutVectors", "a value past float32", putVectors([vector("d", {}, [1, 2, 3.5e38, 4])]), invalidParameter("float32")),
  edge("PutVectors", "the largest float32, then a bad vector", putVectors([vector("d", {}, [1, 2, 3.4028234663852886e38, 4]), BAD_SECOND]), invalidParameter("vectors[1].key")),
];

const keyBatch = (list: string[]) => () => ({ indexName: INDEX, keys: list });

const KEY_EDGES: Edge[] = [
  edge("GetVectors", "101 keys", keyBatch(keys(L.maxGetKeys + 1)), invalidParameter("keys")),
  edge("GetVectors", "100 keys, the last empty", keyBatch([...keys(L.maxGetKeys - 1), ""]), invalidParameter(`keys[${L.maxGetKeys - 1}]`)),
  edge("GetVectors", "0 keys", keyBatch([]), invalidParameter("keys")),
  edge("GetVectors", "key of 1025", keyBatch([longKey(L.maxVectorKeyLength + 1)]), invalidParameter("keys[0]")),
  edge("GetVectors", "key of 1024, then an empty one", keyBatch([longKey(L.maxVectorKeyLength), ""]), invalidParameter("keys[1]")),
  edge("DeleteVectors", "501 keys", keyBatch(keys(L.maxDeleteKeys + 1)), invalidParameter("keys")),
  edge("DeleteVectors", "500 keys, the last repeated", keyBatch([...keys(L.maxDeleteKeys - 1), "key0"]), invalidParameter("repeats")),
  edge("DeleteVectors", "0 keys", keyBatch([]), invalidParameter("keys")),
  edge("DeleteVectors", "key of 1025", keyBatch([longKey(L.maxVectorKeyLength + 1)]), invalidParameter("keys[0]")),
];

const LIST_TOKEN_BYTES = Math.max(L.maxNextTokenBytes, maxListTokenLength(L.maxVectorKeyLength));
const list = (fields: Record<string, unknown>) => () => ({ indexName: INDEX, ...fields });
const BAD_FLAG = { returnData: "yes" };

const LIST_EDGES: Edge[] = [
  edge("ListVectors", "maxResults 0", list({ maxResults: 0 }), invalidParameter("maxResults")),
  edge("ListVectors", "maxResults 1001", list({ maxResults: L.listVectorsMax + 1 }), invalidParameter("maxResults")),
  edge("ListVectors", "maxResults 1000, bad returnData", list({ maxResults: L.listVectorsMax, ...BAD_FLAG }), invalidParameter("returnData")),
  edge("ListVectors", "maxResults 1, bad returnData", list({ maxResults: 1, ...BAD_FLAG }), invalidParameter("returnData")),
  edge("ListVectors", "segmentCount 0", list({ segmentCount: 0 }), invalidParameter("segmentCount")),
  edge("ListVectors", "segmentCount 17", list({ segmentCount: L.maxListSegments + 1 }), invalidParameter("segmentCount")),
  edge("ListVectors", "segmentCount 16, segmentIndex 16", list({ segmentCount: L.maxListSegments, segmentIndex: L.maxListSegments }), invalidParameter("segmentIndex")),
  edge("ListVectors", "segmentCount 16, segmentIndex -1", list({ segmentCount: L.maxListSegments, segmentIndex: -1 }), invalidParameter("segmentIndex")),
  edge("ListVectors", "segmentIndex without segmentCount", list({ segmentIndex: 0 }), invalidParameter("segmentCount")),
  edge("ListVectors", "empty nextToken", list({ nextToken: "" }), invalidParameter("nextToken")),
  // ListVectors takes back every token it hands out, and one names a key of up to 1,024 characters,
  // so its size bound is the longest token the engine makes, not the 2,048 bytes of other lists.
  edge("ListVectors", "nextToken one byte past the longest the engine makes", list({ nextToken: "a".repeat(LIST_TOKEN_BYTES + 1) }), invalidParameter("nextToken")),
  edge("ListVectors", "nextToken of 2049 bytes (passes the size check, not the engine's)", list({ nextToken: "a".repeat(L.maxNextTokenBytes + 1) }), invalidParameter("token")),
  edge("ListVectors", "nextToken of 1025 two-byte characters (2050 bytes, not a token)", list({ nextToken: "é".repeat(1025) }), invalidParameter("token")),
  edge("ListVectorIndexes", "maxResults -1", () => ({ maxResults: -1 }), invalidParameter("maxResults")),
  edge("ListVectorIndexes", "maxResults 501", () => ({ maxResults: L.listIndexesMax + 1 }), invalidParameter("maxResults")),
  edge("ListVectorIndexes", "maxResults 500, bad prefix", () => ({ maxResults: L.listIndexesMax, prefix: 5 }), invalidParameter("prefix")),
  edge("ListVectorIndexes", "nextToken of 2049", () => ({ nextToken: "a".repeat(L.maxNextTokenBytes + 1) }), invalidParameter("nextToken")),
];

const query = (fields: Record<string, unknown>) => () => withFields("QueryVectors", fields);
const BAD_DISTANCE = { returnDistance: "yes" };
const inList = (n: number) => ({ genre: { $in: keys(n, "g") } });
const filterOf = (bytes: number) => ({ genre: { $eq: padTo(bytes, (s) => ({ genre: { $eq: s } })) } });

const QUERY_EDGES: Edge[] = [
  edge("QueryVectors", "topK 0", query({ topK: 0 }), invalidParameter("topK")),
  edge("QueryVectors", "topK 101", query({ topK: L.maxTopK + 1 }), invalidParameter("topK")),
  edge("QueryVectors", "topK 100, bad returnDistance", query({ topK: L.maxTopK, ...BAD_DISTANCE }), invalidParameter("returnDistance")),
  edge("QueryVectors", "topK 1, bad returnDistance", query({ topK: 1, ...BAD_DISTANCE }), invalidParameter("returnDistance")),
  edge("QueryVectors", "filter nested 9 deep", query({ filter: nestedAnd(L.maxFilterDepth + 1) }), invalidParameter("nested")),
  edge("QueryVectors", "filter nested 8 deep, bad returnDistance", query({ filter: nestedAnd(L.maxFilterDepth), ...BAD_DISTANCE }), invalidParameter("returnDistance")),
  edge("QueryVectors", "filter of 1025 instructions", query({ filter: inList(L.maxFilterInstructions) }), invalidParameter("instructions")),
  edge("QueryVectors", "filter of 1024 instructions, bad returnDistance", query({ filter: inList(L.maxFilterInstructions - 1), ...BAD_DISTANCE }), invalidParameter("returnDistance")),
  edge("QueryVectors", "filter of 65537 bytes", query({ filter: filterOf(L.maxFilterBytes + 1) }), invalidParameter("bytes")),
  edge("QueryVectors", "filter of 65536 bytes, bad returnDistance", query({ filter: filterOf(L.maxFilterBytes), ...BAD_DISTANCE }), invalidParameter("returnDistance")),
  edge("QueryVectors", "filter on a non-filterable key", query({ filter: { [NON_FILTERABLE]: "x" } }), invalidParameter(NON_FILTERABLE)),
  edge("QueryVectors", "query vector of 3", query({ queryVector: { float32: [1, 2, 3] } }), invalidParameter("dimension")),
  edge("QueryVectors", `query vector of ${DIMENSION + 1}`, query({ queryVector: { float32: [1, 2, 3, 4, 5] } }), invalidParameter("dimension")),
];

/** Bucket names at and past the length limits: PutVectorBucket, no body. */
const BUCKET_NAME_EDGES: Array<{ name: string; expect: Expectation }> = [
  { name: "ab", expect: expecting(outcome(400, "InvalidBucketName")) },
  { name: "h".padEnd(L.maxBucketNameLength + 1, "b"), expect: expecting(outcome(400, "InvalidBucketName")) },
  { name: SHORT_BUCKET, expect: exists("BucketAlreadyExists") },
  { name: LONG_BUCKET, expect: exists("BucketAlreadyExists") },
];

/** ListVectorBuckets takes its page size from the query: max-keys must be 1 to 1000. */
const MAX_KEYS_EDGES = ["0", String(L.listBucketsMax + 1), "-1", "1.5", "abc", "1e3", " 5", "99999999999999999999"];

/** PutVectorBucket's x-oss-bucket-tagging must be k1=v1&k2=v2 with non-empty, decodable keys. */
const BAD_TAGGINGS = ["=v", "%zz=1", "a=%E0%A4%A", "k=v&=w", "%"];

const EDGES = [...INDEX_EDGES, ...PUT_EDGES, ...KEY_EDGES, ...LIST_EDGES, ...QUERY_EDGES];

/** Built once: some bodies are large, and every draw of the same edge sends the same bytes. */
const bodies = new Map<Edge, string>();
function bodyOf(e: Edge): string {
  let text = bodies.get(e);
  if (text === undefined) bodies.set(e, (text = JSON.stringify(e.body())));
  return text;
}

export const limitCases: fc.Arbitrary<HostileCase> = fc.oneof(
  { arbitrary: fc.constantFrom(...EDGES).map((e) => signedCase("limits", e.op, e.what, bodyOf(e), e.expect)), weight: 6 },
  {
    arbitrary: fc.constantFrom(...BUCKET_NAME_EDGES).map(({ name, expect }) => hostileCase({
      category: "limits", op: "PutVectorBucket", what: `bucket name of ${name.length}`,
      intent: { method: "PUT", bucket: name, query: "", body: Buffer.alloc(0) }, signing: { mode: "header" }, expect,
    })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(...MAX_KEYS_EDGES).map((value) => hostileCase({
      category: "limits", op: "ListVectorBuckets", what: `max-keys=${value}`,
      intent: { method: "GET", query: `max-keys=${encodeURIComponent(value)}`, body: Buffer.alloc(0) }, signing: { mode: "header" },
      expect: expecting(outcome(400, "InvalidArgument", "max-keys")),
    })),
    weight: 1,
  },
  {
    arbitrary: fc.constantFrom(...BAD_TAGGINGS).map((tagging) => hostileCase({
      category: "limits", op: "PutVectorBucket", what: `x-oss-bucket-tagging ${JSON.stringify(tagging)}`,
      intent: { method: "PUT", bucket: NEW_BUCKET, query: "", body: Buffer.alloc(0), headers: { "x-oss-bucket-tagging": tagging } },
      signing: { mode: "header" }, expect: expecting(outcome(400, "InvalidArgument", "tagging")),
    })),
    weight: 1,
  },
);
