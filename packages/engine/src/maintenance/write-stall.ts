// Writes wait while too much of an index has no graph yet. Rows go into the memtable at the speed the
// WAL takes them, but into graphs only at the speed hnswlib inserts them, which at 768 dimensions is a
// few thousand rows a second on one core, and not at all while the one queue of background work runs
// a long merge. Without a bound the rows waiting for a graph grew without end under a sustained load
// (a 1M x 768 ingest had 580,000 of them, a 1.8 GB memtable, when the server died), and every query
// scans them exactly. So, as an LSM tree stalls writes when its first level backs up, a write waits
// while the rows without a graph (the memtable's, and frozen segments' whose graph is being built)
// hold stallBytes or more of vectors; after stallMs it is refused as UNAVAILABLE (503
// ServiceUnavailable), which clients retry after a pause. Deletes add no vector and never wait for
// room, but keep their place behind a put made before them (WriteGate).
import { EngineError } from "../base/types.ts";
import type { CollectionState } from "../state/collection-state.ts";

export interface WriteStallPolicy {
  /** Bytes of vectors without a graph (memtable and frozen segments) at which writes wait. */
  stallBytes: number;
  /** How long a write waits for room before it is refused as UNAVAILABLE. */
  stallMs: number;
}

/** How often a waiting write looks again: room is made when a flush or a graph build ends. */
const POLL_MS = 50;

/** Bytes of vectors held by rows that no graph covers yet. */
export function ungraphedBytes(collection: CollectionState): number {
  let rows = collection.memtable.count;
  for (const segment of collection.segments) if (!segment.graph) rows += segment.rows;
  return rows * collection.index.dimension * 4;
}

export function writesStalled(collection: CollectionState, policy: WriteStallPolicy): boolean {
  return ungraphedBytes(collection) >= policy.stallBytes;
}

/**
 * Resolves once a write may go ahead, asking for a flush when it must wait (`flush`); throws
 * UNAVAILABLE when no room was made by `deadline` (a performance.now() time: the write's arrival
 * plus stallMs, so a write queued behind others waits no longer in all than one alone).
 */
export async function roomForWrites(
  collection: CollectionState, policy: WriteStallPolicy, flush: () => void, indexName: string, deadline: number,
): Promise<void> {
  flush();
  while (writesStalled(collection, policy)) {
    const left = deadline - performance.now();
    if (left <= 0) {
      const held = (ungraphedBytes(collection) / 2 ** 20).toFixed(0);
      throw new EngineError("UNAVAILABLE", `vector index ${indexName} has ${held} MiB of vectors waiting for their graphs to be built; retry after a moment`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, left)));
  }
}

/**
 * Keeps a collection's writes in the order they were made through the stall: a write appends at once
 * (no await, as without a stall) while nothing stalls and no earlier write waits; otherwise it takes
 * its turn behind the earlier ones, a put also waiting for room. So a delete made after a waiting put
 * is applied after it, and a delete waits only for such a put, never for room.
 */
export class WriteGate {
  /** Settles once the last waiting write has appended (or was refused); undefined when none waits. */
  private tail: Promise<void> | undefined;

  /** `room(deadline)` waits for room until `deadline`, a performance.now() time. */
  constructor(
    private readonly stalled: () => boolean,
    private readonly room: (deadline: number) => Promise<void>,
    private readonly stallMs: () => number,
  ) {}

  /** Runs `append` in the write order; `needsRoom` for a write that adds vectors. */
  run<T>(needsRoom: boolean, append: () => Promise<T>): Promise<T> {
    if (this.tail === undefined && !(needsRoom && this.stalled())) return append();
    // Counted from now: a put behind three waiting puts is refused when they are, not 60 s later.
    const deadline = performance.now() + this.stallMs();
    let appended: Promise<T> | undefined;
    const turn = (this.tail ?? Promise.resolve())
      .then(() => (needsRoom && this.stalled() ? this.room(deadline) : undefined))
      .then(() => {
        appended = append();
      });
    const tail = turn.catch(() => undefined);
    this.tail = tail;
    void tail.then(() => {
      if (this.tail === tail) this.tail = undefined;
    });
    return turn.then(() => appended as Promise<T>);
  }
}
