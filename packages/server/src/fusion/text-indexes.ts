// The full-text indexes of Fusion indexes, one per text field (docs/fusion.md#full-text-search). They
// are derived from the stored documents: built from the live documents after a start (begun when the
// server opens, or by the first query that needs them), then kept in step by the collection's change
// feed (Collection.watch), which tells of every applied write and delete whichever node it came
// through; a "reset" (the state was read afresh from a shared store) drops them, to be built again. A
// deleted or replaced document thus never leaves a stale hit, and a document written through another
// node is found on this one too.
//
// A build reads the documents a batch at a time, giving the event loop a turn between batches: at a
// million documents a build takes many seconds, which must not stall every other request. Queries that
// need the index wait for it; writes meanwhile reach it through the change feed, subscribed before
// the first batch, and each batch reads its documents as they are at that moment, so a document
// changed or deleted during the build ends up as it is now, whichever came first.
import { analyze, TextIndex, type Collection, type CollectionChange, type Engine, type IndexRecord, type Metadata, type MetadataValue } from "@ossv/engine";
import type { FusionScalarField } from "@ossv/protocol";
import { fusionLayoutOf } from "./layout.ts";

export type FieldIndexes = ReadonlyMap<string, TextIndex>;

interface HeldText {
  fields: Map<string, TextIndex>;
  /** Resolves once every document live when the build began is in `fields`. */
  ready: Promise<void>;
  /** Stops the change feed that keeps `fields` in step, and a build still running. */
  stop: () => void;
}

/** Documents read per step of a build. */
const BUILD_BATCH = 512;

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

/** The index's text field indexes, once built from its live documents (a build is begun if none is held). */
export async function textIndexesOf(engine: Engine, index: IndexRecord): Promise<FieldIndexes> {
  const byIndex = byIndexOf(engine);
  let held = byIndex.get(index.id);
  if (!held) byIndex.set(index.id, (held = startBuild(engine, index)));
  await held.ready;
  return held.fields;
}

/**
 * Begins building the text indexes of every Fusion index with text fields, in the background: a
 * server that has just started has them ready before the first query, or that query waits less.
 */
export function buildAllTextIndexes(engine: Engine): void {
  const { catalog } = engine;
  for (const account of catalog.listAccounts()) {
    for (const bucket of catalog.listBuckets(account.accountId)) {
      for (const index of catalog.listIndexes(account.accountId, bucket.name)) {
        // A failure is the first query's to report (it builds again); here nobody waits for the result.
        if (textFieldsOf(index).length > 0) textIndexesOf(engine, index).catch(() => undefined);
      }
    }
  }
}

function startBuild(engine: Engine, index: IndexRecord): HeldText {
  const textFields = textFieldsOf(index);
  const fields = new Map(textFields.map((field) => [field.name, new TextIndex()]));
  const indexDocument = (key: string, metadata: Readonly<Metadata> | undefined) => {
    for (const field of textFields) fields.get(field.name)!.set(key, termsOf(metadata?.[field.name], field));
  };
  if (textFields.length === 0) return { fields, ready: Promise.resolve(), stop: () => undefined };
  const collection: Collection = engine.collection(index);
  let stopped = false;
  const unwatch = collection.watch((change: CollectionChange) => {
    if (change === "reset") forgetText(engine, index.id);
    else if ("put" in change) for (const record of change.put) indexDocument(record.key, record.metadata);
    else for (const key of change.deleted) indexDocument(key, undefined);
  });
  const keys: string[] = [];
  collection.forEachLive((key) => keys.push(key));
  const ready = (async () => {
    for (let first = 0; first < keys.length && !stopped; first += BUILD_BATCH) {
      const batch = keys.slice(first, first + BUILD_BATCH);
      const found = new Map(collection.get(batch).map((record) => [record.key, record.metadata]));
      for (const key of batch) indexDocument(key, found.get(key));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  const held: HeldText = { fields, ready, stop: () => { stopped = true; unwatch(); } };
  // A build that failed (the index was deleted, the engine closed) is forgotten: the next query builds again.
  ready.catch(() => {
    if (byIndexOf(engine).get(index.id) === held) forgetText(engine, index.id);
  });
  return held;
}

/** When the index is gone (or its state was read afresh): forget, to rebuild from the documents if needed. */
export function forgetText(engine: Engine, indexId: string): void {
  const byIndex = built.get(engine);
  byIndex?.get(indexId)?.stop();
  byIndex?.delete(indexId);
}
