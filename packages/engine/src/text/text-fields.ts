// Which fields of a Fusion index are full-text fields, and the terms a document has in each: the
// engine indexes them itself (segment-text.ts), so it reads them from the index's stored schema, as
// it reads the vector fields' layout (search/field-graphs.ts fieldSpans).
import { parseFusionSchema, type FusionTextSettings } from "@ossv/protocol";
import { analyze } from "./analyzer.ts";
import type { FusionSchemaRecord, Metadata, MetadataValue } from "../base/types.ts";

export interface TextField {
  name: string;
  settings: FusionTextSettings;
}

/** The full-text fields of a Fusion schema, in schema order; none for any other index. */
export function textFieldsOf(schema: FusionSchemaRecord | undefined): TextField[] {
  if (!schema) return [];
  return parseFusionSchema(schema).textFields.map((field) => ({ name: field.name, settings: field.text! }));
}

/** A field value's terms: a string, or each string of an array, analysed in turn. */
export function termsOf(value: MetadataValue | undefined, settings: FusionTextSettings): string[] {
  if (typeof value === "string") return analyze(value, settings);
  if (Array.isArray(value)) return value.flatMap((item) => (typeof item === "string" ? analyze(item, settings) : []));
  return [];
}

/** A document's terms in each text field, in field order. */
export function documentTerms(fields: readonly TextField[], metadata: Readonly<Metadata> | undefined): string[][] {
  return fields.map((field) => termsOf(metadata?.[field.name], field.settings));
}
