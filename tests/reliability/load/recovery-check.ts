// After a kill and restart: the ledger (the history of acknowledged and unanswered writes) against
// what the server recovered. Each key must hold the value of its last acknowledged write, or of the
// write that was in flight when the kill came (keys are written exclusively, so there is at most one
// such write); GetVectors of every key and a full ListVectors must agree, and the index kind's queries
// must find what is present and nothing else (IndexKind.recoveryQueries). What recovery shows settles
// each in-doubt write: it took effect at the kill, or it never happened.
import type { Vector } from "@ossv/sdk";
import type { Value } from "./history.ts";
import type { LoadContext } from "./index-kind.ts";
import { getKeys, listAll } from "./load-ops.ts";
import { writeIdOf } from "./vector-checks.ts";

export interface RecoveryCheck {
  keysChecked: number;
  /** Keys whose expected state was set by an acknowledged write (put or delete). */
  acknowledgedChecked: number;
  lost: string[];
  resurrected: string[];
  present: number;
}

const GET_BATCH = 100;
const LIST_PAGE = 100;

export async function checkRecovery(ctx: LoadContext, killedAt: number, querySamples: number): Promise<RecoveryCheck> {
  const present = new Map<string, Vector>();
  for (let i = 0; i < ctx.keys.names.length; i += GET_BATCH) {
    const found = await getKeys(ctx, ctx.keys.names.slice(i, i + GET_BATCH), "recovery GetVectors");
    for (const [key, vector] of found) present.set(key, vector);
  }
  const check: RecoveryCheck = { keysChecked: 0, acknowledgedChecked: 0, lost: [], resurrected: [], present: present.size };
  for (const key of ctx.keys.names) {
    const vector = present.get(key);
    judgeKey(ctx, check, key, vector ? writeIdOf(vector) ?? -1 : null, killedAt);
  }
  const listed = await listAll(ctx, LIST_PAGE, "recovery ListVectors");
  if (listed.size !== present.size || [...present.keys()].some((key) => !listed.has(key))) {
    ctx.problems.push(`recovery: ListVectors has ${listed.size} keys, GetVectors found ${present.size}`);
  }
  ctx.problems.push(...await ctx.kind.recoveryQueries(ctx, present, querySamples));
  return check;
}

function judgeKey(ctx: LoadContext, check: RecoveryCheck, key: string, observed: Value, killedAt: number): void {
  const { write: acknowledged, value: sure } = ctx.history.lastAcknowledged(key);
  const inDoubt = ctx.history.unanswered(key);
  check.keysChecked++;
  if (acknowledged) check.acknowledgedChecked++;
  const allowed: Value[] = [sure, ...inDoubt.map((write) => (write.kind === "put" ? write.id : null))];
  if (!allowed.includes(observed)) {
    const what = `${key} holds ${observed ?? "nothing"}, expected ${allowed.map((value) => value ?? "nothing").join(" or ")}`;
    (sure === null ? check.resurrected : check.lost).push(what);
  }
  for (const write of inDoubt) {
    const tookEffect = write.kind === "put" ? observed === write.id : observed === null;
    if (tookEffect) ctx.history.settleApplied(write, killedAt);
    else ctx.history.settleDropped(write);
  }
}
