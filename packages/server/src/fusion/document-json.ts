// A Fusion document as GetVectors and ListVectors return it: `data` keyed by vector field name, with
// only the fields the document has, each value written with the fewest digits that give back its
// float32 (float32-json.ts), like Standard vectors.
import type { VectorRecord } from "@ossv/engine";
import { float32JsonParts } from "../handlers/float32-json.ts";
import type { VectorShape } from "../handlers/vector-json.ts";
import { fieldOf, type FusionLayout } from "./layout.ts";

export function documentJsonParts(layout: FusionLayout) {
  return function* parts(record: VectorRecord, shape: VectorShape): Generator<string> {
    yield `{"key":${JSON.stringify(record.key)}`;
    if (shape.withData) {
      yield ',"data":{';
      let first = true;
      for (const slot of layout.slots) {
        const values = fieldOf(record.data, slot);
        if (values === undefined) continue;
        yield `${first ? "" : ","}${JSON.stringify(slot.field.name)}:[`;
        yield* float32JsonParts(values);
        yield "]";
        first = false;
      }
      yield "}";
    }
    if (shape.withMetadata) yield `,"metadata":${JSON.stringify(record.metadata)}`;
    yield "}";
  };
}
