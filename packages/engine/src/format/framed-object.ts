// The header every binary object of the engine begins with (WAL object, segment, snapshot, deletion
// object; docs/storage-format.md has each one's table):
//
//   4 bytes magic | u32 version | the object's own fields, u32 or u64 each | bodyLength (u32 or u64)
//   | u32 crc32(body), unless the body checksums itself | u32 crc32(every header byte before this one)
//
// and the body follows at once. A codec declares its own fields; the frame writes the header, fills in
// the length and checksums once the body is known, and on reading verifies all of them before the codec
// looks at a body byte, so a torn or damaged object of any kind is refused the same way, as a DecodeError.
// An intact header of a higher version is refused as NewerFormatError instead: a newer ossv wrote it.
import { ByteReader, ByteWriter, checksum } from "./binary.ts";
import { DecodeError, NewerFormatError } from "../base/errors.ts";
import { invariant } from "../base/invariant.ts";

export type FieldWidth = "u32" | "u64";

export interface FrameLayout<Field extends string> {
  /** What the object is called in error messages ("segment", "WAL object"). */
  readonly what: string;
  /** Four ASCII characters, written as they read ("OVSG"). */
  readonly magic: string;
  /** The version written (unless a writer asks for an older one: headerInSteps) and the newest read. */
  readonly version: number;
  /**
   * The oldest version read, when older versions have the very same header (they differ in what the
   * body holds, which the codec reads by the version opened); only `version` otherwise.
   */
  readonly oldestVersion?: number;
  /** The object's own header fields in byte order, between the version and the body length. */
  readonly fields: readonly (readonly [Field, FieldWidth])[];
  readonly bodyLength: FieldWidth;
  /** False where the body checksums itself: a WAL object's records each carry their own CRC. */
  readonly bodyChecksum: boolean;
}

export type FrameFields<Field extends string> = Record<Field, number>;

export interface OpenedFrame<Field extends string> {
  readonly version: number;
  readonly fields: FrameFields<Field>;
  /** The body: starts right after the header and ends with the object. */
  readonly body: ByteReader;
}

export interface OpenedHeader<Field extends string> {
  readonly version: number;
  readonly fields: FrameFields<Field>;
  readonly bodyLength: number;
  /** The CRC-32 the body must have, for objects whose header holds one. */
  readonly bodyChecksum?: number;
}

const WIDTH_BYTES: Record<FieldWidth, number> = { u32: 4, u64: 8 };
const U32_MAX = 0xffffffff;
/** Bytes of a body checksummed per step by headerInSteps (a few milliseconds each). */
const CHECKSUM_STEP_BYTES = 4 << 20;
const asciiEncoder = new TextEncoder();

export class FramedObject<const Field extends string> {
  readonly headerBytes: number;
  private readonly magicBytes: Uint8Array;
  private readonly bodyLengthAt: number;
  private readonly bodyChecksumAt: number | undefined;
  private readonly headerChecksumAt: number;

  constructor(private readonly layout: FrameLayout<Field>) {
    invariant(/^[\x20-\x7e]{4}$/.test(layout.magic), "a frame's magic is four ASCII characters", { magic: layout.magic });
    this.magicBytes = asciiEncoder.encode(layout.magic);
    this.bodyLengthAt = 8 + layout.fields.reduce((sum, [, width]) => sum + WIDTH_BYTES[width], 0);
    const bodyLengthEnd = this.bodyLengthAt + WIDTH_BYTES[layout.bodyLength];
    this.bodyChecksumAt = layout.bodyChecksum ? bodyLengthEnd : undefined;
    this.headerChecksumAt = bodyLengthEnd + (layout.bodyChecksum ? 4 : 0);
    this.headerBytes = this.headerChecksumAt + 4;
  }

  /**
   * Starts an object in an empty writer: the header, with its length and checksums left zero for
   * seal() to fill in once the body has been written after it.
   */
  begin(writer: ByteWriter, fields: FrameFields<Field>): void {
    invariant(writer.length === 0, "a framed object starts at the writer's first byte", { what: this.layout.what, length: writer.length });
    this.writeHeader(writer, fields);
  }

  /** Fills in the header begun by begin() for the body written since, and returns the whole object. */
  seal(writer: ByteWriter): Uint8Array {
    const body = writer.finish().subarray(this.headerBytes);
    this.patchSums(writer, body.length, this.layout.bodyChecksum ? checksum(body) : 0);
    return writer.finish();
  }

  /**
   * The header alone, for a body kept as separate parts (a segment's, which is never joined into one
   * buffer); checksums the body a few MB per step, yielding between steps.
   */
  *headerInSteps(fields: FrameFields<Field>, body: readonly Uint8Array[], version = this.layout.version): Generator<void, Uint8Array> {
    let bodyLength = 0;
    let bodyChecksum = 0;
    for (const part of body) {
      bodyLength += part.length;
      if (!this.layout.bodyChecksum) continue;
      for (let at = 0; at < part.length; at += CHECKSUM_STEP_BYTES) {
        bodyChecksum = checksum(part.subarray(at, at + CHECKSUM_STEP_BYTES), bodyChecksum);
        yield;
      }
    }
    const writer = new ByteWriter(this.headerBytes);
    this.writeHeader(writer, fields, version);
    this.patchSums(writer, bodyLength, bodyChecksum);
    return writer.finish();
  }

