// What the API commands of api-commands.ts do, on @ossv/sdk. JSON output is the API's answer without
// the SDK's response metadata (status, request id, headers); writes print nothing when they succeed.
import {
  VectorsClient, paginateListVectorBuckets, paginateListVectorIndexes, paginateListVectors, putVectorsInBatches,
  type LoggingEnabled, type Vector, type VectorInput, type VectorMetadata,
} from "@ossv/sdk";
import { resolveConnection, UsageError, type ConnectionFlags } from "./connection.ts";
import { EXIT } from "./exit-codes.ts";
import { describeFailure, fieldTable, table, type OutputFormat } from "./output.ts";
import { fusionQueryFrom, fusionSchemaFrom, type FusionQueryFlags } from "./fusion-request.ts";
import { isJsonObject, jsonObject, numbers, parseJson, readText } from "./json-input.ts";

export type ApiCommandName =
  | "bucket create" | "bucket get" | "bucket list" | "bucket delete"
  | "index create" | "index get" | "index list" | "index delete"
  | "policy get" | "policy put" | "policy delete"
  | "logging get" | "logging put" | "logging delete"
  | "index create-fusion"
  | "vectors put" | "vectors get" | "vectors list" | "vectors delete" | "vectors query" | "vectors query-fusion";

/** The flags commander parsed, camel-cased; which ones are set depends on the command. */
export interface ApiFlags extends ConnectionFlags, Omit<FusionQueryFlags, "metadata"> {
  output?: OutputFormat;
  prefix?: string;
  dimension?: number;
  metric?: "cosine" | "euclidean";
  nonFilterable?: string[];
  file?: string;
  targetBucket?: string;
  targetPrefix?: string;
  loggingRole?: string;
  bucket?: string;
  index?: string;
  key?: string | string[];
  vector?: string;
  vectorFile?: string;
  like?: string;
  metadata?: string | boolean;
  data?: boolean;
  distance?: boolean;
  filter?: string;
  maxResults?: number;
  all?: boolean;
  schema?: string;
}

/** What a command prints: JSON as the API shapes it, and the same as a table. */
interface Printed {
  json: unknown;
  table: string;
}

function need<T>(value: T | undefined, flag: string): T {
  if (value === undefined) throw new UsageError(`${flag} is required`);
  return value;
}

function keys(flags: ApiFlags): string[] {
  return typeof flags.key === "string" ? [flags.key] : flags.key ?? [];
}

/** Vectors as a table: one row each, the components and metadata as JSON. */
function vectorTable(vectors: readonly Vector[]): string {
  return table(vectors.map((v) => ({
    key: v.key,
    ...(v.distance !== undefined ? { distance: v.distance } : {}),
    ...(v.metadata !== undefined ? { metadata: v.metadata } : {}),
    ...(v.data !== undefined ? { data: v.data.float32 } : {}),
  })));
}

/**
 * A vector's data: `{"float32": [...]}` (or a bare array) for a Standard index, or, for a Fusion index,
 * an object of vector field names to arrays, which is sent as it is.
 */
function vectorData(value: unknown, what: string): VectorInput["data"] {
  if (isJsonObject(value) && !("float32" in value)) {
    const fields = Object.entries(value);
    if (fields.length === 0) throw new UsageError(`${what} must name at least one vector field`);
    return Object.fromEntries(fields.map(([field, values]) => [field, numbers(values, `${what}.${field}`)]));
  }
  return { float32: numbers(value, what) };
}

function vectorsFromFile(file: string): VectorInput[] {
  const parsed = parseJson(readText(file, "vectors file"), file);
  if (!Array.isArray(parsed)) throw new UsageError(`${file} must hold a JSON array of vectors`);
  return parsed.map((item, i) => {
    const entry = jsonObject(item, `${file} item ${i}`);
    if (typeof entry["key"] !== "string" || entry["key"] === "") throw new UsageError(`${file} item ${i}: "key" must be a non-empty string`);
    const vector: VectorInput = { key: entry["key"], data: vectorData(entry["data"], `${file} item ${i}: "data"`) };
    if (entry["metadata"] !== undefined) vector.metadata = jsonObject(entry["metadata"], `${file} item ${i}: "metadata"`) as VectorMetadata;
    return vector;
  });
}

async function queryVector(api: VectorsClient, flags: ApiFlags, bucket: string, indexName: string): Promise<number[]> {
  const given = [flags.vector, flags.vectorFile, flags.like].filter((value) => value !== undefined).length;
  if (given !== 1) throw new UsageError("give exactly one of --vector, --vector-file and --like");
  if (flags.vector !== undefined) return numbers(parseJson(flags.vector, "--vector"), "--vector");
  if (flags.vectorFile !== undefined) return numbers(parseJson(readText(flags.vectorFile, "vector file"), flags.vectorFile), flags.vectorFile);
  const key = flags.like!;
  const { vectors } = await api.getVectors({ bucket, indexName, keys: [key], returnData: true });
  const data = vectors[0]?.data?.float32;
  if (!data) throw new UsageError(`--like: no vector with key "${key}" in index ${indexName} of bucket ${bucket}`);
  return data;
}

