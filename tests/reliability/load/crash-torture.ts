// The crash torture, for an index of any kind (index-kind.ts): a real `ossv serve` is SIGKILLed again
// and again on the same data directory while 16 SDK clients put, delete, get, list, query and ask for
// compaction on overlapping keys, and a small checkpoint policy keeps flushes, merges and compactions
// going all the time. After every restart the ledger is checked against what the server recovered
// (recovery-check.ts): no acknowledged write lost, no acknowledged delete undone, vectors bit-exact,
// GetVectors and ListVectors in agreement, the kind's queries finding what is present and nothing
// else. At the end every read of the whole run, during the load and after each recovery, is checked
// for linearizability per key (register-checker.ts). crash.test.ts runs it on a Standard index,
// crash-fusion.test.ts on a Fusion index.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { seededRandom } from "../../../packages/engine/src/base/seeded-random.mjs";
import type { ServeProcess } from "../../e2e/serve-process.ts";
import { scaled, testSeed } from "../scale.ts";
import { History } from "./history.ts";
import type { IndexKind, LoadContext } from "./index-kind.ts";
import { KeyChooser } from "./key-chooser.ts";
import { deleteSome, getSome, listAll, putSome, querySome } from "./load-ops.ts";
import { runLoad, type LoadOptions, type LoadStats } from "./load-runner.ts";
import { checkRecovery } from "./recovery-check.ts";
import { checkHistory } from "./register-checker.ts";
import { adminClient, BUCKET, createBucketAndIndex, INDEX, killServe, sdkClient, startServe, stopServe } from "./serve-fixture.ts";

export const KILLS = scaled(20, 200);
/** The test's timeout. */
export const TORTURE_TIMEOUT_MS = scaled(10, 60) * 60_000;
const CLIENTS = 16;
const KEYS = 300;
/** Tiny segments and WAL budget: a run of a second or two flushes, merges and checkpoints many times. */
const POLICY = { segmentRows: 48, maxWalObjects: 8, maxSegments: 3, maxDeletedFraction: 0.2, idleFlushMs: 150, idleFlushRows: 8, idleMergeMs: 400 };
/** Each kill comes after a random number of acknowledged writes in this range ... */
const KILL_AFTER_ACKS: [number, number] = [10, 600];
/** ... or after a random delay in this range (ms), whichever the round drew. */
const KILL_AFTER_MS: [number, number] = [20, 1500];
/** A quiet kill comes this long (ms) after the load has stopped. */
const QUIET_KILL_MS: [number, number] = [0, 1000];
/** No round waits longer than this for its kill trigger (the load may be slow on a busy machine). */
const ROUND_LIMIT_MS = 20_000;

/** One torture run: what every round shares. */
interface Run {
  kind: IndexKind;
  history: History;
  keys: KeyChooser;
  random: () => number;
  totals: Totals;
}

interface Totals {
  kills: number;
  /** Kills after the load had stopped (see loadAndKill). */
  quietKills: number;
  acknowledgedChecked: number;
  keysChecked: number;
  /** Sets: a key found wrong stays wrong in later rounds, and is counted once. */
  lost: Set<string>;
  resurrected: Set<string>;
  segmentsSeen: number;
  /** Time spent in the checks after restarts (ms), to tell it from the load's in the run's length. */
  checkMs: number;
  errors: string[];
  problems: string[];
  ops: Record<string, number>;
  started: Record<string, number>;
  cut: number;
}

function loadMix(port: number): LoadOptions["mix"] {
  const admin = adminClient(port);
  return {
    put: [35, (ctx) => putSome(ctx, 3)],
    delete: [20, (ctx) => deleteSome(ctx, 2)],
    get: [15, (ctx) => getSome(ctx, 5)],
    query: [20, (ctx) => querySome(ctx, 10)],
    list: [2, (ctx) => listAll(ctx, 50)],
    compact: [1, () => admin.compactIndex(BUCKET, INDEX)],
  };
}

const between = ([low, high]: [number, number], random: () => number) => low + Math.floor(random() * (high - low));

/**
 * Runs the load until the round's trigger fires, then SIGKILLs the server; returns the kill time. A
 * quarter of the rounds let the load finish first and kill within a second after it: that is when the
 * idle flush and idle merge run, with no write in flight.
 */
async function loadAndKill(server: ServeProcess, { kind, history, keys, random, totals }: Run): Promise<number> {
  const byAcks = random() < 0.5;
  const quietMs = random() < 0.25 ? between(QUIET_KILL_MS, random) : undefined;
  const startAcks = history.writesAcknowledged;
  const acks = between(KILL_AFTER_ACKS, random);
  const delayUntil = performance.now() + between(KILL_AFTER_MS, random);
  let stopping = false;
  let gone = false;
  let ended = false;
  const load = runLoad({
    clients: Array.from({ length: CLIENTS }, () => sdkClient(server.port)), kind, history, keys, mix: loadMix(server.port),
    seed: Math.floor(random() * 2 ** 31), maxOpsPerClient: 100_000, deadlineMs: ROUND_LIMIT_MS,
    shouldStop: () => stopping, serverGone: () => gone,
  }).finally(() => { ended = true; });
  const fired = () => (byAcks ? history.writesAcknowledged - startAcks >= acks : performance.now() >= delayUntil);
  const limit = performance.now() + ROUND_LIMIT_MS;
  while (!fired() && !ended && performance.now() < limit) await new Promise((resolve) => setTimeout(resolve, 2));
  stopping = true;
  if (quietMs !== undefined) {
    addStats(totals, await load);
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    totals.quietKills++;
  }
  const killedAt = history.now();
  gone = true;
  await killServe(server);
  if (quietMs === undefined) addStats(totals, await load);
  totals.kills++;
  return killedAt;
}

