// Bytes each index holds in the store, kept up to date as objects come and go, so that asking costs a
// map lookup rather than a listing and a stat per object. The sizes are learnt from the store's own
// traffic: recovery reads every object an index keeps and deletes every other one, and each later
// object is created through here; a deleted object is forgotten. Objects outside `indexes/` (the
// catalog) are passed through uncounted.
import type { BlobBody, BlobStore, LocalFile } from "./blob-store.ts";
import { CollectionLayout, storageIdOf } from "./collection-layout.ts";

interface IndexObjects {
  bytes: number;
  sizes: Map<string, number>;
}

function bodyLength(body: BlobBody): number {
  if (body instanceof Uint8Array) return body.length;
  let total = 0;
  for (const part of body) total += part.length;
  return total;
}

export class SizeTrackingStore implements BlobStore {
  private readonly byIndex = new Map<string, IndexObjects>();

  constructor(private readonly inner: BlobStore) {}

  /** Bytes of the objects of storage id `id` known to exist (0 for an id with none). */
  bytesOf(id: string): number {
    return this.byIndex.get(id)?.bytes ?? 0;
  }

  private note(name: string, size: number): void {
    const id = storageIdOf(name);
    if (id === undefined) return;
    let objects = this.byIndex.get(id);
    if (!objects) this.byIndex.set(id, (objects = { bytes: 0, sizes: new Map() }));
    objects.bytes += size - (objects.sizes.get(name) ?? 0);
    objects.sizes.set(name, size);
  }

  private forget(name: string): void {
    const id = storageIdOf(name);
    const objects = id === undefined ? undefined : this.byIndex.get(id);
    const size = objects?.sizes.get(name);
    if (objects === undefined || size === undefined) return;
    objects.bytes -= size;
    objects.sizes.delete(name);
  }

  openLocalFile(name: string): LocalFile | undefined {
    return this.inner.openLocalFile?.(name);
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const bytes = await this.inner.get(name);
    if (bytes) this.note(name, bytes.length);
    else this.forget(name);
    return bytes;
  }

  list(prefix: string): Promise<string[]> {
    return this.inner.list(prefix);
  }

  async delete(name: string): Promise<void> {
    await this.inner.delete(name);
    this.forget(name);
  }

  async deletePrefix(prefix: string): Promise<void> {
    await this.inner.deletePrefix(prefix);
    const id = storageIdOf(prefix);
    // A whole index's prefix (`indexes/<id>/`) is the usual case: drop its entry at once.
    if (id !== undefined && prefix === new CollectionLayout(id).root) {
      this.byIndex.delete(id);
      return;
    }
    for (const objects of this.byIndex.values()) {
      for (const name of [...objects.sizes.keys()]) if (name.startsWith(prefix)) this.forget(name);
    }
  }

  async createIfAbsent(name: string, bytes: BlobBody): Promise<boolean> {
    const created = await this.inner.createIfAbsent(name, bytes);
    if (created) this.note(name, bodyLength(bytes));
    return created;
  }
}
