// Request and result types of PutVectorIndexFusion (docs/fusion.md#creating-an-index). Members keep
// their wire names. An attribute left undefined is not sent, which the service tells apart from false.
import type { ResultMetadata } from "../types.ts";

export type FusionDistanceMetric = "euclidean" | "cosine" | "ip";
export type FusionScalarType = "string" | "long" | "double" | "bool" | "ip" | "geoPoint";

export interface FusionAnalyzerParameters {
  caseSensitive?: boolean;
  /** standard analyzer: also cut where letters meet digits. */
  delimitWord?: boolean;
  /** split analyzer (required there): the text is cut on this string. */
  delimiter?: string;
}

export interface FusionTextSchema {
  enabled?: boolean;
  analyzer?: "standard" | "split";
  analyzerParameters?: FusionAnalyzerParameters;
}

export interface FusionVectorFieldSchema {
  name: string;
  type: "vector";
  dataType: "float32";
  dimension: number;
  distanceMetric: FusionDistanceMetric;
}

export interface FusionScalarFieldSchema {
  name: string;
  type: FusionScalarType;
  isArray?: boolean;
  /** string fields only; at most one per index. */
  isPartitionKey?: boolean;
  /** string fields only; the service's default is true. */
  exactMatch?: boolean;
  /** string fields only. */
  text?: FusionTextSchema;
}

export type FusionFieldSchema = FusionVectorFieldSchema | FusionScalarFieldSchema;

export interface FusionSchemaConfiguration {
  fields: FusionFieldSchema[];
}

export interface PutVectorIndexFusionRequest {
  bucket: string;
  indexName: string;
  /** Only "fusion"; sent as "fusion" when left out, as the Go and Python SDKs do. */
  mode?: "fusion";
  schemaConfiguration: FusionSchemaConfiguration;
}
export type PutVectorIndexFusionResult = ResultMetadata;
