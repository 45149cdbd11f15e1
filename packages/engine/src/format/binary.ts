// Little-endian byte writer and bounds-checked reader shared by the binary formats. Float32
// data is copied as raw bytes (never as JSON numbers), so a vector reads back bit for bit.
import { crc32 } from "node:zlib";
import { endianness } from "node:os";
import { DecodeError } from "../base/errors.ts";

export const HOST_IS_LITTLE_ENDIAN = endianness() === "LE";
const utf8Encoder = new TextEncoder();
// ignoreBOM: a string (a vector key) may begin with U+FEFF, which the decoder would otherwise strip.
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** CRC-32 of `bytes`; pass the checksum of the bytes before them to checksum a body in parts. */
export function checksum(bytes: Uint8Array, before = 0): number {
  return crc32(bytes, before) >>> 0;
}

/** `values` as little-endian bytes: a view of them on a little-endian host, a converted copy elsewhere. */
export function littleEndianFloatBytes(values: Float32Array): Uint8Array {
  if (HOST_IS_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const bytes = new Uint8Array(values.byteLength);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] ?? 0, true);
  return bytes;
}

export class ByteWriter {
  private buffer: Uint8Array;
  private view: DataView;
  private used = 0;

  constructor(initialCapacity = 1024) {
    this.buffer = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.buffer.buffer);
  }

  get length(): number {
    return this.used;
  }

  /**
   * Makes room for `extra` more bytes and returns where they start. It may replace `buffer` and
   * `view`, so callers must call it before reading either: `this.buffer.set(x, this.reserve(n))`
   * evaluates `this.buffer` first and writes into the old, outgrown buffer.
   */
  private reserve(extra: number): number {
    const at = this.used;
    const needed = at + extra;
    if (needed > this.buffer.length) {
      let capacity = this.buffer.length * 2;
      while (capacity < needed) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, at));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.used = needed;
    return at;
  }

  u8(value: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, value);
  }

  u32(value: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, value, true);
  }

  u64(value: number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(value), true);
  }

  /** Overwrites a u32 written earlier (lengths and checksums known only afterwards). */
  patchU32(at: number, value: number): void {
    this.view.setUint32(at, value, true);
  }

  patchU64(at: number, value: number): void {
    this.view.setBigUint64(at, BigInt(value), true);
  }

  bytes(value: Uint8Array): void {
    const at = this.reserve(value.length);
    this.buffer.set(value, at);
  }

  /** A u32 byte length followed by the UTF-8 bytes. */
  string(value: string): void {
    this.lengthPrefixed(utf8Encoder.encode(value));
  }

  lengthPrefixed(value: Uint8Array): void {
    this.u32(value.length);
    this.bytes(value);
  }

  floats(values: Float32Array): void {
    const at = this.reserve(values.length * 4);
    this.buffer.set(littleEndianFloatBytes(values), at);
  }

  /** Unsigned 32-bit values back to back, little-endian (as u32() writes each). */
  u32s(values: Uint32Array): void {
    const at = this.reserve(values.length * 4);
    if (HOST_IS_LITTLE_ENDIAN) {
      this.buffer.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), at);
      return;
    }
    for (let i = 0; i < values.length; i++) this.view.setUint32(at + i * 4, values[i] ?? 0, true);
  }

  /** The written bytes (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }
}

export class ByteReader {
  private readonly view: DataView;
  offset: number;

  constructor(
    readonly bytes: Uint8Array,
    offset = 0,
    readonly end = bytes.length,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private take(count: number): number {
    if (count < 0 || this.offset + count > this.end) {
      throw new DecodeError(`needs ${count} bytes at offset ${this.offset}, ${this.remaining} left`);
    }
    const at = this.offset;
    this.offset += count;
    return at;
  }

  u8(): number {
    return this.view.getUint8(this.take(1));
  }

  u32(): number {
    return this.view.getUint32(this.take(4), true);
  }

  u64(): number {
    const value = this.view.getBigUint64(this.take(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new DecodeError("u64 beyond the safe integer range");
    return Number(value);
  }

  bytesView(count: number): Uint8Array {
    const at = this.take(count);
    return this.bytes.subarray(at, at + count);
  }

  string(): string {
    const view = this.bytesView(this.u32());
    try {
      return utf8Decoder.decode(view);
    } catch {
      throw new DecodeError("invalid UTF-8");
    }
  }

  /** Copies `count` float32 values into `target` starting at `targetOffset`. */
  floatsInto(count: number, target: Float32Array, targetOffset = 0): void {
    const at = this.take(count * 4);
    if (HOST_IS_LITTLE_ENDIAN) {
      const targetBytes = new Uint8Array(target.buffer, target.byteOffset + targetOffset * 4, count * 4);
      targetBytes.set(this.bytes.subarray(at, at + count * 4));
      return;
    }
    for (let i = 0; i < count; i++) target[targetOffset + i] = this.view.getFloat32(at + i * 4, true);
  }

  floats(count: number): Float32Array {
    const values = new Float32Array(count);
    this.floatsInto(count, values);
    return values;
  }

  /** `count` unsigned 32-bit values, as ByteWriter.u32s wrote them (a copy, aligned). */
  u32s(count: number): Uint32Array {
    const at = this.take(count * 4);
    const values = new Uint32Array(count);
    if (HOST_IS_LITTLE_ENDIAN) new Uint8Array(values.buffer).set(this.bytes.subarray(at, at + count * 4));
    else for (let i = 0; i < count; i++) values[i] = this.view.getUint32(at + i * 4, true);
    return values;
  }
}
