// A Fusion index under a put/delete load, killed with SIGKILL: after the restart every acknowledged
// document is there and found by its words, and no acknowledged delete comes back, in ListVectors or
// in full-text hits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { VectorsClient, fq, fusionField, fusionSchema, fusionText } from "@ossv/sdk";
import { spawnServe, TEST_ACCOUNT } from "../serve-process.ts";

const bucket = "fusion-crash";
const at = { bucket, indexName: "docs" };

function clientOn(port: number): VectorsClient {
  return new VectorsClient({
    region: "cn-hangzhou", accountId: TEST_ACCOUNT.OSSV_ACCOUNT_ID, endpoint: `http://127.0.0.1:${port}`, retry: false,
    credentials: { accessKeyId: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_ID, accessKeySecret: TEST_ACCOUNT.OSSV_ROOT_ACCESS_KEY_SECRET },
  });
}

/** A word of its own per key ("wab" style, letters only so the standard analyzer keeps it whole). */
const wordOf = (key: string) => `w${[...key].map((c) => (/\d/.test(c) ? String.fromCharCode(97 + Number(c)) : "x")).join("")}`;

test("SIGKILL under load: acknowledged Fusion documents and their text survive, deletes stay deleted", { timeout: 120_000 }, async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-fusion-kill-"));
  try {
    const first = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
    const client = clientOn(first.port);
    await client.putVectorBucket({ bucket });
    await client.putVectorIndexFusion({ ...at, schemaConfiguration: fusionSchema(fusionField.vector("v", 2, "euclidean"), fusionField.string("body", { text: fusionText.standard() })) });
    const acknowledged = new Set<string>();
    const deleted = new Set<string>();
    const deleteInFlight = new Set<string>();
    const load = (async () => {
      for (let batch = 0; ; batch++) {
        const keys = Array.from({ length: 20 }, (_, i) => `${batch}-${i}`);
        const ok = await client.putVectors({ ...at, vectors: keys.map((key, i) => ({ key, data: { v: [batch, i] }, metadata: { body: `common ${wordOf(key)}` } })) }).then(() => true, () => false);
        if (!ok) return;
        keys.forEach((key) => acknowledged.add(key));
        keys.slice(0, 5).forEach((key) => deleteInFlight.add(key));
        const gone = await client.deleteVectors({ ...at, keys: keys.slice(0, 5) }).then(() => true, () => false);
        if (!gone) return;
        keys.slice(0, 5).forEach((key) => deleted.add(key));
        deleteInFlight.clear();
      }
    })();
    let ended = false;
    void load.finally(() => { ended = true; });
    while (acknowledged.size < 300 && !ended) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(!ended, `the load stopped early after ${acknowledged.size} writes`);
    first.child.kill("SIGKILL");
    await Promise.all([load, first.exited]);

    const second = await spawnServe(["--data-dir", dataDir, "--quiet"], TEST_ACCOUNT);
    try {
      const after = clientOn(second.port);
      const present = new Set<string>();
      let nextToken: string | undefined;
      do {
        const page = await after.listVectors({ ...at, maxResults: 1000, ...(nextToken && { nextToken }) });
        page.vectors.forEach((vector) => present.add(vector.key));
        nextToken = page.nextToken;
      } while (nextToken);
      const textHits = new Set<string>();
      let token: string | undefined;
      do {
        const page = await after.queryVectorsFusion({ ...at, query: fq.text("body", "common"), limit: 1000, ...(token && { nextToken: token }) });
        page.vectors.forEach((hit) => textHits.add(hit.key));
        token = page.nextToken;
      } while (token);
      assert.deepEqual([...textHits].sort(), [...present].sort(), "every stored document, and only those, is found by text");
      for (const key of acknowledged) {
        if (deleted.has(key) || deleteInFlight.has(key)) continue;
        assert.ok(present.has(key), `acknowledged ${key} was lost`);
      }
      for (const key of deleted) assert.ok(!present.has(key), `deleted ${key} came back`);
      const sample = [...acknowledged].filter((key) => !deleted.has(key) && !deleteInFlight.has(key)).slice(-5);
      for (const key of sample) {
        const { vectors } = await after.queryVectorsFusion({ ...at, query: fq.text("body", wordOf(key)) });
        assert.deepEqual(vectors.map((hit) => hit.key), [key]);
      }
    } finally {
      second.child.kill("SIGTERM");
      assert.equal(await second.exited, 0);
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
