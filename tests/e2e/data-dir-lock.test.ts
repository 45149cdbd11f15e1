// The data directory's lock through real `ossv serve` processes: a copy of a live server's directory
// (its LOCK copied with it) starts without manual steps, while a second server on the live directory
// itself is still refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cp, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT } from "./serve-process.ts";
import { needsDataDir } from "./test-store.ts";

const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
const clientFor = (port: number) => new VectorsClient({
  region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${port}`, credentials, retry: false,
});

test("a copy of a running server's data directory starts; a second server on the directory itself is refused", { skip: needsDataDir }, async () => {
  const root = await mkdtemp(join(tmpdir(), "ossv-lock-e2e-"));
  const live = join(root, "live");
  const copy = join(root, "copy");
  const running = await spawnServe(["--data-dir", live, "--quiet"], TEST_ACCOUNT);
  try {
    const client = clientFor(running.port);
    await client.putVectorBucket({ bucket: "lock-copy" });
    await client.putVectorIndex({ bucket: "lock-copy", indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "euclidean" });
    await client.putVectors({ bucket: "lock-copy", indexName: "idx", vectors: [{ key: "k", data: { float32: [1, 2] } }] });

    await cp(live, copy, { recursive: true, preserveTimestamps: true });
    assert.match(await readFile(join(copy, "LOCK"), "utf8"), new RegExp(`"pid":${running.child.pid}`), "the copy carries the live server's lock");
    const fromCopy = await spawnServe(["--data-dir", copy, "--quiet"], TEST_ACCOUNT);
    try {
      const found = await clientFor(fromCopy.port).getVectors({ bucket: "lock-copy", indexName: "idx", keys: ["k"] });
      assert.deepEqual(found.vectors.map((v) => v.key), ["k"]);
    } finally {
      fromCopy.child.kill("SIGTERM");
      await fromCopy.exited;
    }

    const refused = await spawnServe(["--data-dir", live, "--quiet"], TEST_ACCOUNT).then(
      (second) => { second.child.kill("SIGKILL"); return undefined; },
      (error: unknown) => String(error),
    );
    assert.ok(refused, "a second server started on a directory a live server holds");
    assert.match(refused, new RegExp(`in use by process ${running.child.pid}`));
  } finally {
    running.child.kill("SIGTERM");
    await running.exited;
    await rm(root, { recursive: true, force: true });
  }
});
