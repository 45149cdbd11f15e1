// Manifest objects: which objects hold a collection's state and where WAL replay starts. Each version
// is a new numbered JSON object `indexes/<id>/manifest/<seq>.json`; its snapshot (the memtable's rows)
// and its deletion object (the segments' deletion bitmaps) have the same number. Version 2 added the
// segments; version 1 manifests (no segments) are still read.
// Version 3 added the checksum line (checked-json.ts); older versions are read without one.
import { decodeCheckedJson, encodeCheckedJson } from "./checked-json.ts";
import { DecodeError, NewerFormatError } from "../base/errors.ts";

const FORMAT = "ossv-manifest";
const VERSION = 3;

export interface Manifest {
  seq: number;
  /** Number of the snapshot object (equal to `seq`). */
  snapshot: number;
  /** The first WAL object not contained in the snapshot and segments. */
  walFrom: number;
  /** Live rows in snapshot and segments together, for a quick look without reading them. */
  count: number;
  /** Ids of the segment objects in force. */
  segments: number[];
  /** Number of the deletion object (equal to `seq`), 0 when there are no segments. */
  deletes: number;
  /**
   * "wal" on a shared store (docs/scale-out.md): in force only once a checkpoint commit record naming
   * it is in the WAL. Absent: in force by existing, as on a data directory.
   */
  commit?: "wal";
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  return encodeCheckedJson({ format: FORMAT, version: VERSION, ...manifest });
}

const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

export function decodeManifest(bytes: Uint8Array, expectedSeq: number): Manifest {
  const { value, checked } = decodeCheckedJson(bytes, "manifest");
  const { format, version, seq, snapshot, walFrom, count, segments = [], deletes = 0, commit } = value;
  // Only a checksummed object can be told apart from damage: without the checksum line, a higher
  // version may be a flipped bit.
  if (checked && format === FORMAT && typeof version === "number" && Number.isSafeInteger(version) && version > VERSION) {
    throw new NewerFormatError("manifest", version, VERSION);
  }
  const versionOk = checked ? version === VERSION : version === 1 || version === 2;
  if (format !== FORMAT || !versionOk || seq !== expectedSeq) {
    throw new DecodeError("manifest has the wrong format, version or sequence number");
  }
  if (!isCount(snapshot) || !isCount(walFrom) || !isCount(count) || !isCount(deletes)) {
    throw new DecodeError("manifest fields are malformed");
  }
  if (!Array.isArray(segments) || !segments.every((id) => isCount(id) && id > 0)) {
    throw new DecodeError("manifest segments are malformed");
  }
  if (segments.length > 0 && deletes === 0) throw new DecodeError("manifest has segments but no deletion object");
  if (commit !== undefined && commit !== "wal") throw new DecodeError("manifest commit is malformed");
  const manifest: Manifest = { seq: expectedSeq, snapshot, walFrom, count, segments: segments as number[], deletes };
  return commit === undefined ? manifest : { ...manifest, commit };
}
