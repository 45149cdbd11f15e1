// fsck of the WAL objects from a manifest's walFrom on. They must be consecutive and decode; at the
// first one that is missing or damaged, its writes are unknown, and it goes to quarantine with every
// later object: replaying later group commits without it would produce a state no client ever saw.
// One exception, deliberately: the deletes found in those later objects are kept (applied in the
// repaired checkpoint). A delete can only remove a vector its client asked to remove, so keeping it
// never invents data, while dropping it would bring back a vector the client was told is deleted.
import { WAL_EXT } from "../storage/collection-layout.ts";
import { describeFailure, type CollectionScope, type ReadOutcome } from "./fsck-context.ts";
import { listNumbered } from "../storage/numbered-objects.ts";
import { decodeWalObject, type WalRecord } from "../format/wal-format.ts";

export interface WalCheck {
  /** Records of the readable objects before the first bad one, in order. */
  records: WalRecord[];
  /** Keys deleted by readable objects after the first bad one (see the file comment). */
  carriedDeletes: string[];
  /** The first bad object's number, or the end of the WAL: where new writes continue. */
  resumeAt: number;
  damaged: boolean;
}

interface Dropped {
  readable: number;
  unreadable: number;
  putKeys: Set<string>;
  deleteKeys: Set<string>;
}

function tally(dropped: Dropped, outcome: ReadOutcome<WalRecord[]>): void {
  if (outcome.status !== "ok") {
    dropped.unreadable++;
    return;
  }
  dropped.readable++;
  for (const record of outcome.value) {
    if (record.type === "put") for (const vector of record.vectors) dropped.putKeys.add(vector.key);
    else if (record.type === "delete") for (const key of record.keys) dropped.deleteKeys.add(key);
  }
}

function describeDropped(first: number, last: number, dropped: Dropped): string {
  if (last < first) return "it is the last WAL object";
  const range = first === last ? `WAL object ${first}` : `WAL objects ${first}-${last}`;
  return `${range} after it (${dropped.readable} readable, ${dropped.unreadable} not) hold puts of ${dropped.putKeys.size} keys, `
    + `which repair must drop too, and deletes of ${dropped.deleteKeys.size} keys, which repair keeps`;
}

export async function checkWal(scope: CollectionScope, walFrom: number): Promise<WalCheck> {
  const { ctx, layout } = scope;
  const objects = (await listNumbered(ctx.store, layout.walDir, WAL_EXT)).filter((object) => object.seq >= walFrom);
  const records: WalRecord[] = [];
  const dropped: Dropped = { readable: 0, unreadable: 0, putKeys: new Set(), deleteKeys: new Set() };
  let next = walFrom;
  let bad: { seq: number; failure: string } | undefined;
  for (const object of objects) {
    if (!bad && object.seq !== next) bad = { seq: next, failure: "missing" };
    const outcome = await ctx.readObject(object.name, decodeWalObject);
    if (!bad && outcome.status === "ok") {
      records.push(...outcome.value);
      next++;
      continue;
    }
    ctx.quarantine(object.name);
    if (bad) tally(dropped, outcome);
    else bad = { seq: object.seq, failure: describeFailure(outcome) };
  }
  if (!bad) return { records, carriedDeletes: [], resumeAt: next, damaged: false };
  const last = objects.at(-1)?.seq ?? bad.seq;
  ctx.report({
    object: layout.walName(bad.seq), index: scope.label, severity: "damage", problem: bad.failure,
    holds: `WAL object ${bad.seq}: its writes are unknown; ${describeDropped(bad.seq + 1, last, dropped)}`,
    lost: { unknownWalObjects: 1 + dropped.unreadable, putKeys: dropped.putKeys.size, deleteKeys: dropped.deleteKeys.size },
    repair: `moved to quarantine with every later WAL object; the rows they put are lost, their deletes are applied; `
      + `writes continue at WAL object ${bad.seq}`,
  });
  return { records, carriedDeletes: [...dropped.deleteKeys], resumeAt: bad.seq, damaged: true };
}
