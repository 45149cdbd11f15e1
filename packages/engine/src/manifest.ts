// Manifest objects: which snapshot holds a collection's state and where WAL replay starts. Each version
// is a new numbered JSON object `indexes/<id>/manifest/<seq>.json`; its snapshot has the same number.
import { DecodeError } from "./errors.ts";

const FORMAT = "ossv-manifest";
const VERSION = 1;

export interface Manifest {
  seq: number;
  /** Number of the snapshot object (equal to `seq`). */
  snapshot: number;
  /** The first WAL object not contained in the snapshot. */
  walFrom: number;
  /** Rows in the snapshot, for a quick look without reading it. */
  count: number;
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  const json = JSON.stringify({ format: FORMAT, version: VERSION, ...manifest });
  return new TextEncoder().encode(`${json}\n`);
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function decodeManifest(bytes: Uint8Array, expectedSeq: number): Manifest {
  // The closing newline marks a complete object: a cut that removed only it is still a cut.
  if (bytes[bytes.length - 1] !== 0x0a) throw new DecodeError("manifest does not end in a newline");
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    throw new DecodeError("manifest is not complete JSON");
  }
  if (typeof parsed !== "object" || parsed === null) throw new DecodeError("manifest is not an object");
  const { format, version, seq, snapshot, walFrom, count } = parsed as Record<string, unknown>;
  if (format !== FORMAT || version !== VERSION || seq !== expectedSeq) {
    throw new DecodeError("manifest has the wrong format, version or sequence number");
  }
  if (!isCount(snapshot) || !isCount(walFrom) || !isCount(count)) throw new DecodeError("manifest fields are malformed");
  return { seq: expectedSeq, snapshot, walFrom, count };
}
