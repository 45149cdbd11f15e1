// The full-text indexes of Fusion indexes, one per text field (docs/fusion.md#full-text-search). They
// are derived from the stored documents: built from the live documents on first use after a start,
// then kept in step by the collection's change feed (Collection.watch), which tells of every applied
// write and delete whichever node it came through; a "reset" (the state was read afresh from a shared
// store) drops them, to be built again on next use. A deleted or replaced document thus never leaves a
// stale hit, and a document written through another node is found on this one too.
import { analyze, TextIndex, type Collection, type CollectionChange, type Engine, type IndexRecord, type Metadata, type MetadataValue } from "@ossv/engine";
import type { FusionScalarField } from "@ossv/protocol";
import { fusionLayoutOf } from "./layout.ts";

export type FieldIndexes = ReadonlyMap<string, TextIndex>;

interface HeldText {
  fields: Map<string, TextIndex>;
  /** Stops the change feed that keeps `fields` in step. */
  stop: () => void;
}

const built = new WeakMap<Engine, Map<string, HeldText>>();

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

function byIndexOf(engine: Engine): Map<string, HeldText> {
  let byIndex = built.get(engine);
  if (!byIndex) built.set(engine, (byIndex = new Map()));
  return byIndex;
}

/** The index's text field indexes, built now from its live documents if they are not held. */
export function textIndexesOf(engine: Engine, index: IndexRecord): FieldIndexes {
  const byIndex = byIndexOf(engine);
  const held = byIndex.get(index.id);
  if (held) return held.fields;
  const textFields = textFieldsOf(index);
  const fields = new Map(textFields.map((field) => [field.name, new TextIndex()]));
  const indexDocument = (key: string, metadata: Readonly<Metadata> | undefined) => {
    for (const field of textFields) fields.get(field.name)!.set(key, termsOf(metadata?.[field.name], field));
  };
  const collection: Collection = engine.collection(index);
  // Built and subscribed in one synchronous step: no change can fall between the two.
  collection.forEachLive((key, _data, metadataOf) => indexDocument(key, metadataOf()));
  const stop = textFields.length === 0 ? () => undefined : collection.watch((change: CollectionChange) => {
    if (change === "reset") forgetText(engine, index.id);
    else if ("put" in change) for (const record of change.put) indexDocument(record.key, record.metadata);
    else for (const key of change.deleted) indexDocument(key, undefined);
  });
  byIndex.set(index.id, { fields, stop });
  return fields;
}

/** When the index is gone (or its state was read afresh): forget, to rebuild from the documents if needed. */
export function forgetText(engine: Engine, indexId: string): void {
  const byIndex = built.get(engine);
  byIndex?.get(indexId)?.stop();
  byIndex?.delete(indexId);
}
