// The Node entry's defaults: undici for the send step, overridable; Content-MD5 as everywhere.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { contentMd5 } from "@ossv/protocol";
import { VectorsClient } from "./index.node.ts";
import type { VectorsClientConfig } from "./client-config.ts";
import { respondJson, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

const INDEX_BODY = { index: { indexName: "idx", dimension: 3 } };

function clientWith(overrides: Partial<VectorsClientConfig> = {}): VectorsClient {
  return new VectorsClient({
    region: "cn-hangzhou", accountId: "1234567890123456", endpoint: server.url,
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" }, retry: false, ...overrides,
  });
}

test("the Node client sends through its own transport (undici), not the global fetch", async () => {
  const original = globalThis.fetch;
  globalThis.fetch = () => Promise.reject(new Error("global fetch must not be used"));
  try {
    server.enqueue(respondJson(200, INDEX_BODY));
    const result = await clientWith().getVectorIndex({ bucket: "demo", indexName: "idx" });
    assert.equal(result.index.indexName, "idx");
  } finally {
    globalThis.fetch = original;
  }
});

test("an explicit fetch option wins over the Node default transport", async () => {
  let calls = 0;
  const fetch = (input: string, init: RequestInit) => {
    calls++;
    return globalThis.fetch(input, init);
  };
  server.enqueue(respondJson(200, INDEX_BODY));
  await clientWith({ fetch }).getVectorIndex({ bucket: "demo", indexName: "idx" });
  assert.equal(calls, 1);
});

test("the Node client sends a correct Content-MD5, and false turns it off", async () => {
  const before = server.requests.length;
  server.enqueue(respondJson(200, {}), respondJson(200, {}));
  await clientWith().putVectors({ bucket: "demo", indexName: "idx", vectors: [{ key: "k", data: { float32: [1, 2, 3] } }] });
  await clientWith({ contentMd5: false }).putVectors({ bucket: "demo", indexName: "idx", vectors: [{ key: "k", data: { float32: [1, 2, 3] } }] });
  const [withMd5, without] = server.requests.slice(before);
  assert.ok(withMd5 && without);
  assert.equal(withMd5.headers["content-md5"], contentMd5(new Uint8Array(withMd5.body)));
  assert.equal(without.headers["content-md5"], undefined);
});
