// Parquet, read with hyparquet and written with hyparquet-writer: plain JavaScript, no native code and
// nothing downloaded at install. A vector is a list<float> (or list<double>) column; the key a string
// column; metadata, when present, a JSON (or string holding JSON) column. Files are read a row group
// at a time, never whole.
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } from "hyparquet";
import { fileWriter, ParquetWriter, type SchemaElement } from "hyparquet-writer";
import type { VectorMetadata } from "@ossv/sdk";
import { toSourceItem, type FieldNames, type RecordSource } from "./records.ts";

export async function readParquet(path: string, fields: FieldNames = {}): Promise<RecordSource> {
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const columns = new Set(parquetSchema(metadata).children.map((child) => child.element.name));
  const keyColumn = fields.key ?? "key";
  const dataColumn = fields.data ?? (columns.has("data") ? "data" : "vector");
  const metadataColumn = fields.metadata ?? "metadata";
  for (const name of [keyColumn, dataColumn]) {
    if (!columns.has(name)) throw new Error(`${path}: no column ${JSON.stringify(name)} (columns: ${[...columns].join(", ")})`);
  }
  const wanted = [keyColumn, dataColumn, ...(columns.has(metadataColumn) ? [metadataColumn] : [])];
  const total = Number(metadata.num_rows);
  return {
    total,
    async *[Symbol.asyncIterator]() {
      let rowStart = 0;
      for (const group of metadata.row_groups) {
        const rowEnd = rowStart + Number(group.num_rows);
        const rows = await parquetReadObjects({ file, metadata, columns: wanted, rowStart, rowEnd });
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          const position = rowStart + i;
          let meta: unknown = row[metadataColumn];
          if (typeof meta === "string") {
            try {
              meta = JSON.parse(meta);
            } catch {
              yield { ok: false, error: { position, line: position + 1, message: "the metadata column is not JSON" } };
              continue;
            }
          }
          yield toSourceItem(position, position + 1, row[keyColumn], row[dataColumn], meta);
        }
        rowStart = rowEnd;
      }
    },
  };
}

/** The schema exports are written with: key string, data list<float>, metadata JSON (absent = null). */
export const EXPORT_PARQUET_SCHEMA: SchemaElement[] = [
  { name: "root", num_children: 3 },
  { name: "key", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "REQUIRED" },
  { name: "data", repetition_type: "REQUIRED", converted_type: "LIST", num_children: 1 },
  { name: "list", repetition_type: "REPEATED", num_children: 1 },
  { name: "element", type: "FLOAT", repetition_type: "REQUIRED" },
  { name: "metadata", type: "BYTE_ARRAY", converted_type: "JSON", repetition_type: "OPTIONAL" },
];

export interface ParquetRow {
  key: string;
  data: ArrayLike<number>;
  metadata?: VectorMetadata;
}

/**
 * Writes rows to a Parquet file a row group at a time: `add` buffers, and every `rowGroupRows` rows
 * become one row group on disk, so memory holds one row group, not the file.
 */
export class ParquetVectorWriter {
  readonly #writer: ParquetWriter;
  readonly #rowGroupRows: number;
  #keys: string[] = [];
  #data: number[][] = [];
  #metadata: (VectorMetadata | null)[] = [];

  constructor(path: string, rowGroupRows = 10_000) {
    this.#writer = new ParquetWriter({ writer: fileWriter(path), schema: EXPORT_PARQUET_SCHEMA, createdBy: "ossv" });
    this.#rowGroupRows = rowGroupRows;
  }

  async add(row: ParquetRow): Promise<void> {
    this.#keys.push(row.key);
    this.#data.push(Array.from(row.data));
    this.#metadata.push(row.metadata ?? null);
    if (this.#keys.length >= this.#rowGroupRows) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#keys.length === 0) return;
    const columnData = [
      { name: "key", data: this.#keys },
      { name: "data", data: this.#data },
      { name: "metadata", data: this.#metadata },
    ];
    this.#keys = [];
    this.#data = [];
    this.#metadata = [];
    await this.#writer.write({ columnData, rowGroupSize: this.#rowGroupRows });
  }

  async close(): Promise<void> {
    await this.#flush();
    await this.#writer.finish();
  }
}