async function execute(api: VectorsClient, name: ApiCommandName, args: string[], flags: ApiFlags): Promise<Printed | undefined> {
  const [first, second] = args as [string, string];
  switch (name) {
    case "bucket create": await api.putVectorBucket({ bucket: first }); return undefined;
    case "bucket delete": await api.deleteVectorBucket({ bucket: first }); return undefined;
    case "bucket get": {
      const { bucketInfo } = await api.getVectorBucket({ bucket: first });
      return { json: { bucketInfo }, table: fieldTable({ ...bucketInfo }) };
    }
    case "bucket list": {
      const buckets = [];
      for await (const page of paginateListVectorBuckets(api, { ...(flags.prefix ? { prefix: flags.prefix } : {}) })) buckets.push(...page.buckets);
      return { json: { buckets }, table: table(buckets.map((b) => ({ ...b }))) };
    }
    case "index create":
      await api.putVectorIndex({
        bucket: first, indexName: second, dataType: "float32", dimension: need(flags.dimension, "--dimension"), distanceMetric: need(flags.metric, "--metric"),
        ...(flags.nonFilterable?.length ? { metadata: { nonFilterableMetadataKeys: flags.nonFilterable } } : {}),
      });
      return undefined;
    case "index create-fusion":
      await api.putVectorIndexFusion({ bucket: first, indexName: second, schemaConfiguration: fusionSchemaFrom(need(flags.schema, "--schema")) });
      return undefined;
    case "index delete": await api.deleteVectorIndex({ bucket: first, indexName: second }); return undefined;
    case "index get": {
      const { index } = await api.getVectorIndex({ bucket: first, indexName: second });
      return { json: { index }, table: fieldTable(index) };
    }
    case "index list": {
      const indexes = [];
      for await (const page of paginateListVectorIndexes(api, { bucket: first, ...(flags.prefix ? { prefix: flags.prefix } : {}) })) indexes.push(...page.indexes);
      return { json: { indexes }, table: table(indexes) };
    }
    case "policy get": {
      // The document as stored, so `policy get B > p.json` and `policy put B --file p.json` round-trip.
      const { policy } = await api.getBucketPolicy({ bucket: first });
      const text = policy.endsWith("\n") ? policy : `${policy}\n`;
      return { json: undefined, table: text };
    }
    case "policy put": {
      const file = need(flags.file, "--file");
      const policy = readText(file, "policy file");
      parseJson(policy, file); // a typo is caught here, not as the service's MalformedPolicy
      await api.putBucketPolicy({ bucket: first, policy });
      return undefined;
    }
    case "policy delete": await api.deleteBucketPolicy({ bucket: first }); return undefined;
    case "logging get": {
      const { bucketLoggingStatus } = await api.getBucketLogging({ bucket: first });
      return { json: { bucketLoggingStatus }, table: fieldTable({ ...bucketLoggingStatus.loggingEnabled }) };
    }
    case "logging put": {
      await api.putBucketLogging({ bucket: first, bucketLoggingStatus: { loggingEnabled: loggingFrom(flags) } });
      return undefined;
    }
    case "logging delete": await api.deleteBucketLogging({ bucket: first }); return undefined;
    default: return executeVectors(api, name, flags);
  }
}

function loggingFrom(flags: ApiFlags): LoggingEnabled {
  if (flags.file !== undefined) {
    if (flags.targetBucket !== undefined) throw new UsageError("give --file or --target-bucket, not both");
    let parsed = jsonObject(parseJson(readText(flags.file, "logging file"), flags.file), flags.file);
    if (parsed["bucketLoggingStatus"] !== undefined) parsed = jsonObject(parsed["bucketLoggingStatus"], `${flags.file}: bucketLoggingStatus`);
    if (parsed["loggingEnabled"] !== undefined) parsed = jsonObject(parsed["loggingEnabled"], `${flags.file}: loggingEnabled`);
    if (typeof parsed["targetBucket"] !== "string") throw new UsageError(`${flags.file}: "targetBucket" must be a string`);
    return parsed as unknown as LoggingEnabled;
  }
  return {
    targetBucket: need(flags.targetBucket, "--target-bucket (or --file)"),
    ...(flags.targetPrefix !== undefined ? { targetPrefix: flags.targetPrefix } : {}),
    ...(flags.loggingRole !== undefined ? { loggingRole: flags.loggingRole } : {}),
  };
}

