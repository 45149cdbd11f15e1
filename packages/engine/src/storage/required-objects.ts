// Reading an object the engine cannot do without (a manifest, a segment, a WAL object, a lease):
// missing or damaged, it is a CorruptionError naming the object, never a bare decode error. Recovery,
// readers, fences and a segment's stored graph all read their objects this way.
import type { BlobStore } from "./blob-store.ts";
import { CorruptionError, DecodeError, NewerFormatError } from "../base/errors.ts";

/** Reads an object recovery relies on; it must exist and decode, or data would be lost. */
export async function readRequired<T>(store: BlobStore, name: string, what: string, decode: (bytes: Uint8Array) => T): Promise<T> {
  const bytes = await store.get(name);
  if (!bytes) throw new CorruptionError(name, `${what} is missing`);
  return decodeRequired(name, what, bytes, decode);
}

/** Decodes an object recovery relies on: damage becomes a CorruptionError naming it. */
export function decodeRequired<T>(name: string, what: string, bytes: Uint8Array, decode: (bytes: Uint8Array) => T): T {
  try {
    return decode(bytes);
  } catch (error) {
    throw requiredObjectError(name, what, error);
  }
}

/** An error met decoding object `name`, as recovery reports it: damage names the object, as does a newer format. */
export function requiredObjectError(name: string, what: string, error: unknown): unknown {
  if (error instanceof DecodeError) return new CorruptionError(name, `unreadable ${what}: ${error.message}`);
  if (error instanceof NewerFormatError) return error.of(name);
  return error;
}
