// Two Authorization headers are refused (400 InvalidArgument) rather than joined into one: joined
// with ",", the same signature twice parsed as a valid one and the request ran (the hostile-input
// barrage created a bucket and deleted an index that way), and two different ones mixed their fields.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { contentMd5, signRequest, type HeaderMap } from "@ossv/protocol";
import { startTestServer, type TestServer } from "./raw-client.ts";
import { exchange } from "../reliability/hostile-wire.ts";

let t: TestServer;
before(async () => { t = await startTestServer(); });
after(async () => { await t.stop(); });

function signedPut(bucket: string): HeaderMap {
  const headers: HeaderMap = { "content-md5": contentMd5(Buffer.alloc(0)) };
  const target = { method: "PUT", region: t.server.region, rawQuery: "", bucket, accountId: t.server.accountId };
  signRequest(target, headers, { credentials: t.credentials, time: new Date() });
  return headers;
}

async function putWithAuthorizations(bucket: string, authorizations: string[]) {
  const headers = signedPut(bucket);
  const list: Array<[string, string]> = [["Host", `127.0.0.1:${t.server.port}`], ["Content-Length", "0"], ["Connection", "close"]];
  for (const [name, value] of Object.entries(headers)) if (name !== "authorization") list.push([name, value]);
  for (const value of authorizations) list.push(["Authorization", value]);
  const { responses } = await exchange(t.server.port, { method: "PUT", target: `/${bucket}/`, headers: list, body: Buffer.alloc(0) });
  assert.equal(responses.length, 1);
  return responses[0]!;
}

test("the same valid Authorization sent twice is refused, and the bucket is not created", async () => {
  const auth = signedPut("dup-auth-same").authorization!;
  const res = await putWithAuthorizations("dup-auth-same", [auth, auth]);
  assert.equal(res.status, 400, res.body.toString());
  assert.equal(JSON.parse(res.body.toString()).Error.Code, "InvalidArgument");
  const get = await t.send({ method: "GET", bucket: "dup-auth-same", query: "bucketInfo" });
  assert.equal(get.status, 404, get.text);
});

test("a valid Authorization followed by another is refused", async () => {
  const auth = signedPut("dup-auth-mixed").authorization!;
  const res = await putWithAuthorizations("dup-auth-mixed", [auth, auth.replace(/Signature=\w+/, "Signature=00")]);
  assert.equal(res.status, 400, res.body.toString());
  assert.equal(JSON.parse(res.body.toString()).Error.Code, "InvalidArgument");
});

test("one Authorization still works", async () => {
  const auth = signedPut("dup-auth-single").authorization!;
  const res = await putWithAuthorizations("dup-auth-single", [auth]);
  assert.equal(res.status, 200, res.body.toString());
});
