// A node that is not an index's writer reads it (docs/scale-out.md#reads-on-every-node): it holds the
// state of the newest committed manifest plus the WAL after it, and polls the WAL, applying new
// objects in order. A checkpoint commit in the WAL, or a WAL pruned past the next object it needs,
// makes it load the newer manifest, reading only the segments it does not hold (reader-reload.ts), and
// swap its whole state in one step. It never deletes anything.
//
// Most polls only ask for the next WAL object by name (a GET, which object stores bill at about a
// tenth of a LIST, docs/scale-out.md#costs-of-polling); a GET cannot tell "nothing new" from "pruned
// by a checkpoint before this node read it", so every LIST_EVERY-th poll, and every look asked to be
// thorough (the first read of an idle index), lists the WAL instead.
import type { BlobStore } from "../storage/blob-store.ts";
import { WAL_EXT, type CollectionLayout } from "../storage/collection-layout.ts";
import { CollectionState } from "../state/collection-state.ts";
import { decodeWalObject } from "../format/wal-format.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { FIRST_WAL_SEQ, type IndexShape } from "../collection/collection-recovery.ts";
import { decodeRequired } from "../storage/required-objects.ts";
import { finishReload, prepareReload, type HeldSegment, type ReaderView } from "./reader-reload.ts";

/** Every this many polls the WAL is listed rather than probed: once a second at the 250 ms poll. */
export const LIST_EVERY = 4;

export class IndexReader {
  private polling: Promise<void> | undefined;
  private looks = 0;

  private constructor(
    private readonly store: BlobStore,
    private readonly layout: CollectionLayout,
    private readonly index: IndexShape,
    /**
     * Read by every query. A reload replaces it in one synchronous step; the segments it keeps are
     * shared with the new state and gain their new deletions in that same step, never before.
     */
    public state: CollectionState,
    /** The next WAL number to apply: the state is exactly the WAL objects below it. */
    private next: number,
    /** The segments of the manifest in force, kept across reloads that still name them. */
    private held: ReadonlyMap<number, HeldSegment>,
  ) {}

  static async open(store: BlobStore, layout: CollectionLayout, index: IndexShape): Promise<IndexReader> {
    const view = finishReload(await prepareReload(store, layout, index, new Map()));
    return new IndexReader(store, layout, index, view.state, view.next, view.held);
  }

  /** A reader of an index created on this node a moment ago: nothing can be stored for it yet. */
  static empty(store: BlobStore, layout: CollectionLayout, index: IndexShape): IndexReader {
    return new IndexReader(store, layout, index, new CollectionState(index), FIRST_WAL_SEQ, new Map());
  }

  /** The number of the last WAL object applied. */
  get appliedSeq(): number {
    return this.next - 1;
  }

  /**
   * Looks at the store once: applies new WAL objects, or loads a newer manifest. A call that arrives
   * while a look is under way waits for it and then looks again, so it never returns before a look
   * that started after it was called. A `thorough` look lists the WAL, so it also finds objects past
   * a gap that a checkpoint pruned; the others mostly probe for the next object (see the file comment).
   */
  poll(thorough = false): Promise<void> {
    if (this.polling) return this.polling.then(() => this.poll(thorough), () => this.poll(thorough));
    const list = thorough || this.looks++ % LIST_EVERY === 0;
    this.polling = (list ? this.look() : this.probe()).finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /** Resolves once the WAL object `seq` is applied (a write this node forwarded, acknowledged). */
  async catchUp(seq: number): Promise<void> {
    for (let looks = 0; this.appliedSeq < seq; looks++) {
      if (looks >= 8) throw new Error(`WAL object ${seq} of ${this.layout.root} did not appear after ${looks} looks`);
      await this.poll();
    }
  }

  private async look(): Promise<void> {
    const listed = new Set((await listNumbered(this.store, this.layout.walDir, WAL_EXT)).map((object) => object.seq));
    if (!listed.has(this.next)) {
      // Objects beyond the next one, but not it: a checkpoint pruned what this node had not read.
      if ([...listed].some((seq) => seq > this.next)) await this.reload();
      return;
    }
    let committed = false;
    for (; listed.has(this.next); this.next++) {
      const bytes = await this.store.get(this.layout.walName(this.next));
      if (bytes === undefined) {
        await this.reload();
        return;
      }
      committed = this.applyWalObject(bytes) || committed;
    }
    if (committed) await this.reload();
  }

  /** Applies the WAL objects from the next one on, asked for by name, until one is not there. */
  private async probe(): Promise<void> {
    let committed = false;
    for (let bytes = await this.store.get(this.layout.walName(this.next)); bytes !== undefined; bytes = await this.store.get(this.layout.walName(this.next))) {
      committed = this.applyWalObject(bytes) || committed;
      this.next++;
    }
    if (committed) await this.reload();
  }

  /** Applies WAL object `next`'s records; true when one of them commits a checkpoint. */
  private applyWalObject(bytes: Uint8Array): boolean {
    let committed = false;
    for (const record of decodeRequired(this.layout.walName(this.next), "WAL object", bytes, decodeWalObject)) {
      this.state.apply(record);
      if (record.type === "marker" && "checkpoint" in record.marker) committed = true;
    }
    return committed;
  }

  /**
   * Loads the newest committed manifest and the WAL after it, reusing the segments held, then swaps
   * the state in one step; queries meanwhile read the old state.
   */
  private async reload(): Promise<void> {
    const prepared = await prepareReload(this.store, this.layout, this.index, this.held);
    // Never back in time: a reload that read less than this node has applied is dropped (before
    // finishReload, which marks deletions in the segments the old state shares).
    if (prepared.nextWalSeq < this.next) return;
    this.swap(finishReload(prepared));
  }

  private swap(view: ReaderView): void {
    for (const [id, { segment }] of this.held) if (view.held.get(id)?.segment !== segment) segment.releaseLater();
    this.state = view.state;
    this.next = view.next;
    this.held = view.held;
  }
}
