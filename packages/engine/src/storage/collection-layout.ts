// Where one collection's objects live in the blob store. Everything is under `indexes/<id>/`, so
// dropping an index is one prefix delete, and a storage id absent from the catalog marks an orphan.
import { numberedName } from "./numbered-objects.ts";

export const INDEXES_DIR = "indexes";
export const WAL_EXT = "wal";
export const SNAPSHOT_EXT = "snap";
export const MANIFEST_EXT = "json";
export const SEGMENT_EXT = "seg";
export const DELETES_EXT = "del";
export const LEASE_EXT = "json";

export class CollectionLayout {
  readonly root: string;
  readonly walDir: string;
  readonly snapshotDir: string;
  readonly manifestDir: string;
  readonly segmentDir: string;
  readonly deletesDir: string;
  /** Shared stores only: who is the index's writer, epoch by epoch (docs/scale-out.md). */
  readonly leaseDir: string;

  constructor(readonly id: string) {
    this.root = `${INDEXES_DIR}/${id}/`;
    this.walDir = `${INDEXES_DIR}/${id}/wal`;
    this.snapshotDir = `${INDEXES_DIR}/${id}/snapshot`;
    this.manifestDir = `${INDEXES_DIR}/${id}/manifest`;
    this.segmentDir = `${INDEXES_DIR}/${id}/segment`;
    this.deletesDir = `${INDEXES_DIR}/${id}/deletes`;
    this.leaseDir = `${INDEXES_DIR}/${id}/lease`;
  }

  walName(seq: number): string {
    return numberedName(this.walDir, seq, WAL_EXT);
  }

  snapshotName(seq: number): string {
    return numberedName(this.snapshotDir, seq, SNAPSHOT_EXT);
  }

  manifestName(seq: number): string {
    return numberedName(this.manifestDir, seq, MANIFEST_EXT);
  }

  segmentName(id: number): string {
    return numberedName(this.segmentDir, id, SEGMENT_EXT);
  }

  deletesName(seq: number): string {
    return numberedName(this.deletesDir, seq, DELETES_EXT);
  }

  leaseName(epoch: number): string {
    return numberedName(this.leaseDir, epoch, LEASE_EXT);
  }
}

/** The storage id an object name belongs to, if it is under `indexes/`. */
export function storageIdOf(name: string): string | undefined {
  const parts = name.split("/");
  return parts[0] === INDEXES_DIR && parts.length > 2 ? parts[1] : undefined;
}
