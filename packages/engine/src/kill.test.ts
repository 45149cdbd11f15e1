// Real crashes: a child process runs mixed puts, deletes, flushes and compactions (kill-test-child.ts)
// and is SIGKILLed at a random point, several times over the same data directory. After each kill the
// directory is reopened here: every acknowledged write must be present, every acknowledged delete
// gone, and a write that was issued but not acknowledged may have gone either way.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { openEngine } from "./engine.ts";
import { KILL_TEST_KEYS, KILL_TEST_POLICY, killTestVector } from "./testing/kill-test-child.ts";
import { seededRandom, withTempDir } from "./testing/test-support.ts";

const CHILD = fileURLToPath(new URL("./testing/kill-test-child.ts", import.meta.url));
const ROUNDS = 3;

/** Per key: the generation it must hold (undefined = absent), or either of two while in doubt. */
type Expected = Map<string, { sure: number | undefined; maybe?: number | undefined }>;

/** Runs the child until it has acknowledged `acks` writes, kills it, and returns its complete lines. */
async function runAndKill(dataDir: string, round: number, acks: number): Promise<string[]> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir, String(round)], { stdio: ["ignore", "pipe", "inherit"] });
  let buffered = "";
  let acked = 0;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (chunk: string) => {
    buffered += chunk;
    acked = buffered.split("\nack ").length - 1;
    if (acked >= acks) child.kill("SIGKILL");
  });
  await exited; // the lock file names a dead pid only once the child is reaped
  assert.ok(acked >= acks, `the child died on its own after ${acked} acknowledgements`);
  return buffered.split("\n").slice(0, -1); // the last piece may be a line cut by the kill
}

function genOf(line: string): number | undefined {
  const [, verb, , gen] = line.split(" ");
  return verb === "put" ? Number(gen) : undefined;
}

/** Folds the child's output into the expectation: acks become sure, issued-only writes in doubt. */
function applyLines(expected: Expected, lines: string[]): void {
  for (const line of lines) {
    const [kind, , key] = line.split(" ");
    if (key === undefined || (kind !== "issue" && kind !== "ack")) continue;
    const entry = expected.get(key) ?? { sure: undefined };
    if (kind === "issue") entry.maybe = genOf(line);
    else expected.set(key, { sure: genOf(line) });
    if (kind === "issue") expected.set(key, entry);
  }
}

/** Verifies the reopened directory against `expected`; returns how many segments it had. */
async function verifyAndSettle(dataDir: string, expected: Expected, label: string): Promise<number> {
  const engine = await openEngine({ dataDir, checkpoint: KILL_TEST_POLICY });
  const index = engine.catalog.getIndex("1000000000000001", "bucket-a", "index1");
  assert.ok(index, label);
  const collection = engine.collection(index);
  for (let keyNumber = 0; keyNumber < KILL_TEST_KEYS; keyNumber++) {
    const key = `key${keyNumber}`;
    const [record] = collection.get([key]);
    const gen = record ? (record.metadata.gen as number) : undefined;
    const entry = expected.get(key) ?? { sure: undefined };
    const allowed = "maybe" in entry ? [entry.sure, entry.maybe] : [entry.sure];
    assert.ok(allowed.includes(gen), `${label}: ${key} holds ${gen}, expected one of ${allowed.join(", ")}`);
    if (record) {
      assert.deepEqual(record.data, killTestVector(keyNumber, gen as number), `${label}: ${key} data`);
      const [hit] = collection.query({ vector: record.data, topK: 1 });
      assert.equal(hit?.distance, 0, `${label}: ${key} is found by a query`);
    }
    expected.set(key, { sure: gen }); // what survived is now settled
  }
  assert.equal(collection.count(), [...expected.values()].filter((entry) => entry.sure !== undefined).length, label);
  const segments = collection.describe().segments.length;
  await engine.close();
  return segments;
}

test("SIGKILL at random points never loses an acknowledged write or resurrects a delete", async () => {
  await withTempDir(async (dataDir) => {
    const random = seededRandom(2024);
    const expected: Expected = new Map();
    let segmentsSeen = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      const lines = await runAndKill(dataDir, round, 200 + Math.floor(random() * 600));
      applyLines(expected, lines);
      segmentsSeen += await verifyAndSettle(dataDir, expected, `after kill ${round}`);
    }
    assert.ok(segmentsSeen > 0, "the kills hit a state with segments at least once");
  });
});
