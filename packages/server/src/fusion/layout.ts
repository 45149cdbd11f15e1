// How a Fusion document's vector fields share one engine row (docs/fusion.md#storage): per vector
// field, in schema order, one presence slot (1 when the document has the field, 0 when not) and then
// the field's values (zeros when absent). One row per document keeps a document's fields in one WAL
// record, so a write or delete of all of them is atomic and durable like any other row. The engine
// reads the same layout from the stored schema to build a graph per field (its fieldSpans, which
// layout.test.ts holds to this).
import { parseFusionSchema, type FusionSchema, type FusionVectorField } from "@ossv/protocol";
import type { FusionSchemaRecord, IndexRecord } from "@ossv/engine";

export interface FieldSlot {
  field: FusionVectorField;
  /** The field's place among the schema's vector fields: which of the engine's field graphs is its (FieldSearch.field). */
  position: number;
  /** Row position of the presence slot; the values follow it. */
  offset: number;
}

export interface FusionLayout {
  schema: FusionSchema;
  slots: FieldSlot[];
  /** The engine row's width. */
  width: number;
}

export function layoutOf(schema: FusionSchema): FusionLayout {
  const slots: FieldSlot[] = [];
  let width = 0;
  for (const field of schema.vectorFields) {
    slots.push({ field, position: slots.length, offset: width });
    width += 1 + field.dimension;
  }
  return { schema, slots, width };
}

const layouts = new Map<string, FusionLayout>();

/** The layout of an existing Fusion index (its schema was checked when it was created). */
export function fusionLayoutOf(index: IndexRecord & { fusion: FusionSchemaRecord }): FusionLayout {
  let layout = layouts.get(index.id);
  if (!layout) {
    layout = layoutOf(parseFusionSchema(index.fusion));
    if (layouts.size > 1000) layouts.clear();
    layouts.set(index.id, layout);
  }
  return layout;
}

/** One document's row from its vector fields (each already checked against its dimension). */
export function packRow(layout: FusionLayout, data: ReadonlyMap<string, ArrayLike<number>>): Float32Array {
  const row = new Float32Array(layout.width);
  for (const { field, offset } of layout.slots) {
    const values = data.get(field.name);
    if (values === undefined) continue;
    row[offset] = 1;
    row.set(values, offset + 1);
  }
  return row;
}

/** The field's values in a row, or undefined when the document does not have the field. */
export function fieldOf(row: Float32Array, slot: FieldSlot): Float32Array | undefined {
  if (row[slot.offset] !== 1) return undefined;
  return row.subarray(slot.offset + 1, slot.offset + 1 + slot.field.dimension);
}
