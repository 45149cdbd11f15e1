// The keys and metadata of a segment's rows, held as the very bytes a segment object stores them in
// (docs/storage-format.md): per row, a u32 length and the key's UTF-8, then a u32 length and the
// metadata as JSON. One buffer, an offset per row and a hash table of row numbers replace a key string,
// two array slots, a map entry and a metadata object per row: at the bench's shape (7-byte keys, three
// metadata fields) about 75 bytes a row instead of about 230, and nothing per row for the collector to
// walk. A key or metadata object is made only when it is read (a query's hits, a record, a filter index
// being built), which costs a decode each time: rows are read far less often than they are held.
//
// Keys are found through an open-addressing hash table over their UTF-8 bytes, so a lookup never
// makes a string. Written by hand: no library offers a byte-keyed table over typed arrays, and a Map of
// strings is what this replaces. The hash is seeded per process, so keys are hard to choose in
// advance to pile into one run of slots.
import { randomInt } from "node:crypto";
import { DecodeError } from "../base/errors.ts";
import { invariant } from "../base/invariant.ts";
import type { ByteReader } from "./binary.ts";
import type { Metadata } from "../base/types.ts";

const utf8 = new TextEncoder();
// ignoreBOM: a key may begin with U+FEFF, which the decoder would otherwise strip.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const HASH_SEED = randomInt(2 ** 32 - 1);
/** Row offsets are u32s, so one segment's records stay below 4 GiB. */
const MAX_RECORDS_BYTES = 2 ** 32 - 1;
/** The hash table is kept at most this full (and at least half of it), so probes stay short. */
const MAX_LOAD = 0.75;

export class RowRecords {
  /** The same bytes as a Buffer, for its fast UTF-8 decoding of a range. */
  private readonly text: Buffer;
  /** Row numbers plus one by hash of the key's bytes; 0 is an empty slot. Length a power of two. */
  private readonly table: Int32Array;

  /** Made by fromValues, read or RowRecordsBuilder. */
  constructor(
    /** Every row's record, back to back, exactly as a segment object stores them. */
    readonly bytes: Uint8Array,
    /** Where each row's record starts in `bytes`, and the end of the last as a final entry. */
    private readonly starts: Uint32Array,
  ) {
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.table = new Int32Array(tableSize(this.rows));
    for (let row = 0; row < this.rows; row++) this.insert(row);
  }

  /** Encodes rows given as values (a memtable freezing). */
  static fromValues(keys: readonly string[], metadata: readonly Metadata[]): RowRecords {
    invariant(keys.length === metadata.length, "rows have one metadata object per key", { keys: keys.length, metadata: metadata.length });
    const builder = new RowRecordsBuilder();
    for (let row = 0; row < keys.length; row++) builder.addValues(keys[row] as string, metadata[row] as Metadata);
    return builder.finish();
  }

  /**
   * Reads `rows` records from `reader` (a segment object's body) and copies them out, so the records
   * do not hold the whole object. Checks the structure, lengths within bounds; the object's checksum
   * has already vouched for the bytes themselves.
   */
  static read(reader: ByteReader, rows: number): RowRecords {
    const starts = new Uint32Array(rows + 1);
    const { bytes } = reader;
    const from = reader.offset;
    const room = Math.min(reader.remaining, MAX_RECORDS_BYTES);
    // Walked by hand rather than through the reader: a view per key and metadata was most of the time.
    let at = 0;
    for (let row = 0; row < rows; row++) {
      starts[row] = at;
      for (let part = 0; part < 2; part++) { // the key, then the metadata
        if (at + 4 > room) throw new DecodeError(`row ${row}'s record runs past the end of the body`);
        at += 4 + u32At(bytes, from + at);
      }
      if (at > room) throw new DecodeError(`row ${row}'s record runs past the end of the body`);
    }
    starts[rows] = at;
    // A copy whatever the body is: Buffer's slice() is a view, which would keep the whole object alive.
    return new RowRecords(new Uint8Array(reader.bytesView(at)), starts);
  }

  get rows(): number {
    return this.starts.length - 1;
  }

  /** The key of `row`, decoded. */
  keyAt(row: number): string {
    const at = this.starts[row] as number;
    return this.text.toString("utf8", at + 4, at + 4 + this.u32At(at));
  }

  /** The metadata of `row`, parsed into a new object the caller may keep or change. */
  metadataAt(row: number): Metadata {
    const keyAt = this.starts[row] as number;
    const at = keyAt + 4 + this.u32At(keyAt);
    try {
      return JSON.parse(this.text.toString("utf8", at + 4, at + 4 + this.u32At(at))) as Metadata;
    } catch {
      throw new DecodeError(`row ${row}'s metadata is not JSON`);
    }
  }

