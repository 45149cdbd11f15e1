// The full-text indexes of Fusion indexes, one per text field (docs/fusion.md#full-text-search). They
// are derived from the stored documents: built from the live documents on first use after a start,
// then kept in step after each acknowledged write or delete by re-reading the keys it touched, so the
// index always agrees with what the engine holds (a write that failed drops the whole set, which is
// rebuilt on next use). A deleted or replaced document thus never leaves a stale hit.
import { analyze, TextIndex, type Engine, type IndexRecord, type MetadataValue } from "@ossv/engine";
import type { FusionScalarField } from "@ossv/protocol";
import { fusionLayoutOf } from "./layout.ts";
import { liveDocuments } from "./knn.ts";

export type FieldIndexes = ReadonlyMap<string, TextIndex>;

const built = new WeakMap<Engine, Map<string, Map<string, TextIndex>>>();

function textFieldsOf(index: IndexRecord): FusionScalarField[] {
  return index.fusion ? fusionLayoutOf({ ...index, fusion: index.fusion }).schema.textFields : [];
}

/** A field value's terms: a string, or each string of an array, analysed in turn. */
export function termsOf(value: MetadataValue | undefined, field: FusionScalarField): string[] {
  const settings = field.text!;
  if (typeof value === "string") return analyze(value, settings);
  if (Array.isArray(value)) return value.flatMap((item) => (typeof item === "string" ? analyze(item, settings) : []));
  return [];
}

function byIndexOf(engine: Engine): Map<string, Map<string, TextIndex>> {
  let byIndex = built.get(engine);
  if (!byIndex) built.set(engine, (byIndex = new Map()));
  return byIndex;
}

/** The index's text field indexes, built now from its live documents if they are not held. */
export function textIndexesOf(engine: Engine, index: IndexRecord): FieldIndexes {
  const byIndex = byIndexOf(engine);
  let fields = byIndex.get(index.id);
  if (!fields) {
    fields = new Map();
    const textFields = textFieldsOf(index);
    for (const field of textFields) fields.set(field.name, new TextIndex());
    if (textFields.length > 0) {
      for (const record of liveDocuments(engine.collection(index))) {
        for (const field of textFields) fields.get(field.name)!.set(record.key, termsOf(record.metadata[field.name], field));
      }
    }
    byIndex.set(index.id, fields);
  }
  return fields;
}

/** After an acknowledged write or delete of `keys`: each key's entries follow what the engine holds now. */
export function syncText(engine: Engine, index: IndexRecord, keys: readonly string[]): void {
  const fields = byIndexOf(engine).get(index.id);
  if (!fields) return;
  const collection = engine.collection(index);
  const textFields = textFieldsOf(index);
  for (const key of keys) {
    const record = collection.get([key])[0];
    for (const field of textFields) fields.get(field.name)!.set(key, record ? termsOf(record.metadata[field.name], field) : []);
  }
}

/** After a failed write, or when the index is gone: forget, to rebuild from the documents if needed. */
export function forgetText(engine: Engine, indexId: string): void {
  built.get(engine)?.delete(indexId);
}

/** Runs a write of `keys`, then brings the text indexes in step; a failure drops them. */
export async function writeWithText(engine: Engine, index: IndexRecord, keys: readonly string[], write: () => Promise<void>): Promise<void> {
  if (!index.fusion) return write();
  try {
    await write();
  } catch (error) {
    forgetText(engine, index.id);
    throw error;
  }
  syncText(engine, index, keys);
}
