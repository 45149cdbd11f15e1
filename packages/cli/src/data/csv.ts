// CSV with a header row. Columns: the key, the vector, and optionally metadata as a JSON object; other
// columns are ignored. The vector cell is either a JSON array (`"[0.1, 0.2]"`, which is what a
// spreadsheet or pandas' to_csv of a list writes, and needs quoting since it holds commas) or numbers
// separated by spaces or semicolons (`0.1 0.2` or `0.1;0.2`). Numbers split by commas inside one cell
// would be ambiguous with the column separator to most writers, so a cell without brackets is split at
// whitespace and semicolons only.
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { toSourceItem, type FieldNames, type RecordSource, type SourceItem } from "./records.ts";

export interface CsvOptions extends FieldNames {
  /** Default ",". */
  delimiter?: string;
}

interface ParsedRow {
  record: Record<string, string | undefined>;
  info: { lines: number };
}

export function readCsv(input: string | Readable, options: CsvOptions = {}): RecordSource {
  return {
    async *[Symbol.asyncIterator]() {
      const stream = typeof input === "string" ? createReadStream(input) : input;
      // relax_column_count: a short or long row becomes our own per-record error (with its line)
      // instead of ending the whole parse.
      const parser = stream.pipe(parse({
        columns: true, info: true, bom: true, delimiter: options.delimiter ?? ",", skip_empty_lines: true,
        relax_column_count: true,
      }));
      let position = 0;
      try {
        for await (const row of parser as AsyncIterable<ParsedRow>) yield csvRecord(row, position++, options);
      } finally {
        stream.destroy();
      }
    },
  };
}

function csvRecord({ record, info }: ParsedRow, position: number, options: CsvOptions): SourceItem {
  const line = info.lines;
  const fail = (message: string): SourceItem => ({ ok: false, error: { position, line, message } });
  const dataColumn = options.data ?? ("data" in record ? "data" : "vector");
  const cell = record[dataColumn];
  if (cell === undefined) return fail(`no ${JSON.stringify(dataColumn)} column in this row`);
  const data = parseVectorCell(cell);
  if (typeof data === "string") return fail(data);
  const metadataCell = record[options.metadata ?? "metadata"];
  let metadata: unknown;
  if (metadataCell !== undefined && metadataCell.trim() !== "") {
    try {
      metadata = JSON.parse(metadataCell);
    } catch {
      return fail("the metadata cell is not a JSON object");
    }
  }
  return toSourceItem(position, line, record[options.key ?? "key"], data, metadata);
}

/** A vector cell as numbers, or a message saying why it is not one. */
export function parseVectorCell(cell: string): number[] | string {
  const text = cell.trim();
  if (text.startsWith("[")) {
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? (value as number[]) : "the vector cell is not a JSON array";
    } catch {
      return "the vector cell is not a valid JSON array";
    }
  }
  if (text === "") return "the vector cell is empty";
  const values: number[] = [];
  for (const part of text.split(/[\s;]+/)) {
    // Number("") is 0 and Number(" 1") is 1: require something that looks like a number.
    if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(part)) return `the vector cell has a non-number: ${JSON.stringify(part)}`;
    values.push(Number(part));
  }
  return values;
}