  /**
   * The header's fields and a reader of the body; throws DecodeError unless the object is as long as
   * its header says and every checksum the header holds matches, and NewerFormatError when an intact
   * header carries a version above this build's.
   */
  open(bytes: Uint8Array): OpenedFrame<Field> {
    const { version, fields, bodyChecksum } = this.openHeader(bytes, bytes.length);
    if (bodyChecksum !== undefined && checksum(bytes.subarray(this.headerBytes)) !== bodyChecksum) {
      throw new DecodeError(`${this.layout.what} body checksum mismatch`);
    }
    const body = new ByteReader(bytes, this.headerBytes);
    return { version, fields, body };
  }

  /**
   * The header alone, checked as open() checks it but for the body: from an object of `objectLength`
   * bytes whose first headerBytes are `header`, for a reader that reads the body in parts (a segment
   * served from its file) and checks the body's checksum later, as it reads it all.
   */
  openHeader(header: Uint8Array, objectLength: number): OpenedHeader<Field> {
    const { what } = this.layout;
    if (header.length < this.headerBytes || objectLength < this.headerBytes) {
      throw new DecodeError(`${what} of ${objectLength} bytes is shorter than its ${this.headerBytes}-byte header`);
    }
    const reader = new ByteReader(header, 0, this.headerBytes);
    const magic = reader.bytesView(4);
    const version = reader.u32();
    const fields = this.readFields(reader);
    const bodyLength = readField(reader, this.layout.bodyLength);
    const bodyChecksum = this.layout.bodyChecksum ? reader.u32() : undefined;
    const headerChecksum = reader.u32();
    // The header checksum first: a damaged magic or version is damage, not an object of another kind.
    if (checksum(header.subarray(0, this.headerChecksumAt)) !== headerChecksum) throw new DecodeError(`${what} header checksum mismatch`);
    this.checkKind(magic, version);
    if (objectLength !== this.headerBytes + bodyLength) {
      throw new DecodeError(`${what} is ${objectLength} bytes, its header says ${this.headerBytes + bodyLength}`);
    }
    return { version, fields, bodyLength, ...(bodyChecksum !== undefined && { bodyChecksum }) };
  }

  private writeHeader(writer: ByteWriter, fields: FrameFields<Field>, version = this.layout.version): void {
    invariant(version >= (this.layout.oldestVersion ?? this.layout.version) && version <= this.layout.version, "a frame is written in a version it reads", { what: this.layout.what, version });
    writer.bytes(this.magicBytes);
    writer.u32(version);
    for (const [name, width] of this.layout.fields) writeField(writer, width, fields[name], name);
    writeField(writer, this.layout.bodyLength, 0, "bodyLength");
    if (this.layout.bodyChecksum) writer.u32(0);
    writer.u32(0); // the header checksum
  }

  /** Writes the body's length and checksum into the header, then the header's own checksum. */
  private patchSums(writer: ByteWriter, bodyLength: number, bodyChecksum: number): void {
    checkFits(this.layout.bodyLength, bodyLength, "bodyLength");
    if (this.layout.bodyLength === "u32") writer.patchU32(this.bodyLengthAt, bodyLength);
    else writer.patchU64(this.bodyLengthAt, bodyLength);
    if (this.bodyChecksumAt !== undefined) writer.patchU32(this.bodyChecksumAt, bodyChecksum);
    writer.patchU32(this.headerChecksumAt, checksum(writer.finish().subarray(0, this.headerChecksumAt)));
  }

  private readFields(reader: ByteReader): FrameFields<Field> {
    const fields: Partial<FrameFields<Field>> = {};
    for (const [name, width] of this.layout.fields) fields[name] = readField(reader, width);
    return fields as FrameFields<Field>;
  }

  private checkKind(magic: Uint8Array, version: number): void {
    const { what } = this.layout;
    if (!magic.every((byte, i) => byte === this.magicBytes[i])) {
      throw new DecodeError(`not a ${what}: it begins with bytes ${Buffer.from(magic).toString("hex")}, not "${this.layout.magic}"`);
    }
    // The header checksum held, so a higher version is what a newer ossv wrote, not damage.
    if (version > this.layout.version) throw new NewerFormatError(what, version, this.layout.version);
    const oldest = this.layout.oldestVersion ?? this.layout.version;
    if (version < oldest) {
      const reads = oldest === this.layout.version ? `version ${oldest}` : `versions ${oldest} to ${this.layout.version}`;
      throw new DecodeError(`${what} has format version ${version}; this build reads ${reads}`);
    }
  }
}

function checkFits(width: FieldWidth, value: number, name: string): void {
  const fits = Number.isSafeInteger(value) && value >= 0 && (width === "u64" || value <= U32_MAX);
  invariant(fits, "a header field holds a non-negative integer of its width", { name, width, value });
}

function writeField(writer: ByteWriter, width: FieldWidth, value: number, name: string): void {
  checkFits(width, value, name);
  if (width === "u32") writer.u32(value);
  else writer.u64(value);
}

function readField(reader: ByteReader, width: FieldWidth): number {
  return width === "u32" ? reader.u32() : reader.u64();
}
