// The request-body cap: a body over `maxBodyBytes`, declared up front or streamed in chunks without a
// length, is refused with 400 EntityTooLarge (not a reset connection), writes nothing, and the server
// goes on serving.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { signRequest } from "@ossv/protocol";
import { startTestServer, type TestServer } from "./raw-client.ts";

const LIMIT = 4096;
let t: TestServer;
before(async () => {
  t = await startTestServer({ maxBodyBytes: LIMIT });
  assert.equal((await t.send({ method: "PUT", bucket: "capped" })).status, 200);
  const index = { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" };
  assert.equal((await t.send({ method: "POST", bucket: "capped", query: "putVectorIndex", body: JSON.stringify(index) })).status, 200);
});
after(async () => { await t.stop(); });

/** A PutVectors body of about `bytes` bytes (keys padded to size). */
function putBody(bytes: number, keyPrefix: string): string {
  const vectors = [];
  for (let i = 0; JSON.stringify({ indexName: "idx", vectors }).length < bytes; i++) {
    vectors.push({ key: `${keyPrefix}-${i}-${"x".repeat(40)}`, data: { float32: [1, 2, 3] } });
  }
  return JSON.stringify({ indexName: "idx", vectors });
}

async function listedKeys(): Promise<string[]> {
  const res = await t.send({ method: "POST", bucket: "capped", query: "listVectors", body: JSON.stringify({ indexName: "idx" }) });
  assert.equal(res.status, 200, res.text);
  return res.json().vectors.map((v: { key: string }) => v.key);
}

/**
 * Sends the body in pieces with chunked transfer encoding: no Content-Length for the server to check
 * first. Signed (the signature covers the headers only), so the server goes on to read the body.
 */
function sendChunked(pieces: string[], signed = true): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { "transfer-encoding": "chunked", "content-type": "application/json" };
  if (signed) {
    const target = { method: "POST", region: t.server.region, rawQuery: "putVectors", bucket: "capped", accountId: t.server.accountId };
    signRequest(target, headers, { credentials: t.credentials, time: new Date() });
  }
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1", port: t.server.port, method: "POST", path: "/capped/?putVectors", headers,
    }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    for (const piece of pieces) req.write(piece);
    req.end();
  });
}

test("a declared Content-Length over the cap is 400 EntityTooLarge and stores nothing", async () => {
  const res = await t.send({ method: "POST", bucket: "capped", query: "putVectors", body: putBody(LIMIT + 100, "declared") });
  assert.equal(res.status, 400, res.text);
  assert.equal(res.json().Error.Code, "EntityTooLarge");
  assert.equal(res.json().Error.EC, "0016-00000701");
  assert.deepEqual((await listedKeys()).filter((key) => key.startsWith("declared")), []);
});

test("a chunked body that grows past the cap is answered with EntityTooLarge, not a dropped connection", async () => {
  const body = putBody(LIMIT + 500, "chunked");
  const res = await sendChunked([body.slice(0, 2000), body.slice(2000, 4000), body.slice(4000)]);
  assert.equal(res.status, 400, res.body);
  assert.equal(JSON.parse(res.body).Error.Code, "EntityTooLarge");
  assert.deepEqual((await listedKeys()).filter((key) => key.startsWith("chunked")), []);
});

test("a body just under the cap is read whole, in one piece or in chunks", async () => {
  const whole = putBody(LIMIT - 200, "under");
  assert.ok(whole.length <= LIMIT);
  const res = await t.send({ method: "POST", bucket: "capped", query: "putVectors", body: whole });
  assert.equal(res.status, 200, res.text);
  const chunkedBody = putBody(LIMIT - 200, "chunked-under");
  const chunked = await sendChunked([chunkedBody.slice(0, 1000), chunkedBody.slice(1000)]);
  assert.equal(chunked.status, 200, chunked.body);
  const stored = (await listedKeys()).filter((key) => key.startsWith("under"));
  assert.equal(stored.length, JSON.parse(whole).vectors.length);
  assert.equal((await listedKeys()).filter((key) => key.startsWith("chunked-under")).length, JSON.parse(chunkedBody).vectors.length);
});
