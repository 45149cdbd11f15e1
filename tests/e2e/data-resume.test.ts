// Kill an import half-way (SIGKILL to the child process running it), resume it from its checkpoint,
// and check that the index then holds exactly the file's records with their exact data.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { exportVectors, importVectors, readCheckpoint, readJsonl } from "../../packages/cli/src/data/index.ts";
import { startSdkServer, type SdkServer } from "./sdk-server.ts";

const ROWS = 20_000;
const DIMENSION = 16;
let server: SdkServer;
let dir: string;

before(async () => {
  server = await startSdkServer();
  dir = await mkdtemp(join(tmpdir(), "ossv-data-resume-"));
});
after(async () => {
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});

test("an import killed half-way resumes with nothing missed and the index holding exactly the file", async () => {
  const bucket = "resume";
  const index = "vectors";
  await server.client.putVectorBucket({ bucket });
  await server.client.putVectorIndex({ bucket, indexName: index, dataType: "float32", dimension: DIMENSION, distanceMetric: "cosine" });
  const file = join(dir, "in.jsonl");
  const checkpoint = join(dir, "in.checkpoint");
  const expected = new Map<string, { data: number[]; metadata: { row: number } }>();
  const lines: string[] = [];
  for (let row = 0; row < ROWS; row++) {
    const data = Array.from({ length: DIMENSION }, (_, j) => Math.fround(Math.sin(row * 31 + j) * (j + 1)));
    // Every 7th key repeats an earlier one: the later line must win, across batches in flight too.
    const key = row % 7 === 6 ? `key-${row - 3}` : `key-${row}`;
    expected.set(key, { data, metadata: { row } });
    lines.push(JSON.stringify({ key, data, metadata: { row } }));
  }
  await writeFile(file, lines.join("\n") + "\n");

  const child = spawn(process.execPath, ["--import", "tsx", fileURLToPath(new URL("data-import-child.ts", import.meta.url))], {
    env: {
      ...process.env,
      OSSV_IMPORT_CHILD: JSON.stringify({
        endpoint: server.server.url, accountId: server.server.accountId, credentials: server.server.rootCredentials,
        bucket, index, file, checkpoint, delayMs: 10,
      }),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = once(child, "exit");
  // Wait until the child has settled a good part of the file, but not all of it, then kill it.
  let killedAt: number | undefined;
  for (let waited = 0; waited < 60_000 && killedAt === undefined; waited += 20) {
    const state = await readCheckpoint(checkpoint).catch(() => undefined);
    if (state && state.position >= ROWS / 4) {
      child.kill("SIGKILL");
      killedAt = state.position;
    } else await delay(20);
  }
  const [code, signal] = await exited;
  assert.equal(signal, "SIGKILL", `the child exited by itself (code ${code}) before it could be killed`);
  const left = await readCheckpoint(checkpoint);
  assert.ok(left && !left.complete, "the killed import left a checkpoint that is not complete");
  assert.ok(left.position >= killedAt! && left.position < ROWS, `checkpoint at ${left.position} of ${ROWS}`);

  const summary = await importVectors({
    client: server.client, bucket, index, records: readJsonl(file), checkpointFile: checkpoint, resume: true, source: file,
  });
  assert.equal(summary.resumedFrom, left.position);
  assert.equal(summary.position, ROWS);
  assert.ok(summary.written <= ROWS - left.position, "records before the checkpoint were not sent again");
  const done = await readCheckpoint(checkpoint);
  assert.equal(done?.complete, true);
  assert.equal(done?.position, ROWS);

  const out = join(dir, "out.jsonl");
  await exportVectors({ client: server.client, bucket, index, format: "jsonl", out, segments: 4 });
  const found = new Map<string, { data: number[]; metadata: unknown }>();
  for (const line of (await readFile(out, "utf8")).trimEnd().split("\n")) {
    const { key, data, metadata } = JSON.parse(line);
    assert.ok(!found.has(key), `${key} listed twice`);
    found.set(key, { data, metadata });
  }
  assert.equal(found.size, expected.size);
  for (const [key, want] of expected) {
    const got = found.get(key);
    assert.ok(got, `${key} missing`);
    assert.deepEqual(new Uint32Array(Float32Array.from(got.data).buffer), new Uint32Array(Float32Array.from(want.data).buffer), key);
    assert.deepEqual(got.metadata, want.metadata, key);
  }
});
