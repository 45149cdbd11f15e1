// A full disk, for real: the data directory lives on a small tmpfs that the test fills with a
// plain file. While it is full, writes and catalog changes answer 503 ServiceUnavailable saying so,
// reads go on, and nothing acknowledged is lost; once the file is removed, writes work again
// without a restart. Mounting needs root (as CI runs); elsewhere the test is skipped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type RunningServer } from "@ossv/server";
import { ServiceError, VectorsClient } from "@ossv/sdk";

function tryMountTmpfs(dir: string, size: string): boolean {
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${size}`, "tmpfs", dir], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Writes zeros into `path` until the file system refuses (ENOSPC). */
async function fillDisk(path: string): Promise<void> {
  const handle = await open(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) await handle.write(chunk);
  } catch (error) {
    assert.equal((error as NodeJS.ErrnoException).code, "ENOSPC");
  } finally {
    await handle.close();
  }
}

async function expectDiskFull(call: Promise<unknown>, what: string): Promise<void> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, `${what}: expected a ServiceError, got ${String(error)}`);
  assert.equal(error.statusCode, 503, what);
  assert.equal(error.code, "ServiceUnavailable", what);
  assert.match(error.message, /disk is full/, what);
}

const vector = (key: string, i: number) => ({ key, data: { float32: [i, 1, 2, 3] }, metadata: { i } });

test("a full disk answers 503 saying so, keeps reads and acknowledged data, and heals without a restart", async (t) => {
  const mountPoint = await mkdtemp(join(tmpdir(), "ossv-disk-full-"));
  if (!tryMountTmpfs(mountPoint, "16m")) {
    await rm(mountPoint, { recursive: true, force: true });
    t.skip("mounting a tmpfs needs root");
    return;
  }
  const dataDir = join(mountPoint, "data");
  let server: RunningServer | undefined;
  try {
    server = await startServer({ dataDir, port: 0, host: "127.0.0.1" });
    const client = new VectorsClient({
      region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials, retry: false,
    });
    const bucket = "full";
    await client.putVectorBucket({ bucket });
    await client.putVectorIndex({ bucket, indexName: "idx", dataType: "float32", dimension: 4, distanceMetric: "euclidean" });
    await client.putVectors({ bucket, indexName: "idx", vectors: [vector("before-1", 1), vector("before-2", 2)] });

    const filler = join(mountPoint, "filler");
    await fillDisk(filler);
    for (let attempt = 0; attempt < 3; attempt++) {
      await expectDiskFull(client.putVectors({ bucket, indexName: "idx", vectors: [vector(`during-${attempt}`, 10 + attempt)] }), `put ${attempt}`);
    }
    await expectDiskFull(client.deleteVectors({ bucket, indexName: "idx", keys: ["before-1"] }), "delete");
    await expectDiskFull(client.putVectorBucket({ bucket: "another" }), "a catalog change");
    const read = await client.getVectors({ bucket, indexName: "idx", keys: ["before-1", "before-2", "during-0"], returnMetadata: true });
    assert.deepEqual(read.vectors.map((v) => v.key).sort(), ["before-1", "before-2"], "reads go on, and refused writes left nothing");
    const hits = await client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [2, 1, 2, 3] }, topK: 1 });
    assert.equal(hits.vectors[0]?.key, "before-2");

    await rm(filler);
    await client.putVectors({ bucket, indexName: "idx", vectors: [vector("after", 20)] });
    await client.deleteVectors({ bucket, indexName: "idx", keys: ["before-1"] });
    await client.putVectorBucket({ bucket: "another" });
    await server.close();

    server = await startServer({ dataDir, port: 0, host: "127.0.0.1" });
    const reopened = new VectorsClient({
      region: "cn-hangzhou", accountId: server.accountId, endpoint: server.url, credentials: server.rootCredentials, retry: false,
    });
    const listed = await reopened.listVectors({ bucket, indexName: "idx" });
    assert.deepEqual(listed.vectors.map((v) => v.key).sort(), ["after", "before-2"]);
    assert.ok((await reopened.getVectorBucket({ bucket: "another" })).bucketInfo);
  } finally {
    await server?.close();
    execFileSync("umount", [mountPoint]);
    await rm(mountPoint, { recursive: true, force: true });
  }
});
