// PutVectors on a Fusion index (docs/fusion.md#documents): `data` maps vector field names to plain
// number arrays, and scalar, string and full-text fields travel in `metadata` under their schema
// names with JSON types that match the schema. Metadata keys the schema does not declare are kept
// and returned, as the service does, but nothing searches them.
import {
  parseIp, validateFloat32Vector, validateMetadata, validateVectorKey, type FusionScalarField, type LimitsProfile,
  type WireMetadata,
} from "@ossv/protocol";
import type { VectorRecord } from "@ossv/engine";
import { invalid, requiredField } from "../handlers/params.ts";
import { packRow, type FusionLayout } from "./layout.ts";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A vector field's values: a plain array, or `{"float32":[…]}` as one Go SDK test writes it. */
export function fieldValues(raw: unknown): unknown {
  return isObject(raw) && Object.keys(raw).length === 1 && "float32" in raw ? raw["float32"] : raw;
}

function readData(raw: unknown, layout: FusionLayout, where: string): Map<string, Float32Array> {
  if (!isObject(raw)) throw invalid(`"${where}" must be an object of vector field name to number array.`);
  const values = new Map<string, Float32Array>();
  for (const [name, value] of Object.entries(raw)) {
    const slot = layout.slots.find((candidate) => candidate.field.name === name);
    if (!slot) throw invalid(`"${where}.${name}" is not a vector field of the index.`);
    // Inner product, like euclidean, accepts a zero vector; only cosine cannot use one.
    const metric = slot.field.distanceMetric === "cosine" ? "cosine" : "euclidean";
    values.set(name, validateFloat32Vector(fieldValues(value), slot.field.dimension, metric, `${where}.${name}`));
  }
  return values;
}

const GEO_POINT = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/;

/** Whether one value (not an array) has the field's type. */
function scalarFits(field: FusionScalarField, value: unknown): boolean {
  switch (field.type) {
    case "string": return typeof value === "string";
    case "long": return typeof value === "number" && Number.isSafeInteger(value);
    case "double": return typeof value === "number" && Number.isFinite(value);
    case "bool": return typeof value === "boolean";
    case "ip": return typeof value === "string" && parseIp(value) !== undefined;
    case "geoPoint": {
      // "lat,lon", as Alibaba's Tablestore writes points; the service documents no format.
      const match = typeof value === "string" ? GEO_POINT.exec(value) : null;
      return match !== null && Math.abs(Number(match[1])) <= 90 && Math.abs(Number(match[2])) <= 180;
    }
  }
}

const TYPE_WORDS: Record<FusionScalarField["type"], string> = {
  string: "a string", long: "an integer", double: "a number", bool: "true or false",
  ip: "an IPv4 or IPv6 address", geoPoint: `a "lat,lon" string`,
};

function checkSchemaValue(field: FusionScalarField, value: unknown, where: string): void {
  if (Array.isArray(value)) {
    if (!field.isArray) throw invalid(`"${where}" must be ${TYPE_WORDS[field.type]}; the field is not an array.`);
    value.forEach((item, i) => {
      if (!scalarFits(field, item)) throw invalid(`"${where}[${i}]" must be ${TYPE_WORDS[field.type]}.`);
    });
  } else if (!scalarFits(field, value)) {
    throw invalid(`"${where}" must be ${TYPE_WORDS[field.type]}${field.isArray ? " or an array of them" : ""}.`);
  }
}

export function readMetadata(raw: unknown, layout: FusionLayout, limits: LimitsProfile, where: string): WireMetadata {
  const metadata = raw ?? {};
  const declared = layout.schema.fields.filter((field): field is FusionScalarField => field.type !== "vector");
  // Every declared field may be present, plus as many undeclared keys as a Standard index allows;
  // full text makes the filterable part large, so only the total size is bounded.
  const keys = isObject(metadata) ? Object.keys(metadata) : [];
  const fusionLimits = {
    ...limits, maxMetadataKeys: declared.length + limits.maxMetadataKeys, maxFilterableMetadataBytes: limits.maxMetadataBytes,
  };
  validateMetadata(metadata, keys, fusionLimits, where);
  const object = metadata;
  for (const field of declared) {
    const value = object[field.name];
    if (value !== undefined) checkSchemaValue(field, value, `${where}.${field.name}`);
  }
  return object;
}

export function readDocument(item: unknown, position: number, layout: FusionLayout, limits: LimitsProfile): VectorRecord {
  const where = `vectors[${position}]`;
  if (!isObject(item)) throw invalid(`"${where}" must be an object.`);
  const key = requiredField(item, "key");
  validateVectorKey(key, limits, `${where}.key`);
  const data = readData(requiredField(item, "data"), layout, `${where}.data`);
  const metadata = readMetadata(item["metadata"], layout, limits, `${where}.metadata`);
  return { key, data: packRow(layout, data), metadata };
}
