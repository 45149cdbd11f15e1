// The record of a load: every write (put or delete of one key) with its invocation and response time,
// and every observation of a key's value (by GetVectors, ListVectors, QueryVectors) with the
// interval of the request that made it. Times come from one clock, performance.now() in this process.
// The per-key register checker (register-checker.ts) judges reads against writes.

/** A key's value as the history names it: the write id of the put that wrote it, or null = absent. */
export type Value = number | null;

export interface WriteEvent {
  /** Unique in the run; a put's id is its value (metadata `w`). */
  id: number;
  key: string;
  kind: "put" | "delete";
  invokedAt: number;
  /** undefined while unanswered: in flight, or cut off by a kill (then in doubt until verified). */
  respondedAt: number | undefined;
}

export interface ReadEvent {
  key: string;
  value: Value;
  invokedAt: number;
  respondedAt: number;
  /** Which request saw it, for messages. */
  via: string;
}

export class History {
  readonly writesByKey = new Map<string, WriteEvent[]>();
  readonly readsByKey = new Map<string, ReadEvent[]>();
  readonly putsById = new Map<number, WriteEvent>();
  private nextId = 1;
  writesAcknowledged = 0;
  readsRecorded = 0;

  /** The highest write id issued so far. */
  get lastId(): number {
    return this.nextId - 1;
  }

  now(): number {
    return performance.now();
  }

  /** Records that a write of `key` is about to be sent, and returns it (with a fresh id). */
  issue(key: string, kind: WriteEvent["kind"]): WriteEvent {
    const write: WriteEvent = { id: this.nextId++, key, kind, invokedAt: this.now(), respondedAt: undefined };
    append(this.writesByKey, key, write);
    if (kind === "put") this.putsById.set(write.id, write);
    return write;
  }

  acknowledge(write: WriteEvent): void {
    write.respondedAt = this.now();
    this.writesAcknowledged++;
  }

  recordRead(read: ReadEvent): void {
    append(this.readsByKey, read.key, read);
    this.readsRecorded++;
  }

  /** A write cut off by a kill that recovery shows took effect: it counts as done by `at` (the kill). */
  settleApplied(write: WriteEvent, at: number): void {
    write.respondedAt = at;
  }

  /** A write cut off by a kill that recovery shows never took effect: it leaves the history. */
  settleDropped(write: WriteEvent): void {
    const writes = this.writesByKey.get(write.key) ?? [];
    writes.splice(writes.indexOf(write), 1);
    this.putsById.delete(write.id);
  }

  /** Writes of `key` not answered yet, oldest first. */
  unanswered(key: string): WriteEvent[] {
    return (this.writesByKey.get(key) ?? []).filter((write) => write.respondedAt === undefined);
  }

  /** The value of the last acknowledged write of `key` (null when none or a delete). */
  lastAcknowledged(key: string): { write: WriteEvent | undefined; value: Value } {
    let last: WriteEvent | undefined;
    for (const write of this.writesByKey.get(key) ?? []) {
      if (write.respondedAt !== undefined && (!last || write.respondedAt > (last.respondedAt as number))) last = write;
    }
    return { write: last, value: last?.kind === "put" ? last.id : null };
  }

  keys(): string[] {
    return [...new Set([...this.writesByKey.keys(), ...this.readsByKey.keys()])];
  }
}

function append<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}