function addStats(totals: Totals, stats: LoadStats): void {
  for (const [name, count] of Object.entries(stats.ops)) totals.ops[name] = (totals.ops[name] ?? 0) + count;
  for (const [name, count] of Object.entries(stats.started)) totals.started[name] = (totals.started[name] ?? 0) + count;
  totals.errors.push(...stats.errors);
  totals.problems.push(...stats.problems);
  totals.cut += stats.cut;
}

async function recoverAndCheck(server: ServeProcess, { kind, history, keys, random, totals }: Run, killedAt: number): Promise<void> {
  const ctx: LoadContext = { client: sdkClient(server.port), kind, history, keys, random, problems: totals.problems };
  const checkStarted = performance.now();
  const check = await checkRecovery(ctx, killedAt, 5);
  totals.checkMs += performance.now() - checkStarted;
  totals.acknowledgedChecked += check.acknowledgedChecked;
  totals.keysChecked += check.keysChecked;
  for (const what of check.lost) totals.lost.add(what);
  for (const what of check.resurrected) totals.resurrected.add(what);
  const described = await adminClient(server.port).describeIndex(BUCKET, INDEX) as { segments: unknown[] };
  totals.segmentsSeen += described.segments.length;
}

/**
 * The whole torture on an index of `kind`; `label` names it in the output and picks its seed. Every
 * guarantee is asserted here.
 */
export async function crashTorture(kind: IndexKind, label: string): Promise<void> {
  const random = seededRandom(testSeed(label));
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-crash-"));
  const totals: Totals = { kills: 0, quietKills: 0, acknowledgedChecked: 0, keysChecked: 0, lost: new Set(), resurrected: new Set(), segmentsSeen: 0, checkMs: 0, errors: [], problems: [], ops: {}, started: {}, cut: 0 };
  const run: Run = { kind, history: new History(), keys: new KeyChooser(KEYS, true), random, totals };
  const { history } = run;
  const started = performance.now();
  let server: ServeProcess | undefined;
  try {
    let killedAt: number | undefined;
    for (let round = 0; round < KILLS && totals.errors.length === 0; round++) {
      server = await startServe(dataDir, POLICY);
      if (killedAt === undefined) await createBucketAndIndex(sdkClient(server.port), kind);
      else await recoverAndCheck(server, run, killedAt);
      killedAt = await loadAndKill(server, run);
    }
    server = await startServe(dataDir, POLICY);
    await recoverAndCheck(server, run, killedAt as number);
    assert.equal(await stopServe(server), 0, "the server stops cleanly after the last recovery");
  } finally {
    // A check that threw leaves its server running; no child may outlive the test.
    if (server && server.child.exitCode === null && server.child.signalCode === null) await killServe(server);
    await rm(dataDir, { recursive: true, force: true });
  }
  const linearizability = checkHistory(history);
  console.log(`# ${label}: ${totals.kills} kills (${totals.quietKills} after the load stopped) in ${((performance.now() - started) / 1000).toFixed(1)} s `
    + `(${(totals.checkMs / 1000).toFixed(1)} s of them checking after restarts); `
    + `${history.writesAcknowledged} acknowledged writes, ${totals.acknowledgedChecked} acknowledged key states checked after restarts `
    + `(${totals.keysChecked} keys); lost ${totals.lost.size}, resurrected ${totals.resurrected.size}; ${totals.problems.length} wrong answers`
    + `${totals.problems.length > 0 ? ` (the first: ${JSON.stringify(totals.problems.slice(0, 3))})` : ""}; `
    + `${linearizability.reads} reads checked for linearizability, ${linearizability.violationCount} violations; `
    + `${totals.cut} requests cut by kills; answered ${JSON.stringify(totals.ops)} of started ${JSON.stringify(totals.started)}; segments seen at restarts ${totals.segmentsSeen}`);
  assert.deepEqual(totals.errors, [], "no request failed while the server was up");
  assert.deepEqual([...totals.lost], [], "acknowledged writes lost");
  assert.deepEqual([...totals.resurrected], [], "acknowledged deletes undone");
  assert.deepEqual(totals.problems, [], "wrong answers");
  assert.deepEqual(linearizability.violations, [], "reads no linearization explains");
  assert.equal(totals.kills, KILLS);
  assert.ok(totals.segmentsSeen > 0, "the kills hit states with segments");
}
