// importVectors against a scripted client: the checkpoint only advances over a contiguous acknowledged
// prefix, retryable failures are retried, and a failure that is neither retryable nor a bad record
// stops the import before the failed batch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { ServiceError, type PutVectorsRequest, type PutVectorsResult } from "@ossv/sdk";
import { ImportAbortedError, importVectors, readCheckpoint, type ImportProgress, type SourceItem } from "./index.ts";

async function* records(count: number): AsyncGenerator<SourceItem> {
  for (let position = 0; position < count; position++) {
    yield { ok: true, record: { position, line: position + 1, key: `k${position}`, data: Float32Array.of(position) } };
  }
}

const ok: PutVectorsResult = { statusCode: 200, requestId: "", headers: {} };
const serviceError = (statusCode: number, code: string) =>
  new ServiceError({ statusCode, code, message: code, requestId: "R", ec: "", headers: {} });

test("the checkpoint waits for a slow early batch while later batches finish", async () => {
  const progress: ImportProgress[] = [];
  let firstDone = false;
  const client = {
    async putVectors(input: PutVectorsRequest) {
      if (input.vectors[0]!.key === "k0") {
        await delay(100);
        firstDone = true;
      }
      return ok;
    },
  };
  const dir = await mkdtemp(join(tmpdir(), "ossv-import-"));
  try {
    const checkpointFile = join(dir, "checkpoint");
    const summary = await importVectors({
      client, bucket: "b", index: "i", records: records(50), batchSize: 10, concurrency: 4, checkpointFile,
      checkpointIntervalMs: 0, onProgress: (step) => progress.push({ ...step }),
    });
    assert.equal(summary.written, 50);
    // Batches 2-4 finished first; the position stayed at 0 until batch 1 did.
    const early = progress.filter((step) => step.written > 0 && step.written < 40);
    assert.ok(early.length > 0 && early.every((step) => step.position === 0), JSON.stringify(progress));
    assert.ok(firstDone);
    assert.deepEqual(await readCheckpoint(checkpointFile), { version: 1, bucket: "b", index: "i", position: 50, written: 50, errors: 0, complete: true });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("retryable failures are retried; a fatal one stops the import before its batch", async () => {
  let failures = 2;
  const flaky = {
    async putVectors() {
      if (failures-- > 0) throw serviceError(503, "ServiceUnavailable");
      return ok;
    },
  };
  const summary = await importVectors({ client: flaky, bucket: "b", index: "i", records: records(30), batchSize: 10, concurrency: 1, retryBaseDelayMs: 1 });
  assert.equal(summary.written, 30);

  const broken = {
    async putVectors(input: PutVectorsRequest) {
      if (input.vectors[0]!.key === "k20") throw serviceError(403, "AccessDenied");
      return ok;
    },
  };
  const error = await importVectors({ client: broken, bucket: "b", index: "i", records: records(100), batchSize: 10, concurrency: 1 })
    .then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ImportAbortedError);
  assert.match(error.message, /AccessDenied/);
  assert.equal(error.summary.position, 20);
});

test("a key repeated in one batch is sent once, with its last value", async () => {
  const sent: PutVectorsRequest[] = [];
  const client = { async putVectors(input: PutVectorsRequest) { sent.push(input); return ok; } };
  async function* repeated(): AsyncGenerator<SourceItem> {
    for (const [position, key] of ["a", "b", "a"].entries()) {
      yield { ok: true, record: { position, line: position + 1, key, data: Float32Array.of(position) } };
    }
  }
  await importVectors({ client, bucket: "b", index: "i", records: repeated() });
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0]!.vectors.map((vector) => [vector.key, [...vector.data.float32]]), [["a", [2]], ["b", [1]]]);
});

test("while every request slot is busy, the next batches are read, so a freed slot is filled at once", async () => {
  let pulled = 0;
  let readAhead!: () => void;
  const readAheadDone = new Promise<void>((resolve) => { readAhead = resolve; });
  async function* counted(): AsyncGenerator<SourceItem> {
    for (let position = 0; position < 100; position++) {
      pulled = position + 1;
      // Batches 1 and 2 are in flight and batches 3 and 4 read once record 41 arrives.
      if (pulled === 41) readAhead();
      yield { ok: true, record: { position, line: position + 1, key: `k${position}`, data: Float32Array.of(position) } };
    }
  }
  let calls = 0;
  let pulledWhenFirstAnswered: number | undefined;
  const client = {
    async putVectors() {
      if (++calls <= 2) {
        // A bound only for the failure case: without reading ahead, record 41 never comes while we wait.
        await Promise.race([readAheadDone, delay(5_000)]);
        pulledWhenFirstAnswered ??= pulled;
      }
      return ok;
    },
  };
  const summary = await importVectors({ client, bucket: "b", index: "i", records: counted(), batchSize: 10, concurrency: 2 });
  assert.equal(summary.written, 100);
  assert.ok(pulledWhenFirstAnswered !== undefined && pulledWhenFirstAnswered >= 41, `only ${pulledWhenFirstAnswered} records were read while the first requests were open`);
});

test("a key written again in a later batch ends with its later value, whichever request finishes first", async () => {
  const stored = new Map<string, number>();
  const client = {
    async putVectors(input: PutVectorsRequest) {
      // The batch holding the first "dup" is the slowest, so a later one would overtake it unless held back.
      if (input.vectors.some((vector) => vector.key === "dup" && [...vector.data.float32][0] === 3)) await delay(50);
      for (const vector of input.vectors) stored.set(vector.key, [...vector.data.float32][0]!);
      return ok;
    },
  };
  async function* withRepeat(): AsyncGenerator<SourceItem> {
    for (let position = 0; position < 40; position++) {
      const key = position === 3 || position === 25 ? "dup" : `k${position}`;
      yield { ok: true, record: { position, line: position + 1, key, data: Float32Array.of(position) } };
    }
  }
  await importVectors({ client, bucket: "b", index: "i", records: withRepeat(), batchSize: 10, concurrency: 4 });
  assert.equal(stored.get("dup"), 25);
  assert.equal(stored.size, 39);
});

test("an aborted import stops, and its checkpoint covers only what was acknowledged", async () => {
  const controller = new AbortController();
  let calls = 0;
  const client = {
    async putVectors(_input: PutVectorsRequest, options?: { abortSignal?: AbortSignal }) {
      if (++calls === 3) controller.abort(new Error("interrupted"));
      await delay(5);
      if (options?.abortSignal?.aborted) throw new Error("aborted in flight");
      return ok;
    },
  };
  const dir = await mkdtemp(join(tmpdir(), "ossv-import-"));
  try {
    const checkpointFile = join(dir, "checkpoint");
    const error = await importVectors({
      client, bucket: "b", index: "i", records: records(100), batchSize: 10, concurrency: 1, checkpointFile, abortSignal: controller.signal,
    }).then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ImportAbortedError);
    const checkpoint = await readCheckpoint(checkpointFile);
    assert.equal(checkpoint?.position, 20);
    assert.equal(checkpoint?.complete, false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
