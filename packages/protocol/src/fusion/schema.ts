// The schema of a Fusion index (docs/fusion.md#the-schema): named fields of seven types, checked
// strictly because the service creates an index all-or-nothing and refuses what it does not know.
// Parsing keeps the caller's JSON untouched (it is stored and echoed as sent) and returns a typed
// view with the defaults applied, which is what the server works from.
import { ApiError } from "../errors.ts";

export const FUSION_LIMITS = {
  maxFields: 100,
  maxVectorFields: 3,
  maxTextFields: 8,
  maxPartitionKeys: 1,
  maxFieldNameLength: 63,
  maxDimension: 4096,
  /** Longest `split` delimiter; the service documents none, so this is ours. */
  maxDelimiterLength: 16,
} as const;

export type FusionFieldType = "vector" | "string" | "long" | "double" | "bool" | "ip" | "geoPoint";
export type FusionMetric = "euclidean" | "cosine" | "ip";
export type FusionAnalyzer = "standard" | "split";

export interface FusionTextSettings {
  analyzer: FusionAnalyzer;
  caseSensitive: boolean;
  /** standard only: cut tokens where letters meet digits ("mp3" → "mp", "3"). */
  delimitWord: boolean;
  /** split only. */
  delimiter?: string;
}

export interface FusionVectorField {
  type: "vector";
  name: string;
  dimension: number;
  distanceMetric: FusionMetric;
}

export interface FusionScalarField {
  type: Exclude<FusionFieldType, "vector">;
  name: string;
  isArray: boolean;
  isPartitionKey: boolean;
  /** Whether `$eq`/`$in` may match the field (strings; true unless sent as false). */
  exactMatch: boolean;
  /** Present only when full text is enabled. */
  text?: FusionTextSettings;
}

export type FusionField = FusionVectorField | FusionScalarField;

export interface FusionSchema {
  fields: FusionField[];
  vectorFields: FusionVectorField[];
  textFields: FusionScalarField[];
  partitionKey?: FusionScalarField;
}

const FIELD_TYPES: readonly FusionFieldType[] = ["vector", "string", "long", "double", "bool", "ip", "geoPoint"];
const METRICS: readonly FusionMetric[] = ["euclidean", "cosine", "ip"];
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/** Which attributes each field type may carry; anything else is refused by name. */
const ATTRIBUTES: Record<FusionFieldType, readonly string[]> = {
  vector: ["name", "type", "dataType", "dimension", "distanceMetric"],
  string: ["name", "type", "isArray", "isPartitionKey", "exactMatch", "text"],
  long: ["name", "type", "isArray"],
  double: ["name", "type", "isArray"],
  bool: ["name", "type", "isArray"],
  ip: ["name", "type", "isArray"],
  geoPoint: ["name", "type", "isArray"],
};

function invalid(message: string): ApiError {
  return new ApiError("VectorIndexParameterInvalid", message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function objectOf(value: unknown, where: string): Record<string, unknown> {
  if (!isObject(value)) throw invalid(`${where} must be an object.`);
  return value;
}

function onlyKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw invalid(`${where} has an attribute this index type does not support: "${key}".`);
  }
}

/** A boolean attribute; absent (or null) gives the default, which may differ from false. */
function flag(value: Record<string, unknown>, key: string, fallback: boolean, where: string): boolean {
  const raw = value[key];
  if (raw === undefined || raw === null) return fallback;
  if (typeof raw !== "boolean") throw invalid(`${where}.${key} must be true or false.`);
  return raw;
}

function parseFieldName(raw: unknown, where: string): string {
  if (typeof raw !== "string") throw invalid(`${where}.name must be a string.`);
  if (raw.length < 1 || raw.length > FUSION_LIMITS.maxFieldNameLength || !FIELD_NAME.test(raw)) {
    throw invalid(`${where}.name "${raw.slice(0, 80)}" must be 1 to ${FUSION_LIMITS.maxFieldNameLength} letters, digits or '_', starting with a letter.`);
  }
  return raw;
}

function parseVectorField(raw: Record<string, unknown>, name: string, where: string): FusionVectorField {
  if (raw["dataType"] !== "float32") throw invalid(`${where}.dataType must be "float32".`);
  const dimension = raw["dimension"];
  if (typeof dimension !== "number" || !Number.isInteger(dimension) || dimension < 1 || dimension > FUSION_LIMITS.maxDimension) {
    throw invalid(`${where}.dimension must be an integer from 1 to ${FUSION_LIMITS.maxDimension}.`);
  }
  const metric = raw["distanceMetric"];
  if (!METRICS.includes(metric as FusionMetric)) throw invalid(`${where}.distanceMetric must be one of ${METRICS.join(", ")}.`);
  return { type: "vector", name, dimension, distanceMetric: metric as FusionMetric };
}

