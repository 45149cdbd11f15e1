// JSON Lines: one object per line, `{"key": ..., "data" | "vector": [numbers], "metadata": {...}}`.
// `data` may also be the wire form `{"float32": [...]}`, so a GetVectors answer's vectors import as
// they are. Blank lines are skipped (they still count for line numbers).
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { toSourceItem, type FieldNames, type RecordSource, type SourceItem } from "./records.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CHUNK_BYTES = 1 << 20;

/**
 * The lines of a byte stream, a chunk's worth at a time. Lines end in "\n" or "\r\n"; a UTF-8 byte
 * order mark at the start is dropped. Split on bytes and decoded a line at a time rather than through
 * node:readline, which measured 2-3x slower on 2.5 KB lines (its UTF-8 decoding of whole chunks
 * and its regular expression), and readline was a third of an import's reading cost.
 */
export async function* lineBatches(stream: Readable): AsyncGenerator<string[]> {
  let carry: Buffer | undefined;
  let first = true;
  // The first line loses a byte order mark (decoded, so a mark cut across chunks is seen too).
  const withoutMark = (lines: string[]) => {
    if (first && lines.length > 0) {
      first = false;
      if (lines[0]!.startsWith("\uFEFF")) lines[0] = lines[0]!.slice(1);
    }
    return lines;
  };
  for await (const piece of stream) {
    const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : (piece as Buffer);
    const lines: string[] = [];
    let start = 0;
    if (carry !== undefined) {
      // Only the line the chunk boundary cut is copied, not the whole chunk.
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, end)]);
      lines.push(decodeLine(joined, 0, joined.length));
      carry = undefined;
      start = end + 1;
    }
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      lines.push(decodeLine(chunk, start, end));
      start = end + 1;
    }
    carry = start < chunk.length ? chunk.subarray(start) : undefined;
    if (lines.length > 0) yield withoutMark(lines);
  }
  if (carry === undefined) return;
  // The unterminated last line; nothing when it held only a byte order mark or a lone "\r".
  const last = withoutMark([decodeLine(carry, 0, carry.length)]);
  if (last[0] !== "") yield last;
}

function decodeLine(chunk: Buffer, start: number, end: number): string {
  return chunk.toString("utf8", start, end > start && chunk[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
}

export function readJsonl(input: string | Readable, fields: FieldNames = {}): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      const stream = typeof input === "string" ? createReadStream(input, { highWaterMark: CHUNK_BYTES }) : input;
      let line = 0;
      let position = 0;
      try {
        for await (const texts of lineBatches(stream)) {
          for (const text of texts) {
            line++;
            if (text.trim() === "") continue;
            yield parseJsonlRecord(text, position++, line, fields);
          }
        }
      } finally {
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
