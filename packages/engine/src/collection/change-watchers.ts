// The listeners of one collection's changes (Collection.watch). They are called inside the write path,
// so one that throws must not stop a change half-applied: it is dropped and reported instead.
import type { CollectionChange } from "../base/types.ts";
import type { WalRecord } from "../format/wal-format.ts";

type Listener = (change: CollectionChange) => void;

export class ChangeWatchers {
  private readonly listeners = new Set<Listener>();

  add(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  tell(change: CollectionChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.listeners.delete(listener);
        process.emitWarning(`a collection change listener threw and was dropped: ${String(error)}`);
      }
    }
  }

  /** Tells of an applied WAL record; markers change no row. */
  tellRecord(record: WalRecord): void {
    if (this.listeners.size === 0) return;
    if (record.type === "put") this.tell({ put: record.vectors });
    else if (record.type === "delete") this.tell({ deleted: record.keys });
  }
}
