// JSON Lines: one object per line, `{"key": ..., "data" | "vector": [numbers], "metadata": {...}}`.
// `data` may also be the wire form `{"float32": [...]}`, so a GetVectors answer's vectors import as
// they are. Blank lines are skipped (they still count for line numbers).
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { toSourceItem, type FieldNames, type RecordSource, type SourceItem } from "./records.ts";

export function readJsonl(input: string | Readable, fields: FieldNames = {}): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      const stream = typeof input === "string" ? createReadStream(input, { encoding: "utf8" }) : input;
      const lines = createInterface({ input: stream, crlfDelay: Infinity });
      let line = 0;
      let position = 0;
      try {
        for await (const text of lines) {
          line++;
          if (text.trim() === "") continue;
          yield parseJsonlRecord(text, position++, line, fields);
        }
      } finally {
        lines.close();
        stream.destroy();
      }
    },
  };
}

export function parseJsonlRecord(text: string, position: number, line: number, fields: FieldNames = {}): SourceItem {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: { position, line, message: `not JSON: ${(error as Error).message}` } };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, error: { position, line, message: "the line must be a JSON object" } };
  }
  const object = value as Record<string, unknown>;
  let data = fields.data !== undefined ? object[fields.data] : object.data ?? object.vector;
  if (typeof data === "object" && data !== null && !Array.isArray(data)) data = (data as { float32?: unknown }).float32;
  return toSourceItem(position, line, object[fields.key ?? "key"], data, object[fields.metadata ?? "metadata"]);
}
