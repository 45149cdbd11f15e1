// Linearizability of each key as a register whose writes carry unique values (a put's write id; a
// delete writes "absent"). Two checks, both necessary conditions of linearizability:
//
// 1. Each read is explained: it returns a write invoked before the read responded that no other write
//    superseded (a write wholly after it and wholly before the read); an "absent" read is explained
//    likewise by a delete, or by the initial state when no write finished before the read began.
// 2. The puts and the reads of their values admit one order (the zone test for registers with unique
//    values): in a linearization each put and its reads form a contiguous block, so two blocks whose
//    forced spans (from the earliest response to the latest invocation) overlap, or a block that must
//    lie wholly inside another's forced span, cannot both be placed. Deletes and "absent" reads are
//    left out here, which only weakens the test (dropping a write and its reads keeps a
//    linearizable history linearizable).
//
// A write never answered counts as responding at +Infinity: it may take effect at any later time.
import type { History, ReadEvent, Value, WriteEvent } from "./history.ts";

export interface CheckResult {
  keys: number;
  reads: number;
  /** How many violations there were in all ... */
  violationCount: number;
  /** ... and the first few of them. */
  violations: string[];
}

const MAX_REPORTED = 20;

export function checkHistory(history: History): CheckResult {
  const violations: string[] = [];
  let reads = 0;
  let violationCount = 0;
  for (const key of history.keys()) {
    const keyReads = history.readsByKey.get(key) ?? [];
    reads += keyReads.length;
    const found = checkKey(history.writesByKey.get(key) ?? [], keyReads);
    violationCount += found.length;
    violations.push(...found.slice(0, Math.max(0, MAX_REPORTED - violations.length)));
  }
  return { keys: history.keys().length, reads, violationCount, violations };
}

const end = (write: WriteEvent) => write.respondedAt ?? Infinity;

export function checkKey(writes: readonly WriteEvent[], reads: readonly ReadEvent[]): string[] {
  const supersededBefore = latestInvocationFinishedBefore(writes);
  const deleteReach = latestDeleteEndInvokedBefore(writes);
  const puts = new Map(writes.filter((write) => write.kind === "put").map((write) => [write.id, write]));
  const violations: string[] = [];
  for (const read of reads) {
    const problem = explainRead(read, puts, supersededBefore(read.invokedAt), deleteReach(read.respondedAt));
    if (problem) violations.push(problem);
  }
  violations.push(...zoneViolations(puts, reads));
  return violations;
}

/** Why `read` cannot be explained, or undefined when it can. */
function explainRead(read: ReadEvent, puts: Map<number, WriteEvent>, supersededAt: number, deleteEnd: number): string | undefined {
  const seen = `${read.key}: ${read.via} [${read.invokedAt.toFixed(1)}, ${read.respondedAt.toFixed(1)}] saw ${describe(read.value)}`;
  if (read.value === null) {
    // The initial state has ended at -Infinity; it is superseded as soon as any write finished.
    return deleteEnd >= supersededAt ? undefined : `${seen}, but a put finished after every delete that could explain it, before the read began`;
  }
  const put = puts.get(read.value);
  if (!put) return `${seen}, which no put of this key wrote (or recovery dropped)`;
  if (put.invokedAt >= read.respondedAt) return `${seen}, a write invoked only after the read answered`;
  if (supersededAt > end(put)) return `${seen}, but a later write finished before the read began (stale)`;
  return undefined;
}

/** t -> the latest invocation time of a write that responded before t (-Infinity when none). */
function latestInvocationFinishedBefore(writes: readonly WriteEvent[]): (t: number) => number {
  const finished = writes.filter((write) => write.respondedAt !== undefined).sort((a, b) => end(a) - end(b));
  return prefixMaxLookup(finished.map(end), finished.map((write) => write.invokedAt));
}

/** t -> the latest response time of a delete invoked before t (-Infinity when none). */
function latestDeleteEndInvokedBefore(writes: readonly WriteEvent[]): (t: number) => number {
  const deletes = writes.filter((write) => write.kind === "delete").sort((a, b) => a.invokedAt - b.invokedAt);
  return prefixMaxLookup(deletes.map((write) => write.invokedAt), deletes.map(end));
}

/** For ascending `keys`: t -> the max of values[i] over keys[i] < t. */
function prefixMaxLookup(keys: number[], values: number[]): (t: number) => number {
  const prefixMax: number[] = [];
  for (const value of values) prefixMax.push(Math.max(prefixMax.at(-1) ?? -Infinity, value));
  return (t) => {
    let low = 0;
    let high = keys.length; // first index with keys[i] >= t
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((keys[mid] as number) < t) low = mid + 1;
      else high = mid;
    }
    return low === 0 ? -Infinity : (prefixMax[low - 1] as number);
  };
}

interface Zone { put: number; from: number; to: number }

function zoneViolations(puts: Map<number, WriteEvent>, reads: readonly ReadEvent[]): string[] {
  const clusters = new Map<number, { earliestEnd: number; latestStart: number }>();
  for (const put of puts.values()) clusters.set(put.id, { earliestEnd: end(put), latestStart: put.invokedAt });
  for (const read of reads) {
    const cluster = read.value === null ? undefined : clusters.get(read.value);
    if (!cluster) continue;
    cluster.earliestEnd = Math.min(cluster.earliestEnd, read.respondedAt);
    cluster.latestStart = Math.max(cluster.latestStart, read.invokedAt);
  }
  const forward: Zone[] = [];
  const backward: Zone[] = [];
  for (const [put, { earliestEnd, latestStart }] of clusters) {
    if (earliestEnd < latestStart) forward.push({ put, from: earliestEnd, to: latestStart });
    else backward.push({ put, from: latestStart, to: earliestEnd });
  }
  forward.sort((a, b) => a.from - b.from);
  const violations: string[] = [];
  const key = reads[0]?.key ?? [...puts.values()][0]?.key;
  for (let i = 1; i < forward.length; i++) {
    const [before, after] = [forward[i - 1] as Zone, forward[i] as Zone];
    if (after.from < before.to) violations.push(`${key}: puts ${before.put} and ${after.put} and their reads admit no order (their forced spans overlap)`);
  }
  for (const zone of backward) {
    const container = lastStartingBefore(forward, zone.from);
    if (container && container.to > zone.to) {
      violations.push(`${key}: put ${zone.put} and its reads must fall inside the span forced by put ${container.put} and its reads`);
    }
  }
  return violations;
}

function lastStartingBefore(zones: Zone[], t: number): Zone | undefined {
  let found: Zone | undefined;
  for (const zone of zones) {
    if (zone.from < t) found = zone;
    else break;
  }
  return found;
}

function describe(value: Value): string {
  return value === null ? "absent" : `write ${value}`;
}
