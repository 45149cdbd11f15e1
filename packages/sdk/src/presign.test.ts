// client.presign(): a query-signed request that verifies with the protocol's own signer.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { signatureFor } from "@ossv/protocol";
import { VectorsClient } from "./client.ts";
import { GetVectorIndexCommand, ListVectorBucketsCommand } from "./commands.ts";
import { AnonymousCredentialsProvider } from "./credentials.ts";
import { CredentialsError, InvalidParamError } from "./errors.ts";
import { respondJson, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

const TIME = new Date(1702743657 * 1000);

function presigner(credentials = { accessKeyId: "ak", accessKeySecret: "sk", securityToken: "tok" }) {
  return new VectorsClient({ region: "cn-hangzhou", accountId: "123", endpoint: server.url, credentials, now: () => TIME });
}

test("presign() returns method, URL, the signed headers and the body; the signature verifies", async () => {
  const presigned = await presigner().presign(new GetVectorIndexCommand({ bucket: "demo", indexName: "idx" }), { expiresSeconds: 600 });
  assert.equal(presigned.method, "POST");
  assert.equal(presigned.body, '{"indexName":"idx"}');
  assert.deepEqual(presigned.headers, { "content-md5": createHash("md5").update('{"indexName":"idx"}').digest("base64"), "content-type": "application/json" });
  assert.equal(presigned.expiration.toISOString(), "2023-12-16T16:30:57.000Z");
  const url = new URL(presigned.url);
  assert.equal(url.pathname, "/demo/");
  const params = url.searchParams;
  assert.equal(params.get("x-oss-signature-version"), "OSS4-HMAC-SHA256");
  assert.equal(params.get("x-oss-date"), "20231216T162057Z");
  assert.equal(params.get("x-oss-expires"), "600");
  assert.equal(params.get("x-oss-credential"), "ak/20231216/cn-hangzhou/oss/aliyun_v4_request");
  assert.equal(params.get("x-oss-security-token"), "tok");
  const rawQuery = url.search.slice(1);
  const signed = rawQuery.replace(/&x-oss-signature=[0-9a-f]+$/, "");
  assert.ok(rawQuery.startsWith("getVectorIndex&"));
  const expected = signatureFor({ method: "POST", region: "cn-hangzhou", accountId: "123", bucket: "demo", rawQuery: signed },
    presigned.headers, [], "20231216T162057Z", "sk");
  assert.equal(params.get("x-oss-signature"), expected);
});

test("presign() output can be sent as is by plain fetch", async () => {
  const presigned = await presigner().presign(new ListVectorBucketsCommand({ prefix: "a" }));
  server.enqueue(respondJson(200, { ListAllMyBucketsResult: { Buckets: [] } }));
  const response = await fetch(presigned.url, { method: presigned.method, headers: presigned.headers });
  assert.equal(response.status, 200);
  const request = server.requests.at(-1)!;
  assert.equal(request.headers["authorization"], undefined);
  assert.match(request.rawQuery, /^prefix=a&x-oss-signature-version=OSS4-HMAC-SHA256&.*&x-oss-expires=900&/);
});

test("presign() needs credentials and a sane expiry", async () => {
  const command = new ListVectorBucketsCommand();
  await assert.rejects(presigner().presign(command, { expiresSeconds: 0 }), InvalidParamError);
  await assert.rejects(presigner().presign(command, { expiresSeconds: 8 * 24 * 3600 }), InvalidParamError);
  const anonymous = new VectorsClient({ region: "r", accountId: "1", endpoint: server.url, credentials: new AnonymousCredentialsProvider() });
  await assert.rejects(anonymous.presign(command), CredentialsError);
});