async function executeVectors(api: VectorsClient, name: ApiCommandName, flags: ApiFlags): Promise<Printed | undefined> {
  const bucket = need(flags.bucket, "--bucket");
  const indexName = need(flags.index, "--index");
  switch (name) {
    case "vectors put": {
      const one = flags.key !== undefined || flags.vector !== undefined || flags.metadata !== undefined;
      if (flags.file !== undefined && one) throw new UsageError("give --file, or --key and --vector (and --metadata), not both");
      if (flags.file !== undefined) {
        const vectors = vectorsFromFile(flags.file);
        const { putKeys, failures } = await putVectorsInBatches(api, { bucket, indexName, vectors });
        if (failures.length > 0) {
          // Batches are independent: say how far it got, then fail with the first batch's error.
          process.stderr.write(`ossv vectors put: ${putKeys.length} of ${vectors.length} vectors written; ${failures.length} batch(es) failed\n`);
          throw failures[0]!.error;
        }
        return undefined;
      }
      const [key] = keys(flags);
      const vector: VectorInput = { key: need(key, "--key (or --file)"), data: { float32: numbers(parseJson(need(flags.vector, "--vector"), "--vector"), "--vector") } };
      if (typeof flags.metadata === "string") vector.metadata = jsonObject(parseJson(flags.metadata, "--metadata"), "--metadata") as VectorMetadata;
      await api.putVectors({ bucket, indexName, vectors: [vector] });
      return undefined;
    }
    case "vectors get": {
      const { vectors } = await api.getVectors({ bucket, indexName, keys: keys(flags), returnData: Boolean(flags.data), returnMetadata: Boolean(flags.metadata) });
      return { json: { vectors }, table: vectorTable(vectors) };
    }
    case "vectors list": {
      const request = {
        bucket, indexName, returnData: Boolean(flags.data), returnMetadata: Boolean(flags.metadata),
        ...(flags.maxResults !== undefined ? { maxResults: flags.maxResults } : {}),
        ...(flags.nextToken !== undefined ? { nextToken: flags.nextToken } : {}),
      };
      if (flags.all) {
        const vectors: Vector[] = [];
        for await (const page of paginateListVectors(api, request)) vectors.push(...page.vectors);
        return { json: { vectors }, table: vectorTable(vectors) };
      }
      const { vectors, nextToken } = await api.listVectors(request);
      return { json: { vectors, ...(nextToken ? { nextToken } : {}) }, table: vectorTable(vectors) + (nextToken ? `nextToken: ${nextToken}\n` : "") };
    }
    case "vectors delete": await api.deleteVectors({ bucket, indexName, keys: keys(flags) }); return undefined;
    case "vectors query": {
      const filter = flags.filter !== undefined ? jsonObject(parseJson(flags.filter, "--filter"), "--filter") : undefined;
      const float32 = await queryVector(api, flags, bucket, indexName);
      const { vectors } = await api.queryVectors({
        bucket, indexName, queryVector: { float32 }, topK: need(flags.topK, "--top-k"),
        returnMetadata: Boolean(flags.metadata), returnDistance: Boolean(flags.distance), ...(filter ? { filter } : {}),
      });
      return { json: { vectors }, table: vectorTable(vectors) };
    }
    case "vectors query-fusion": {
      const { metadata, ...rest } = flags;
      const query = fusionQueryFrom({ ...rest, ...(metadata !== undefined ? { metadata: Boolean(metadata) } : {}) });
      const { vectors, nextToken } = await api.queryVectorsFusion({ bucket, indexName, ...query });
      return {
        json: { vectors, ...(nextToken ? { nextToken } : {}) },
        table: table(vectors.map((v) => ({ key: v.key, score: v.score, ...(v.metadata !== undefined ? { metadata: v.metadata } : {}) }))) + (nextToken ? `nextToken: ${nextToken}\n` : ""),
      };
    }
    default: throw new UsageError(`unknown command "${name}"`);
  }
}

/** Runs one API command and prints its result or its one-line error; returns the exit code. */
export async function runApiCommand(name: ApiCommandName, args: string[], flags: ApiFlags): Promise<number> {
  try {
    const api = new VectorsClient(resolveConnection(flags));
    const printed = await execute(api, name, args, flags);
    if (printed) {
      const format = flags.output ?? "json";
      process.stdout.write(format === "table" || printed.json === undefined ? printed.table : `${JSON.stringify(printed.json, null, 2)}\n`);
    }
    return EXIT.ok;
  } catch (error) {
    const { line, code } = describeFailure(error);
    process.stderr.write(`ossv ${name}: ${line}\n`);
    return code;
  }
}
