// Acknowledged writes and deletes survive restarts and crashes: a graceful restart in-process, and a
// real `ossv serve` killed with SIGKILL in the middle of a write load.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sendRaw, startTestServer } from "./raw-client.ts";
import { spawnServe, TEST_ACCOUNT } from "./serve-process.ts";
import { storeOptionsFor } from "./test-store.ts";
import type { RunningServer } from "@ossv/server";

const json = (body: unknown) => JSON.stringify(body);
const vec = (key: string, x: number) => ({ key, data: { float32: [x, 1, 2] }, metadata: { x } });

test("vectors, deletes and catalog changes survive a restart on the same data directory", async () => {
  const first = await startTestServer();
  const send = first.send;
  await send({ method: "PUT", bucket: "durable" });
  await send({ method: "POST", bucket: "durable", query: "putVectorIndex", body: json({ indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" }) });
  await send({ method: "POST", bucket: "durable", query: "putVectors", body: json({ indexName: "idx", vectors: [vec("a", 1), vec("b", 2), vec("c", 3)] }) });
  await send({ method: "POST", bucket: "durable", query: "deleteVectors", body: json({ indexName: "idx", keys: ["b"] }) });
  await send({ method: "PUT", bucket: "durable", query: "policy", body: '{"Version":"1","Statement":[{"Effect":"Allow","Action":"oss:*","Principal":"*","Resource":"*"}]}' });
  await first.server.close();
  const { startServer } = await import("@ossv/server");
  const store = await storeOptionsFor(first.dataDir);
  const second = await startServer({ dataDir: first.dataDir, port: 0, host: "127.0.0.1", ...store.options });
  try {
    assert.equal(second.accountId, first.server.accountId);
    assert.equal(second.generatedRootKey, false);
    const res = await sendRaw(second, {
      method: "POST", bucket: "durable", query: "listVectors", body: json({ indexName: "idx" }),
      credentials: second.rootCredentials, accountId: second.accountId,
    });
    assert.deepEqual(res.json().vectors.map((v: { key: string }) => v.key).sort(), ["a", "c"]);
    const policy = await sendRaw(second, { method: "GET", bucket: "durable", query: "policy", credentials: second.rootCredentials, accountId: second.accountId });
    assert.equal(policy.status, 200);
  } finally {
    await second.close();
    store.release();
    await rm(first.dataDir, { recursive: true, force: true });
  }
});

test("SIGKILL during a put/delete load loses no acknowledged write and undoes no delete", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-kill-"));
  const credentials = { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET };
  const asServer = (port: number) => ({ port, region: "cn-hangzhou" }) as RunningServer;
  const call = (port: number, query: string, body: unknown) => sendRaw(asServer(port), {
    method: "POST", bucket: "crash", query, body: json(body), credentials, accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID,
  });
  try {
    const first = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
    await sendRaw(asServer(first.port), { method: "PUT", bucket: "crash", credentials, accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID });
    await call(first.port, "putVectorIndex", { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" });
    const acknowledged = new Set<string>();
    const deleted = new Set<string>();
    // Keys of a delete sent but not answered when the kill came: it may or may not have taken effect.
    const deleteInFlight = new Set<string>();
    const load = (async () => {
      for (let batch = 0; ; batch++) {
        const keys = Array.from({ length: 20 }, (_, i) => `k${batch}-${i}`);
        const put = await call(first.port, "putVectors", { indexName: "idx", vectors: keys.map((k, i) => vec(k, i)) }).catch(() => undefined);
        if (put?.status !== 200) return;
        keys.forEach((k) => acknowledged.add(k));
        keys.slice(0, 5).forEach((k) => deleteInFlight.add(k));
        const del = await call(first.port, "deleteVectors", { indexName: "idx", keys: keys.slice(0, 5) }).catch(() => undefined);
        if (del?.status !== 204) return;
        keys.slice(0, 5).forEach((k) => deleted.add(k));
        deleteInFlight.clear();
      }
    })();
    let loadEnded = false;
    void load.finally(() => { loadEnded = true; });
    // Kill once enough writes are acknowledged; if the load stops on its own, fail rather than wait forever.
    while (acknowledged.size < 400 && !loadEnded) await new Promise((r) => setTimeout(r, 5));
    assert.ok(!loadEnded, `the write load stopped early after ${acknowledged.size} acknowledged writes`);
    first.child.kill("SIGKILL");
    await Promise.all([load, first.exited]);

    const second = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
    try {
      const present = new Set<string>();
      let token: string | undefined;
      do {
        const res = await call(second.port, "listVectors", { indexName: "idx", maxResults: 1000, ...(token ? { nextToken: token } : {}) });
        assert.equal(res.status, 200, res.text);
        res.json().vectors.forEach((v: { key: string }) => present.add(v.key));
        token = res.json().nextToken;
      } while (token);
      for (const key of acknowledged) {
        if (!deleted.has(key) && !deleteInFlight.has(key)) assert.ok(present.has(key), `acknowledged ${key} was lost`);
      }
      for (const key of deleted) assert.ok(!present.has(key), `deleted ${key} came back`);
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
