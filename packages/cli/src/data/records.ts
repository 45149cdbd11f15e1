// What every reader yields: one item per record of the source, in source order, either a vector ready
// to put or the reason the record cannot be one. `position` counts every record (bad ones too) from 0;
// it is what an import checkpoint counts. `line` is what a person looks for in the file: the 1-based
// line of a JSON Lines or CSV record, the 1-based row of an .npy or Parquet file.
import type { VectorMetadata } from "@ossv/sdk";

export interface VectorRecord {
  position: number;
  line: number;
  key: string;
  data: Float32Array;
  metadata?: VectorMetadata;
}

export interface RecordError {
  position: number;
  line: number;
  message: string;
}

export type SourceItem = { ok: true; record: VectorRecord } | { ok: false; error: RecordError };

export interface RecordSource extends AsyncIterable<SourceItem> {
  /** Records in the source when the format says so up front (.npy, Parquet); undefined for text. */
  readonly total?: number;
}

/** The field names a record's parts come from (JSON Lines keys, CSV header names, Parquet columns). */
export interface FieldNames {
  /** Default "key". */
  key?: string;
  /** Default: "data", else "vector". */
  data?: string;
  /** Default "metadata"; a missing field or null means no metadata. */
  metadata?: string;
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "boolean" || (typeof value === "number" && Number.isFinite(value));
}

/**
 * Checks the shape of a record before it is sent, so that a bad line is reported with its line number
 * instead of failing a whole batch of 500. Limits the service enforces (key length, dimension, metadata
 * size) are left to the server: the import attributes its refusal to the record it names.
 */
export function toSourceItem(position: number, line: number, key: unknown, data: unknown, metadata: unknown): SourceItem {
  const fail = (message: string): SourceItem => ({ ok: false, error: { position, line, message } });
  if (typeof key !== "string" || key === "") return fail("the key must be a non-empty string");
  let vector: Float32Array;
  if (data instanceof Float32Array) {
    if (data.length === 0) return fail(`${key}: the vector is empty`);
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) return fail(`${key}: vector component ${i} is not a finite number`);
    }
    vector = data;
  }
  else if (Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    // Arrays, and the typed arrays a Parquet reader may hand over for list<double> or list<int>.
    const values = data as ArrayLike<unknown>;
    if (values.length === 0) return fail(`${key}: the vector is empty`);
    vector = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const value = values[i];
      if (typeof value !== "number" || !Number.isFinite(value)) return fail(`${key}: vector component ${i} is not a finite number`);
      vector[i] = value;
      // A finite double can still overflow float32; the service stores float32 only.
      if (!Number.isFinite(vector[i])) return fail(`${key}: vector component ${i} is out of the float32 range`);
    }
  } else return fail(`${key}: the vector must be an array of numbers`);
  if (metadata === undefined || metadata === null) return { ok: true, record: { position, line, key, data: vector } };
  if (typeof metadata !== "object" || Array.isArray(metadata)) return fail(`${key}: metadata must be an object`);
  for (const [name, value] of Object.entries(metadata)) {
    const ok = isScalar(value) || (Array.isArray(value) && value.every(isScalar));
    if (!ok) return fail(`${key}: metadata field ${JSON.stringify(name)} must be a string, number, boolean or an array of them`);
  }
  return { ok: true, record: { position, line, key, data: vector, metadata: metadata as VectorMetadata } };
}
