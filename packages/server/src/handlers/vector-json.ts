// The JSON bodies of GetVectors, ListVectors and QueryVectors as sequences of pieces, serialized a few
// hundred vector values at a time and only as the response writer asks for them (respond-stream.ts).
//
// ListVectors also keeps its body within a byte budget: it stops before the vector that would pass it
// and returns a nextToken that continues right after the last vector returned, so a client asking for
// 1,000 maximal vectors (~90 MB) gets them in pages of about the budget. A page always holds at least
// one vector (else it could never progress), so a budget below one vector's size is exceeded by it.
//
// GetVectors and QueryVectors are not cut: they have no continuation token, and a vector left out of
// a GetVectors answer is indistinguishable from a key that does not exist, so a caller would silently
// lose data. Their own limits bound them instead (100 keys x (4,096 floats + 40 KiB metadata) is about
// 10 MiB of JSON at most; topK 100 without data about 4 MiB), and they are written a step at a time.
import type { ListKeysPage, VectorRecord } from "@ossv/engine";
import { float32JsonParts } from "./float32-json.ts";

const HEAD = '{"vectors":[';
const END = "]}";

function tokenEnd(token: string): string {
  return `],"nextToken":${JSON.stringify(token)}}`;
}

/** Which parts of each vector an answer carries. */
export interface VectorShape {
  withData: boolean;
  withMetadata: boolean;
}

/** A vector's JSON, exactly as JSON.stringify writes its wire form, in parts. */
export function* vectorJsonParts(record: VectorRecord, shape: VectorShape): Generator<string> {
  yield `{"key":${JSON.stringify(record.key)}`;
  if (shape.withData) {
    yield ',"data":{"float32":[';
    yield* float32JsonParts(record.data);
    yield "]}";
  }
  if (shape.withMetadata) yield `,"metadata":${JSON.stringify(record.metadata)}`;
  yield "}";
}

/** `{"vectors":[...]}` of the items, each written by `parts` only when the writer gets to it. */
export function* vectorsJson<T>(items: readonly T[], parts: (item: T) => Iterable<string>): Generator<string> {
  yield HEAD;
  for (let i = 0; i < items.length; i++) {
    if (i > 0) yield ",";
    yield* parts(items[i]!);
  }
  yield END;
}

/**
 * One vector's JSON, whole: the budget needs its size before it is sent. Between parts it yields
 * empty pieces, points where the writer may end its step, so a large vector still takes several.
 */
function* wholeVector(record: VectorRecord, shape: VectorShape, write: VectorWriter): Generator<string, string> {
  const parts: string[] = [];
  for (const part of write(record, shape)) {
    parts.push(part);
    yield "";
  }
  return parts.join("");
}

export interface ListBody {
  page: ListKeysPage;
  /** The record of a listed key; undefined when it was deleted since the page was listed. */
  read: (key: string) => VectorRecord | undefined;
  shape: VectorShape;
  /** Most bytes of JSON in the body (see above for a single oversized vector). */
  budgetBytes: number;
  /** How a record is written; vectorJsonParts unless the index stores something else (Fusion). */
  write?: VectorWriter;
}

export type VectorWriter = (record: VectorRecord, shape: VectorShape) => Iterable<string>;

/** A ListVectors body of as many of the page's vectors as fit the budget, and the token after them. */
export function* listVectorsJson({ page, read, shape, budgetBytes, write = vectorJsonParts }: ListBody): Generator<string> {
  yield HEAD;
  let used = HEAD.length;
  let lastKey: string | undefined;
  for (let i = 0; i < page.keys.length; i++) {
    const key = page.keys[i]!;
    const record = read(key);
    if (record === undefined) continue;
    const piece = (lastKey === undefined ? "" : ",") + (yield* wholeVector(record, shape, write));
    // The end this vector would need if it were the last one returned.
    const end = i === page.keys.length - 1 && page.nextToken === undefined ? END : tokenEnd(page.tokenAfter(key));
    const bytes = Buffer.byteLength(piece);
    if (lastKey !== undefined && used + bytes + Buffer.byteLength(end) > budgetBytes) {
      yield tokenEnd(page.tokenAfter(lastKey));
      return;
    }
    yield piece;
    used += bytes;
    lastKey = key;
  }
  if (page.nextToken === undefined) yield END;
  // Continue after the last vector returned: the page's own token could be longer (its last keys
  // may have been deleted meanwhile) than the one the budget allowed for.
  else yield tokenEnd(lastKey === undefined ? page.nextToken : page.tokenAfter(lastKey));
}