  /**
   * Decodes every row, as reads would: throws DecodeError at the first key that is not UTF-8 or
   * metadata that is not a JSON object. For the checker; open relies on the object's checksum.
   */
  verify(): void {
    for (let row = 0; row < this.rows; row++) {
      const at = this.starts[row] as number;
      try {
        strictUtf8.decode(this.bytes.subarray(at + 4, at + 4 + this.u32At(at)));
      } catch {
        throw new DecodeError(`row ${row}'s key is not UTF-8`);
      }
      const metadata = this.metadataAt(row) as unknown;
      if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) throw new DecodeError(`row ${row}'s metadata is not a JSON object`);
    }
  }

  /** Row `row`'s whole record (a view), to be copied into another segment's records. */
  encodedRow(row: number): Uint8Array {
    return this.bytes.subarray(this.starts[row], this.starts[row + 1]);
  }

  /** The row holding `key`, deleted or not; undefined when no row does. */
  rowOf(key: string | KeyProbe): number | undefined {
    const { bytes, hash } = typeof key === "string" ? keyProbe(key) : key;
    const mask = this.table.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = this.table[slot] as number;
      if (entry === 0) return undefined;
      if (this.keyEquals(entry - 1, bytes)) return entry - 1;
    }
  }

  /** Exact bytes held: the records, their offsets and the hash table. */
  memoryBytes(): number {
    return this.bytes.byteLength + this.starts.byteLength + this.table.byteLength;
  }

  private insert(row: number): void {
    const at = this.starts[row] as number;
    const mask = this.table.length - 1;
    let slot = hashBytes(this.bytes, at + 4, at + 4 + this.u32At(at)) & mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & mask;
    this.table[slot] = row + 1;
  }

  private keyEquals(row: number, probe: Uint8Array): boolean {
    const at = this.starts[row] as number;
    if (this.u32At(at) !== probe.length) return false;
    const bytes = this.bytes;
    for (let i = 0; i < probe.length; i++) if (bytes[at + 4 + i] !== probe[i]) return false;
    return true;
  }

  private u32At(at: number): number {
    return u32At(this.bytes, at);
  }
}

/** Builds records a row at a time: from values (a freeze) or from another segment's records (a merge). */
export class RowRecordsBuilder {
  /** A Buffer for its UTF-8 write into place: encoding into new arrays and copying took 3x as long. */
  private bytes = Buffer.alloc(4096);
  private used = 0;
  private rows = 0;
  private starts = new Uint32Array(1024);

  addValues(key: string, metadata: Metadata): void {
    const json = JSON.stringify(metadata);
    // Room for the longest UTF-8 the strings can take (3 bytes a UTF-16 unit); only `used` counts.
    const at = this.reserve(8 + 3 * (key.length + json.length));
    const keyLength = this.bytes.write(key, at + 4, "utf8");
    writeU32(this.bytes, at, keyLength);
    const metadataAt = at + 4 + keyLength;
    const metadataLength = this.bytes.write(json, metadataAt + 4, "utf8");
    writeU32(this.bytes, metadataAt, metadataLength);
    this.used = metadataAt + 4 + metadataLength;
  }

  /** Appends a record as RowRecords.encodedRow gave it. */
  addEncoded(record: Uint8Array): void {
    const at = this.reserve(record.length);
    this.bytes.set(record, at);
  }

  finish(): RowRecords {
    this.startRow(this.used);
    const records = new RowRecords(new Uint8Array(this.bytes.subarray(0, this.used)), this.starts.slice(0, this.rows));
    this.bytes = Buffer.alloc(0);
    return records;
  }

  /** Starts a row of at most `length` bytes and returns where it goes. */
  private reserve(length: number): number {
    const at = this.used;
    invariant(at + length <= MAX_RECORDS_BYTES, "a segment's keys and metadata stay below 4 GiB", { rows: this.rows, bytes: at + length });
    this.startRow(at);
    if (at + length > this.bytes.length) {
      const grown = Buffer.allocUnsafe(Math.max(this.bytes.length * 2, at + length));
      grown.set(this.bytes.subarray(0, at));
      this.bytes = grown;
    }
    this.used = at + length;
    return at;
  }

  /** Notes where a row (or, from finish, the end of the last) starts. */
  private startRow(at: number): void {
    if (this.rows === this.starts.length) {
      const grown = new Uint32Array(this.starts.length * 2);
      grown.set(this.starts);
      this.starts = grown;
    }
    this.starts[this.rows++] = at;
  }
}

function u32At(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
}

function writeU32(bytes: Uint8Array, at: number, value: number): void {
  bytes[at] = value & 0xff;
  bytes[at + 1] = (value >>> 8) & 0xff;
  bytes[at + 2] = (value >>> 16) & 0xff;
  bytes[at + 3] = value >>> 24;
}

function tableSize(rows: number): number {
  let size = 4;
  while (size * MAX_LOAD < rows) size *= 2;
  return size;
}

/** FNV-1a over bytes [from, to), from the process's seed, with murmur3's final mix to spread the low bits. */
function hashBytes(bytes: Uint8Array, from: number, to: number): number {
  let hash = HASH_SEED ^ 0x811c9dc5;
  for (let i = from; i < to; i++) hash = Math.imul(hash ^ (bytes[i] as number), 0x01000193);
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * A key ready to be looked up: its UTF-8 and hash, made once for a lookup in many segments (the hash
 * is the same in every one). Valid until the next keyProbe: the bytes are a reused buffer.
 */
export interface KeyProbe {
  bytes: Uint8Array;
  hash: number;
}

let probeBuffer = new Uint8Array(1024);

export function keyProbe(key: string): KeyProbe {
  if (key.length * 3 > probeBuffer.length) probeBuffer = new Uint8Array(key.length * 3);
  const { written } = utf8.encodeInto(key, probeBuffer);
  const bytes = probeBuffer.subarray(0, written);
  return { bytes, hash: hashBytes(bytes, 0, written) };
}
