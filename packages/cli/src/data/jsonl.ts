// JSON Lines: one object per line, `{"key": ..., "data" | "vector": [numbers], "metadata": {...}}`.
// `data` may also be the wire form `{"float32": [...]}`, so a GetVectors answer's vectors import as
// they are. Blank lines are skipped (they still count for line numbers).
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { VectorMemberReader } from "./jsonl-vector-member.ts";
import { toSourceItem, type FieldNames, type RecordSource, type SourceItem } from "./records.ts";

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const CHUNK_BYTES = 1 << 20;
const BYTE_ORDER_MARK = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * The lines of a byte stream as bytes (views of the chunks read, not copies), a chunk's worth at a
 * time. Lines end in "\n" or "\r\n"; a UTF-8 byte order mark at the start is dropped. Split on bytes
 * rather than through node:readline, which measured 2-3x slower on 2.5 KB lines (its UTF-8 decoding
 * of whole chunks and its regular expression), and readline was a third of an import's reading cost;
 * most lines are then never decoded whole (see jsonl-vector-member.ts).
 */
export async function* lineBatches(stream: Readable): AsyncGenerator<Buffer[]> {
  let carry: Buffer | undefined;
  let first = true;
  // The first line loses a byte order mark (whole by now: a line cut across chunks is joined first).
  const withoutMark = (lines: Buffer[]) => {
    if (first && lines.length > 0) {
      first = false;
      if (lines[0]!.subarray(0, 3).equals(BYTE_ORDER_MARK)) lines[0] = lines[0]!.subarray(3);
    }
    return lines;
  };
  for await (const piece of stream) {
    const chunk = typeof piece === "string" ? Buffer.from(piece, "utf8") : (piece as Buffer);
    const lines: Buffer[] = [];
    let start = 0;
    if (carry !== undefined) {
      // Only the line the chunk boundary cut is copied, not the whole chunk.
      const end = chunk.indexOf(NEWLINE);
      if (end === -1) {
        carry = Buffer.concat([carry, chunk]);
        continue;
      }
      const joined = Buffer.concat([carry, chunk.subarray(0, end)]);
      lines.push(lineBytes(joined, 0, joined.length));
      carry = undefined;
      start = end + 1;
    }
    for (let end = chunk.indexOf(NEWLINE, start); end !== -1; end = chunk.indexOf(NEWLINE, start)) {
      lines.push(lineBytes(chunk, start, end));
      start = end + 1;
    }
    carry = start < chunk.length ? chunk.subarray(start) : undefined;
    if (lines.length > 0) yield withoutMark(lines);
  }
  if (carry === undefined) return;
  // The unterminated last line; nothing when it held only a byte order mark or a lone "\r".
  const last = withoutMark([lineBytes(carry, 0, carry.length)]);
  if (last[0]!.length > 0) yield last;
}

function lineBytes(chunk: Buffer, start: number, end: number): Buffer {
  return chunk.subarray(start, end > start && chunk[end - 1] === CARRIAGE_RETURN ? end - 1 : end);
}

export function readJsonl(input: string | Readable, fields: FieldNames = {}): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      const stream = typeof input === "string" ? createReadStream(input, { highWaterMark: CHUNK_BYTES }) : input;
      const vectors = vectorMemberReader(fields);
      let line = 0;
      let position = 0;
      try {
        for await (const lines of lineBatches(stream)) {
          for (const bytes of lines) {
            line++;
            const item = parseJsonlLine(bytes, position, line, fields, vectors);
            if (item === undefined) continue;
            position++;
            yield item;
          }
        }
      } finally {
        stream.destroy();
      }
    },
  };
}

export function vectorMemberReader(fields: FieldNames = {}): VectorMemberReader {
  return new VectorMemberReader(fields.data !== undefined ? [fields.data] : ["data", "vector"]);
}

/**
 * A line's record by the fast path when it can take the line, else by parseJsonlRecord; undefined for
 * a blank line. The fast path's answer must be the general path's: jsonl-fast-path.test.ts compares
 * the two on generated lines.
 */
export function parseJsonlLine(bytes: Buffer, position: number, line: number, fields: FieldNames, vectors: VectorMemberReader): SourceItem | undefined {
  const member = vectors.read(bytes);
  if (member !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(member.rest);
    } catch {
      value = undefined; // the general path words the error
    }
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      const object = value as Record<string, unknown>;
      // The 0 the vector's array became must be the value the general path would take as the vector.
      if (vectorValue(object, fields) === 0) {
        return toSourceItem(position, line, object[fields.key ?? "key"], member.data, object[fields.metadata ?? "metadata"]);
      }
    }
  }
  const text = bytes.toString("utf8");
  return text.trim() === "" ? undefined : parseJsonlRecord(text, position, line, fields);
}

function vectorValue(object: Record<string, unknown>, fields: FieldNames): unknown {
  return fields.data !== undefined ? object[fields.data] : object.data ?? object.vector;
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
  let data = vectorValue(object, fields);
  if (typeof data === "object" && data !== null && !Array.isArray(data)) data = (data as { float32?: unknown }).float32;
  return toSourceItem(position, line, object[fields.key ?? "key"], data, object[fields.metadata ?? "metadata"]);
}
