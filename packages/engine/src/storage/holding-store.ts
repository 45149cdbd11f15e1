// A blob store whose deletes can be held back. A backup names the objects of one consistent moment
// (the catalog object, each collection's manifest and what it names, its WAL up to the last
// acknowledged write) and then copies them while writes, checkpoints and merges go on; a checkpoint
// committed meanwhile would delete some of those objects as superseded. So while they are held, their
// deletes wait, and run when the hold is released. Creating objects is never held: every commit makes
// a new number, so nothing a hold covers can be replaced.
//
// An object whose delete waits is a leftover the manifest in force no longer names, exactly what a
// crash between a commit and its pruning leaves; if the process ends before the hold is released,
// recovery removes it as it removes those.
import type { BlobBody, BlobStore, LocalFile } from "./blob-store.ts";

type DeferredDelete = { name: string } | { prefix: string };

export class HoldingBlobStore implements BlobStore {
  /** Held names and how many holds cover each. */
  private readonly held = new Map<string, number>();
  private deferred: DeferredDelete[] = [];

  constructor(readonly inner: BlobStore) {}

  /**
   * Holds back deletes of `names` until the returned function is called; the function then runs
   * the deletes that waited, once no hold covers their names any more. Taken synchronously, so a
   * caller that read the names in the same step knows none of them was deleted in between.
   */
  hold(names: readonly string[]): () => Promise<void> {
    for (const name of names) this.held.set(name, (this.held.get(name) ?? 0) + 1);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      for (const name of names) {
        const count = (this.held.get(name) ?? 1) - 1;
        if (count === 0) this.held.delete(name);
        else this.held.set(name, count);
      }
      await this.runDeferred();
    };
  }

  private covers(entry: DeferredDelete): boolean {
    if ("name" in entry) return this.held.has(entry.name);
    for (const name of this.held.keys()) if (name.startsWith(entry.prefix)) return true;
    return false;
  }

  private async runDeferred(): Promise<void> {
    const due = this.deferred.filter((entry) => !this.covers(entry));
    this.deferred = this.deferred.filter((entry) => this.covers(entry));
    for (const entry of due) {
      if ("name" in entry) await this.inner.delete(entry.name);
      else await this.inner.deletePrefix(entry.prefix);
    }
  }

  openLocalFile(name: string): LocalFile | undefined {
    return this.inner.openLocalFile?.(name);
  }

  get(name: string): Promise<Uint8Array | undefined> {
    return this.inner.get(name);
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    return this.inner.createIfAbsent(name, bytes);
  }

  async delete(name: string): Promise<void> {
    const entry = { name };
    if (this.covers(entry)) this.deferred.push(entry);
    else await this.inner.delete(name);
  }

  async deletePrefix(prefix: string): Promise<void> {
    const entry = { prefix };
    if (this.covers(entry)) this.deferred.push(entry);
    else await this.inner.deletePrefix(prefix);
  }
}
