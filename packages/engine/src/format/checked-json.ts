// The JSON objects of the catalog and of manifests end in a line holding the CRC-32 of the JSON text
// (8 lower-case hex digits). A bit flipped inside a value can still parse, as another key status or
// another WAL position; the checksum turns any such damage into a DecodeError instead.
//
//   <JSON text>\n<crc32 hex>\n
//
// Objects written before the checksum line existed end right after the JSON text's newline; their
// decoders accept them only with the older format versions that had no checksum.
import { checksum } from "./binary.ts";
import { DecodeError } from "../base/errors.ts";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8", { fatal: true });
const NEWLINE = 0x0a;
/** "\n" + 8 hex digits + "\n". */
const TRAILER_BYTES = 10;

export function encodeCheckedJson(value: object): Uint8Array {
  const json = utf8Encoder.encode(JSON.stringify(value));
  const trailer = utf8Encoder.encode(`\n${checksum(json).toString(16).padStart(8, "0")}\n`);
  const bytes = new Uint8Array(json.length + trailer.length);
  bytes.set(json);
  bytes.set(trailer, json.length);
  return bytes;
}

export interface DecodedJson {
  value: Record<string, unknown>;
  /** False for an object written before the checksum line existed. */
  checked: boolean;
}

function parseObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8Decoder.decode(bytes));
  } catch {
    throw new DecodeError(`${what} is not complete JSON`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new DecodeError(`${what} is not an object`);
  return parsed as Record<string, unknown>;
}

function trailerChecksum(bytes: Uint8Array): number | undefined {
  if (bytes.length < TRAILER_BYTES + 1 || bytes[bytes.length - TRAILER_BYTES] !== NEWLINE) return undefined;
  const hex = String.fromCharCode(...bytes.subarray(bytes.length - TRAILER_BYTES + 1, bytes.length - 1));
  return /^[0-9a-f]{8}$/.test(hex) ? Number.parseInt(hex, 16) : undefined;
}

export function decodeCheckedJson(bytes: Uint8Array, what: string): DecodedJson {
  // Every form ends in a newline; a cut that removed only it is still a cut.
  if (bytes[bytes.length - 1] !== NEWLINE) throw new DecodeError(`${what} does not end in a newline`);
  const expected = trailerChecksum(bytes);
  if (expected === undefined) return { value: parseObject(bytes.subarray(0, -1), what), checked: false };
  const json = bytes.subarray(0, bytes.length - TRAILER_BYTES);
  if (checksum(json) !== expected) throw new DecodeError(`${what} fails its checksum`);
  return { value: parseObject(json, what), checked: true };
}
