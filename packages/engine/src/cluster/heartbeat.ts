// Node heartbeats (docs/scale-out.md#liveness-leases-and-heartbeats). Each node creates
// `nodes/<node>/<beat>.beat` with the next number every second and deletes the one before; every node
// lists `nodes/` and calls a node dead when its newest beat has not changed for `deadAfterMs` of its
// own clock, or when it has no beat at all. Clocks of different machines are never compared.
import type { BlobStore } from "../storage/blob-store.ts";
import { numberedName } from "../storage/numbered-objects.ts";

export const NODES_DIR = "nodes";
const BEAT_EXT = "beat";

export class Heartbeat {
  private beat = 0;

  constructor(private readonly store: BlobStore, private readonly node: string) {}

  /** Creates the next beat and deletes the previous one. */
  async next(): Promise<void> {
    const previous = this.beat;
    this.beat++;
    await this.store.createIfAbsent(numberedName(`${NODES_DIR}/${this.node}`, this.beat, BEAT_EXT), new Uint8Array(0));
    if (previous > 0) await this.store.delete(numberedName(`${NODES_DIR}/${this.node}`, previous, BEAT_EXT));
  }

  /** Removes every beat, so that the other nodes take this node's indexes at their next look. */
  async stop(): Promise<void> {
    await this.store.deletePrefix(`${NODES_DIR}/${this.node}/`);
  }
}

interface Seen {
  beat: number;
  /** When (this node's monotonic clock) the beat was first seen at that number. */
  since: number;
}

export class Liveness {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly deadAfterMs: number, private readonly now: () => number = () => performance.now()) {}

  /** Takes in a listing of `nodes/`. */
  async look(store: BlobStore): Promise<void> {
    const newest = new Map<string, number>();
    for (const name of await store.list(`${NODES_DIR}/`)) {
      const [, node] = name.split("/");
      if (node === undefined) continue;
      const beat = beatNumber(name, node);
      if (beat !== undefined) newest.set(node, Math.max(newest.get(node) ?? 0, beat));
    }
    const now = this.now();
    for (const node of this.seen.keys()) if (!newest.has(node)) this.seen.delete(node);
    for (const [node, beat] of newest) {
      const known = this.seen.get(node);
      if (known?.beat !== beat) this.seen.set(node, { beat, since: now });
    }
  }

  /** The nodes seen at the last look. */
  nodes(): string[] {
    return [...this.seen.keys()];
  }

  isAlive(node: string): boolean {
    const known = this.seen.get(node);
    return known !== undefined && this.now() - known.since < this.deadAfterMs;
  }
}

/** The beat number of `nodes/<node>/<beat>.beat`, or undefined for any other name. */
function beatNumber(name: string, node: string): number | undefined {
  const match = new RegExp(`^${NODES_DIR}/${node}/(\\d{20})\\.${BEAT_EXT}$`).exec(name);
  return match ? Number(match[1]) : undefined;
}
