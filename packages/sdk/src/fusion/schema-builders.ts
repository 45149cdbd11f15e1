// Typed builders for a Fusion schema: `fusionField.vector("text_vector", 768, "cosine")`,
// `fusionField.string("title", { text: fusionText.standard() })`. They only assemble objects; the
// server checks the rules (docs/fusion.md#the-schema), so the builders never drift from them.
import type {
  FusionAnalyzerParameters, FusionDistanceMetric, FusionFieldSchema, FusionScalarFieldSchema, FusionScalarType,
  FusionSchemaConfiguration, FusionTextSchema, FusionVectorFieldSchema,
} from "./schema-types.ts";

type ScalarOptions = Omit<FusionScalarFieldSchema, "name" | "type">;
type PlainOptions = Pick<FusionScalarFieldSchema, "isArray">;

function scalar(type: FusionScalarType) {
  return (name: string, options: PlainOptions = {}): FusionScalarFieldSchema => ({ name, type, ...options });
}

export const fusionField = {
  vector(name: string, dimension: number, distanceMetric: FusionDistanceMetric): FusionVectorFieldSchema {
    return { name, type: "vector", dataType: "float32", dimension, distanceMetric };
  },
  string(name: string, options: ScalarOptions = {}): FusionScalarFieldSchema {
    return { name, type: "string", ...options };
  },
  long: scalar("long"),
  double: scalar("double"),
  bool: scalar("bool"),
  ip: scalar("ip"),
  geoPoint: scalar("geoPoint"),
};

export const fusionText = {
  /** Unicode words, lower-cased unless caseSensitive; see docs/fusion.md#the-schema. */
  standard(parameters: Omit<FusionAnalyzerParameters, "delimiter"> = {}): FusionTextSchema {
    return Object.keys(parameters).length > 0
      ? { enabled: true, analyzer: "standard", analyzerParameters: parameters }
      : { enabled: true, analyzer: "standard" };
  },
  /** Tokens are the pieces between occurrences of `delimiter`. */
  split(delimiter: string, parameters: Pick<FusionAnalyzerParameters, "caseSensitive"> = {}): FusionTextSchema {
    return { enabled: true, analyzer: "split", analyzerParameters: { ...parameters, delimiter } };
  },
};

export function fusionSchema(...fields: FusionFieldSchema[]): FusionSchemaConfiguration {
  return { fields };
}
