// The read side of a collection, on its in-memory state alone: the same answers whether the state is
// a writer's (collection.ts) or a reader's on a shared store (cluster/index-reader.ts).
import { invariant } from "../base/invariant.ts";
import type { CollectionState } from "../state/collection-state.ts";
import { listKeys } from "./list-pages.ts";
import type { IndexRecord, ListKeysPage, ListVectorsOptions, ListVectorsPage, QueryHit, QueryOptions, VectorRecord } from "../base/types.ts";

export function getRecords(state: CollectionState, keys: string[]): VectorRecord[] {
  const found: VectorRecord[] = [];
  for (const key of keys) {
    const record = state.get(key);
    if (record) found.push(record);
  }
  return found;
}

export function listRecords(state: CollectionState, index: IndexRecord, options: ListVectorsOptions): ListVectorsPage {
  const page = listKeys(state, options);
  // The page was read from the same state just now, with nothing in between: every key is there.
  const vectors = page.keys.map((key) => {
    const record = state.get(key);
    invariant(record !== undefined, "a listed key has a record", { key, index: index.id });
    return record;
  });
  return page.nextToken === undefined ? { vectors } : { vectors, nextToken: page.nextToken };
}

export function listStateKeys(state: CollectionState, options: ListVectorsOptions): ListKeysPage {
  return listKeys(state, options);
}

export function queryState(state: CollectionState, index: IndexRecord, options: QueryOptions): QueryHit[] {
  if (options.vector.length !== index.dimension) {
    throw new RangeError(`query vector has ${options.vector.length} dimensions, the index ${index.dimension}`);
  }
  if (!Number.isInteger(options.topK) || options.topK < 1) throw new RangeError("topK must be a positive integer");
  return state.query(options);
}