function parseAnalyzerParameters(raw: unknown, analyzer: FusionAnalyzer, where: string): FusionTextSettings {
  const params = raw === undefined || raw === null ? {} : objectOf(raw, where);
  onlyKeys(params, analyzer === "split" ? ["caseSensitive", "delimiter"] : ["caseSensitive", "delimitWord"], where);
  const settings: FusionTextSettings = {
    analyzer, caseSensitive: flag(params, "caseSensitive", false, where), delimitWord: flag(params, "delimitWord", false, where),
  };
  if (analyzer === "split") {
    const delimiter = params["delimiter"];
    if (typeof delimiter !== "string" || delimiter.length < 1 || delimiter.length > FUSION_LIMITS.maxDelimiterLength) {
      throw invalid(`${where}.delimiter is required by the split analyzer: 1 to ${FUSION_LIMITS.maxDelimiterLength} characters.`);
    }
    settings.delimiter = delimiter;
  }
  return settings;
}

/** The `text` attribute: undefined when full text stays off. */
function parseText(raw: unknown, where: string): FusionTextSettings | undefined {
  if (raw === undefined || raw === null) return undefined;
  const text = objectOf(raw, where);
  onlyKeys(text, ["enabled", "analyzer", "analyzerParameters"], where);
  const enabled = flag(text, "enabled", false, where);
  const analyzer = text["analyzer"] ?? "standard";
  if (analyzer !== "standard" && analyzer !== "split") throw invalid(`${where}.analyzer must be "standard" or "split".`);
  const settings = parseAnalyzerParameters(text["analyzerParameters"], analyzer, `${where}.analyzerParameters`);
  return enabled ? settings : undefined;
}

function parseScalarField(raw: Record<string, unknown>, type: FusionScalarField["type"], name: string, where: string): FusionScalarField {
  const field: FusionScalarField = {
    type, name,
    isArray: flag(raw, "isArray", false, where),
    isPartitionKey: flag(raw, "isPartitionKey", false, where),
    exactMatch: flag(raw, "exactMatch", type === "string", where),
  };
  const text = parseText(raw["text"], `${where}.text`);
  if (text) field.text = text;
  if (field.isPartitionKey && field.isArray) throw invalid(`${where}: a partition key cannot be an array.`);
  if (field.isPartitionKey && !field.exactMatch) throw invalid(`${where}: a partition key must keep exactMatch.`);
  return field;
}

function parseField(raw: unknown, where: string): FusionField {
  const field = objectOf(raw, where);
  const type = field["type"];
  if (!FIELD_TYPES.includes(type as FusionFieldType)) throw invalid(`${where}.type must be one of ${FIELD_TYPES.join(", ")}.`);
  onlyKeys(field, ATTRIBUTES[type as FusionFieldType], where);
  const name = parseFieldName(field["name"], where);
  return type === "vector"
    ? parseVectorField(field, name, where)
    : parseScalarField(field, type as FusionScalarField["type"], name, where);
}

function checkCounts(schema: FusionSchema): void {
  const { vectorFields, textFields, fields } = schema;
  if (vectorFields.length < 1 || vectorFields.length > FUSION_LIMITS.maxVectorFields) {
    throw invalid(`A Fusion index needs 1 to ${FUSION_LIMITS.maxVectorFields} vector fields; the schema has ${vectorFields.length}.`);
  }
  if (textFields.length > FUSION_LIMITS.maxTextFields) {
    throw invalid(`A Fusion index may have at most ${FUSION_LIMITS.maxTextFields} full-text fields; the schema has ${textFields.length}.`);
  }
  const keys = fields.filter((field) => field.type !== "vector" && field.isPartitionKey);
  if (keys.length > FUSION_LIMITS.maxPartitionKeys) throw invalid(`A Fusion index may have at most one partition key; the schema has ${keys.length}.`);
}

/**
 * Checks a `schemaConfiguration` object and returns its typed view. Every refusal is
 * VectorIndexParameterInvalid (400) naming the offending field.
 */
export function parseFusionSchema(raw: unknown): FusionSchema {
  const config = objectOf(raw, "schemaConfiguration");
  onlyKeys(config, ["fields"], "schemaConfiguration");
  const list = config["fields"];
  if (!Array.isArray(list)) throw invalid(`schemaConfiguration.fields must be an array.`);
  if (list.length < 1 || list.length > FUSION_LIMITS.maxFields) {
    throw invalid(`schemaConfiguration.fields must have 1 to ${FUSION_LIMITS.maxFields} fields; it has ${list.length}.`);
  }
  const fields = list.map((item, position) => parseField(item, `schemaConfiguration.fields[${position}]`));
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field.name)) throw invalid(`Field name "${field.name}" appears twice in the schema.`);
    seen.add(field.name);
  }
  const schema: FusionSchema = {
    fields,
    vectorFields: fields.filter((field): field is FusionVectorField => field.type === "vector"),
    textFields: fields.filter((field): field is FusionScalarField => field.type !== "vector" && field.text !== undefined),
  };
  const partitionKey = fields.find((field): field is FusionScalarField => field.type !== "vector" && field.isPartitionKey);
  if (partitionKey) schema.partitionKey = partitionKey;
  checkCounts(schema);
  return schema;
}
