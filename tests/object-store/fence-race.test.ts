// Fencing between processes on a real store (docs/scale-out.md#safety-the-wal-sequence-fences):
// several contenders take the same index from each other round after round, each writing until the
// next one fences it, with checkpoints and pruning going on all the while. Afterwards: every put a
// contender acknowledged is in the index, nothing is there that was neither acknowledged nor of
// unknown outcome, and every acknowledgement of epoch E lies after E's fence and before the fence of
// every later epoch, which is the fence's whole promise.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { S3BlobStore } from "@ossv/engine/s3";
import type { IndexRecord } from "@ossv/engine";
import { recoverShared } from "../../packages/engine/src/collection/shared-recovery.ts";
import { CollectionLayout } from "../../packages/engine/src/storage/collection-layout.ts";
import { newBucket, storeOptions, useTestS3 } from "./test-s3.ts";

const { skip, s3 } = useTestS3();
const CHILD = fileURLToPath(new URL("./fence-race-child.ts", import.meta.url));
const CONTENDERS = 4;
const ROUNDS = 5;
const WRITES = 40;

interface Line {
  fence?: number;
  epoch?: number;
  ack?: string;
  seq?: number;
  lost?: string;
  error?: string;
}

function runContender(contender: number, env: Record<string, string>): Promise<Line[]> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, String(contender), String(ROUNDS), String(WRITES)], {
    env: { ...process.env, ...env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: Line[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => lines.push(JSON.parse(line) as Line));
  return new Promise((resolve, reject) => child.on("close", (code) => {
    if (code === 0) resolve(lines);
    else reject(new Error(`contender ${contender} exited with ${code}: ${stderr}`));
  }));
}

test(`${CONTENDERS} processes take one index from each other ${ROUNDS} times each: every acknowledged write kept, none after a later fence`, { skip, timeout: 240_000 }, async () => {
  const endpoint = await s3();
  const options = storeOptions(endpoint, await newBucket(endpoint), "fence/");
  const index = {
    id: randomBytes(8).toString("hex"), name: "idx", bucket: "b", accountId: "1", dimension: 4, distanceMetric: "euclidean",
    dataType: "float32", nonFilterableMetadataKeys: [], createdAt: new Date(0).toISOString(),
  } as unknown as IndexRecord;
  const env = { OSSV_RACE_STORE: JSON.stringify(options), OSSV_RACE_INDEX: JSON.stringify(index) };
  const lines = (await Promise.all(Array.from({ length: CONTENDERS }, (_, contender) => runContender(contender, env)))).flat();

  const fences = new Map<number, number>();
  for (const { fence, epoch } of lines) if (fence !== undefined && epoch !== undefined) fences.set(epoch, fence);
  assert.equal(fences.size, CONTENDERS * ROUNDS, "every round fenced under an epoch of its own");
  const acks = lines.filter((line) => line.ack !== undefined);
  const lost = new Set(lines.flatMap((line) => (line.lost === undefined ? [] : [line.lost])));
  for (const { ack, seq, epoch } of acks) {
    assert.ok(seq! > fences.get(epoch!)!, `${ack} (WAL ${seq}) was acknowledged before its own fence ${fences.get(epoch!)}`);
    for (const [later, fence] of fences) {
      if (later > epoch!) assert.ok(seq! < fence, `${ack} (epoch ${epoch}, WAL ${seq}) lies after the fence ${fence} of epoch ${later}`);
    }
  }

  const store = new S3BlobStore(options);
  try {
    const { state } = await recoverShared(store, new CollectionLayout(index.id), index);
    for (const { ack } of acks) assert.ok(state.get(ack!) !== undefined, `acknowledged ${ack} is missing`);
    const acknowledged = new Set(acks.map((line) => line.ack!));
    assert.equal(state.count, acknowledged.size + [...lost].filter((key) => state.get(key) !== undefined).length,
      "the index holds the acknowledged puts and some of those of unknown outcome, nothing else");
    // How the race went, to show the contenders did overlap (a writer fenced before its last write).
    const cutShort = [...fences.keys()].filter((epoch) => acks.filter((line) => line.epoch === epoch).length < WRITES).length;
    console.log(`# ${acks.length} puts acknowledged under ${fences.size} epochs; ${cutShort} writers were fenced before their last write; `
      + `${lost.size} of unknown outcome; ${state.count} rows in the index`);
  } finally {
    store.destroy();
  }
});
