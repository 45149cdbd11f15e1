// The requests of the CLI's Fusion commands (`ossv index create-fusion`, `ossv vectors query-fusion`),
// built from their flags or files; api-run.ts sends them through @ossv/sdk. Kept apart from the
// sending so that what a set of flags asks for can be read (and tested) on its own.
//
// query-fusion takes either a whole request as JSON (--request FILE: any member of QueryVectorsFusion
// but bucket and indexName), or flags for the common shapes: a k-NN route on one vector field, a text
// match on one text field, a query-language expression, and --rrf to fuse the route and the query
// by reciprocal rank instead of adding their scores (the API's way without a retriever).
import { fq, fr, type FusionExpression, type FusionKnn, type FusionSchemaConfiguration, type QueryVectorsFusionRequest } from "@ossv/sdk";
import { UsageError } from "./connection.ts";
import { isJsonObject, numbers, parseJson, readText } from "./json-input.ts";

export interface FusionQueryFlags {
  request?: string;
  knn?: string;
  vector?: string;
  vectorFile?: string;
  topK?: number;
  numCandidates?: number;
  knnFilter?: string;
  text?: string;
  query?: string;
  rrf?: boolean;
  limit?: number;
  metadata?: boolean;
  fields?: string[];
  partitionKey?: string[];
  nextToken?: string;
}

/** The schema from --schema: `{"fields": [...]}`, or a request body that holds it under schemaConfiguration. */
export function fusionSchemaFrom(file: string): FusionSchemaConfiguration {
  let parsed = parseJson(readText(file, "schema file"), file);
  if (isJsonObject(parsed) && isJsonObject(parsed["schemaConfiguration"])) parsed = parsed["schemaConfiguration"];
  if (!isJsonObject(parsed) || !Array.isArray(parsed["fields"])) {
    throw new UsageError(`${file} must hold {"fields": [...]} (or a request with "schemaConfiguration")`);
  }
  return parsed as unknown as FusionSchemaConfiguration;
}

const FLAG_MEMBERS = ["knn", "vector", "vectorFile", "topK", "numCandidates", "knnFilter", "text", "query", "rrf", "limit", "metadata", "fields", "partitionKey", "nextToken"] as const;

/** The QueryVectorsFusion request the flags (or --request) describe, without bucket and index. */
export function fusionQueryFrom(flags: FusionQueryFlags): Omit<QueryVectorsFusionRequest, "bucket" | "indexName"> {
  if (flags.request !== undefined) {
    const mixed = FLAG_MEMBERS.filter((name) => flags[name] !== undefined);
    if (mixed.length > 0) throw new UsageError(`--request holds the whole query; leave out ${mixed.map((name) => `--${kebab(name)}`).join(", ")}`);
    const parsed = parseJson(readText(flags.request, "request file"), flags.request);
    if (!isJsonObject(parsed)) throw new UsageError(`${flags.request} must hold a JSON object of QueryVectorsFusion members`);
    const { bucket: _bucket, indexName: _indexName, ...members } = parsed;
    return members;
  }
  const knn = knnRoute(flags);
  const query = queryExpression(flags);
  if (!knn && !query) throw new UsageError("give --knn FIELD with a vector, --text FIELD=WORDS, --query JSON, or --request FILE");
  if (flags.rrf && !(knn && query)) throw new UsageError("--rrf fuses a k-NN route with a text or query route: give both");
  const common = {
    ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
    ...(flags.partitionKey?.length ? { partitionKeys: flags.partitionKey } : {}),
    // The service returns returnMetadataFields only with returnMetadata: asking for fields asks for both.
    ...(flags.metadata || flags.fields?.length ? { returnMetadata: true } : {}),
    ...(flags.fields?.length ? { returnMetadataFields: flags.fields } : {}),
  };
  if (flags.rrf) {
    if (flags.nextToken !== undefined) throw new UsageError("--next-token pages pure query searches only, not --rrf");
    return { retriever: fr.rrf([fr.knn(knn!), fr.simple(query!)]), ...common };
  }
  return { ...(knn ? { knn: [knn] } : {}), ...(query ? { query } : {}), ...(flags.nextToken !== undefined ? { nextToken: flags.nextToken } : {}), ...common };
}

function knnRoute(flags: FusionQueryFlags): FusionKnn | undefined {
  const given = [flags.vector, flags.vectorFile].filter((value) => value !== undefined).length;
  if (flags.knn === undefined) {
    if (given > 0 || flags.topK !== undefined || flags.numCandidates !== undefined || flags.knnFilter !== undefined) {
      throw new UsageError("--vector, --vector-file, --top-k, --num-candidates and --knn-filter belong to a --knn FIELD route");
    }
    return undefined;
  }
  if (given !== 1) throw new UsageError("--knn FIELD takes exactly one of --vector and --vector-file");
  const text = flags.vector ?? readText(flags.vectorFile!, "vector file");
  const queryVector = numbers(parseJson(text, flags.vector !== undefined ? "--vector" : flags.vectorFile!), "the query vector");
  const filter = flags.knnFilter !== undefined ? expression(parseJson(flags.knnFilter, "--knn-filter"), "--knn-filter") : undefined;
  return {
    field: flags.knn, queryVector,
    ...(flags.topK !== undefined ? { topK: flags.topK } : {}),
    ...(flags.numCandidates !== undefined ? { numCandidates: flags.numCandidates } : {}),
    ...(filter ? { filter } : {}),
  };
}

/** --text FIELD=WORDS and --query JSON; both together must both match. */
function queryExpression(flags: FusionQueryFlags): FusionExpression | undefined {
  const parts: FusionExpression[] = [];
  if (flags.text !== undefined) {
    const at = flags.text.indexOf("=");
    if (at <= 0 || at === flags.text.length - 1) throw new UsageError("--text takes FIELD=WORDS, e.g. --text 'title=noise cancelling'");
    parts.push(fq.text(flags.text.slice(0, at), flags.text.slice(at + 1)));
  }
  if (flags.query !== undefined) parts.push(expression(parseJson(flags.query, "--query"), "--query"));
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : fq.and(...parts);
}

function expression(value: unknown, what: string): FusionExpression {
  if (!isJsonObject(value)) throw new UsageError(`${what} must be a JSON object of the query language, e.g. {"brand": {"$eq": "A"}}`);
  return value;
}

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}
