// NumPy .npy: a 2-D array of float32 or float64, little-endian, C order; row i is vector i. Keys come
// from a keys file (one per line, as many lines as rows) or are generated as `${keyPrefix}${row}`.
// There is no metadata in an .npy file.
//
// The header is parsed by hand: it is a few bytes of magic and a short Python dict literal with three
// fixed fields (format spec: numpy.lib.format). The npm packages for .npy read a whole file into memory
// or target browsers; here rows are read a chunk at a time from a file that may be larger than memory.
import { open, readFile } from "node:fs/promises";
import { toSourceItem, type RecordSource } from "./records.ts";

export interface NpyHeader {
  dtype: "float32" | "float64";
  rows: number;
  dimension: number;
  /** Byte offset of the first row. */
  dataOffset: number;
}

export interface NpyOptions {
  /** A file of keys, one per line, line i naming row i. */
  keysFile?: string;
  /** Generated keys are `${keyPrefix}${row}` (row from 0) when there is no keys file. Default "". */
  keyPrefix?: string;
  /** Rows read per file read. Default 1024. */
  chunkRows?: number;
}

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

export function parseNpyHeader(bytes: Buffer): NpyHeader {
  if (bytes.length < 10 || !bytes.subarray(0, 6).equals(MAGIC)) throw new Error("not a .npy file (bad magic)");
  const major = bytes[6]!;
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = bytes.readUInt16LE(8);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(".npy header is cut short");
    headerLength = bytes.readUInt32LE(8);
    start = 12;
  } else throw new Error(`.npy format version ${major} is not supported`);
  if (bytes.length < start + headerLength) throw new Error(".npy header is cut short");
  const dict = bytes.subarray(start, start + headerLength).toString(major === 3 ? "utf8" : "latin1");
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(dict)?.[1];
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(dict)?.[1];
  const shape = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(dict)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new Error(`.npy header not understood: ${dict.trim()}`);
  // "|" never applies to floats; "=" (native) is little-endian on every platform Node supports.
  const dtype = descr === "<f4" || descr === "=f4" ? "float32" : descr === "<f8" || descr === "=f8" ? "float64" : undefined;
  if (!dtype) throw new Error(`.npy dtype ${descr} is not supported: use little-endian float32 (<f4) or float64 (<f8)`);
  if (fortran === "True") throw new Error(".npy arrays in Fortran order are not supported: save with C order");
  const dims = shape.split(",").map((part) => part.trim()).filter((part) => part !== "").map(Number);
  if (dims.length !== 2 || !dims.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw new Error(`.npy shape (${shape}) is not 2-D: expected (rows, dimension)`);
  }
  return { dtype, rows: dims[0]!, dimension: dims[1]!, dataOffset: start + headerLength };
}

export async function readNpy(path: string, options: NpyOptions = {}): Promise<RecordSource> {
  const handle = await open(path, "r");
  let header: NpyHeader;
  let size: number;
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    header = parseNpyHeader(head.subarray(0, bytesRead));
    size = (await handle.stat()).size;
  } finally {
    await handle.close();
  }
  const itemBytes = header.dtype === "float32" ? 4 : 8;
  const rowBytes = header.dimension * itemBytes;
  if (size < header.dataOffset + header.rows * rowBytes) throw new Error(`${path}: the file is shorter than its header's shape`);
  let keys: string[] | undefined;
  if (options.keysFile !== undefined) {
    keys = (await readFile(options.keysFile, "utf8")).split(/\r?\n/);
    if (keys.at(-1) === "") keys.pop();
    if (keys.length !== header.rows) {
      throw new Error(`${options.keysFile}: ${keys.length} keys for ${header.rows} rows of ${path}`);
    }
  }
  const keyPrefix = options.keyPrefix ?? "";
  const chunkRows = Math.max(1, options.chunkRows ?? 1024);
  return {
    total: header.rows,
    async *[Symbol.asyncIterator]() {
      const file = await open(path, "r");
      try {
        for (let first = 0; first < header.rows; first += chunkRows) {
          const count = Math.min(chunkRows, header.rows - first);
          // A fresh buffer per chunk: each record's Float32Array is a view or copy that outlives it.
          const buffer = Buffer.alloc(count * rowBytes);
          await file.read(buffer, 0, buffer.length, header.dataOffset + first * rowBytes);
          for (let i = 0; i < count; i++) {
            const row = first + i;
            const offset = i * rowBytes;
            // float64 rows go through toSourceItem's float32 range check; float32 rows are exact as read.
            const values = itemBytes === 4
              ? Float32Array.from({ length: header.dimension }, (_, j) => buffer.readFloatLE(offset + j * 4))
              : Array.from({ length: header.dimension }, (_, j) => buffer.readDoubleLE(offset + j * 8));
            const key = keys ? keys[row] : `${keyPrefix}${row}`;
            yield toSourceItem(row, row + 1, key, values, undefined);
          }
        }
      } finally {
        await file.close();
      }
    },
  };
}

/** Writes a float32 .npy file (version 1.0); for tests and for anyone exporting to NumPy. */
export function encodeNpy(rows: readonly (ArrayLike<number>)[], dimension: number, dtype: "float32" | "float64" = "float32"): Buffer {
  const descr = dtype === "float32" ? "<f4" : "<f8";
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${rows.length}, ${dimension}), }`;
  // The header, magic included, is padded with spaces to a multiple of 64 bytes and ends in "\n".
  const unpadded = 10 + dict.length + 1;
  dict += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const header = Buffer.alloc(10);
  MAGIC.copy(header);
  header[6] = 1;
  header[7] = 0;
  header.writeUInt16LE(dict.length, 8);
  const itemBytes = dtype === "float32" ? 4 : 8;
  const body = Buffer.alloc(rows.length * dimension * itemBytes);
  rows.forEach((row, i) => {
    for (let j = 0; j < dimension; j++) {
      const offset = (i * dimension + j) * itemBytes;
      if (itemBytes === 4) body.writeFloatLE(row[j]!, offset);
      else body.writeDoubleLE(row[j]!, offset);
    }
  });
  return Buffer.concat([header, Buffer.from(dict, "latin1"), body]);
}
