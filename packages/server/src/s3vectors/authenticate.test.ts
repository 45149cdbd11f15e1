// SigV4 on the S3 Vectors path, in both SDKs' signing styles, and every refusal in the exact shape the
// SDKs parse: status, x-amzn-ErrorType, x-amzn-RequestId and a {"__type","message"} body.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startInProcess, type InProcessResponse, type InProcessServer } from "../testing/in-process.ts";
import { buildS3v, callS3v, sendS3v } from "../testing/s3v-requests.ts";
import { newAccessKey } from "../accounts.ts";

const NOW = Date.parse("2025-07-15T12:00:00Z");

async function withServer(run: (server: InProcessServer) => Promise<void>): Promise<void> {
  const server = await startInProcess({ now: () => NOW });
  try {
    await run(server);
  } finally {
    await server.close();
  }
}

function assertError(response: InProcessResponse, status: number, type: string, message?: RegExp): void {
  assert.equal(response.status, status, response.text);
  assert.equal(response.headers["x-amzn-errortype"], type);
  assert.equal(response.headers["content-type"], "application/json");
  assert.match(response.headers["x-amzn-requestid"] ?? "", /^[0-9A-F]{24}$/);
  assert.ok(response.headers["date"]);
  const body = response.json() as Record<string, unknown>;
  assert.equal(body["__type"], type);
  assert.equal(typeof body["message"], "string");
  assert.deepEqual(Object.keys(body).filter((k) => k !== "fieldList"), ["__type", "message"]);
  if (message) assert.match(body["message"] as string, message);
}

test("both SDKs' signing styles are accepted, with and without x-amz-content-sha256", () => withServer(async (server) => {
  for (const style of ["botocore", "js"] as const) {
    const response = await sendS3v(server, { path: "/ListVectorBuckets", body: {}, credentials: server.root, style });
    assert.equal(response.status, 200, response.text);
    assert.deepEqual(response.json(), { vectorBuckets: [] });
    assert.equal(response.headers["x-oss-request-id"], undefined);
    const tags = await sendS3v(server, {
      path: "/tags/arn%3Aaws%3As3vectors%3Aus-east-1%3A111122223333%3Abucket%2Fmedia-embeddings", method: "GET", credentials: server.root, style,
    });
    // Signed correctly (else 403), the ARN names an account this server does not know.
    assertError(tags, 403, "AccessDeniedException");
  }
}));

test("a request without a signature, or with a malformed one, is refused before anything else", () => withServer(async (server) => {
  assertError(await sendS3v(server, { path: "/ListVectorBuckets", credentials: null }), 403, "MissingAuthenticationTokenException", /^Missing Authentication Token$/);
  const request = buildS3v({ path: "/ListVectorBuckets", credentials: server.root }, server);
  const broken = request.headers.map(([name, value]): [string, string] => [name, name === "authorization" ? value.replace(/, Signature=.*/, "") : value]);
  assertError(await server.request({ ...request, headers: broken }), 400, "IncompleteSignatureException");
  const noDate = request.headers.filter(([name]) => name !== "x-amz-date");
  assertError(await server.request({ ...request, headers: noDate }), 400, "IncompleteSignatureException", /X-Amz-Date/);
}));

test("a signature for another region or service names the expected scope", () => withServer(async (server) => {
  const response = await sendS3v(server, { path: "/ListVectorBuckets", credentials: server.root, region: "eu-west-1" });
  assertError(response, 403, "InvalidSignatureException", /20250715\/us-east-1\/s3vectors\/aws4_request, not 20250715\/eu-west-1\/s3vectors/);
  const request = buildS3v({ path: "/ListVectorBuckets", credentials: server.root }, server);
  const otherService = request.headers.map(([name, value]): [string, string] => [name, name === "authorization" ? value.replace("/s3vectors/", "/s3/") : value]);
  assertError(await server.request({ ...request, headers: otherService }), 403, "InvalidSignatureException", /should be scoped to 20250715\/us-east-1\/s3vectors/);
}));

test("clock skew past the server's limit either way is InvalidSignatureException; within it passes", () => withServer(async (server) => {
  const at = (minutes: number) => new Date(NOW + minutes * 60_000);
  assertError(await sendS3v(server, { path: "/ListVectorBuckets", credentials: server.root, time: at(-16) }), 403, "InvalidSignatureException", /^Signature expired: 20250715T114400Z is now earlier than/);
  assertError(await sendS3v(server, { path: "/ListVectorBuckets", credentials: server.root, time: at(16) }), 403, "InvalidSignatureException", /^Signature not yet current/);
  for (const minutes of [-14, 14]) assert.equal((await sendS3v(server, { path: "/ListVectorBuckets", credentials: server.root, time: at(minutes) })).status, 200);
}));

test("unknown and disabled keys are UnrecognizedClientException; a wrong secret is InvalidSignatureException", () => withServer(async (server) => {
  assertError(await callS3v(server, "ListVectorBuckets", {}, { ...newAccessKey() }), 403, "UnrecognizedClientException");
  assertError(await callS3v(server, "ListVectorBuckets", {}, { ...server.root, accessKeySecret: "wrong" }), 403, "InvalidSignatureException", /does not match/);
  const key = newAccessKey();
  await server.engine.catalog.putAccessKey({ ...key, accessKeySecret: server.secrets.seal(key.accessKeySecret), accountId: server.accountId, status: "disabled", createdAt: new Date(NOW).toISOString() });
  assertError(await callS3v(server, "ListVectorBuckets", {}, key), 403, "UnrecognizedClientException");
}));

test("temporary credentials need their session token, signed; expired ones are ExpiredTokenException", () => withServer(async (server) => {
  const key = newAccessKey();
  const record = {
    ...key, accessKeySecret: server.secrets.seal(key.accessKeySecret), accountId: server.accountId, status: "active" as const,
    createdAt: new Date(NOW).toISOString(), securityToken: "session-token-1", expiresAt: new Date(NOW + 3600_000).toISOString(),
  };
  await server.engine.catalog.putAccessKey(record);
  assert.equal((await callS3v(server, "ListVectorBuckets", {}, { ...key, securityToken: "session-token-1" })).status, 200);
  assertError(await callS3v(server, "ListVectorBuckets", {}, key), 403, "UnrecognizedClientException");
  assertError(await callS3v(server, "ListVectorBuckets", {}, { ...key, securityToken: "other" }), 403, "UnrecognizedClientException");
  assertError(await callS3v(server, "ListVectorBuckets", {}, { ...server.root, securityToken: "session-token-1" }), 403, "UnrecognizedClientException");
  await server.engine.catalog.putAccessKey({ ...record, expiresAt: new Date(NOW - 1).toISOString() });
  assertError(await callS3v(server, "ListVectorBuckets", {}, { ...key, securityToken: "session-token-1" }), 403, "ExpiredTokenException");
}));

test("a body changed after signing is refused in both styles", () => withServer(async (server) => {
  for (const style of ["botocore", "js"] as const) {
    const request = buildS3v({ path: "/CreateVectorBucket", body: { vectorBucketName: "signed-name" }, credentials: server.root, style }, server);
    const tampered = { ...request, body: Buffer.from(JSON.stringify({ vectorBucketName: "other-name" })) };
    assertError(await server.request(tampered), 403, "InvalidSignatureException");
  }
  assert.equal(server.engine.catalog.listBuckets(server.accountId).length, 0);
}));

test("a method the operation does not take is UnknownOperationException; OSS requests keep their own path", () => withServer(async (server) => {
  assertError(await sendS3v(server, { path: "/CreateIndex", method: "GET", credentials: server.root }), 404, "UnknownOperationException");
  const oss = await server.send({ method: "GET", credentials: server.root });
  assert.equal(oss.status, 200);
  assert.ok(oss.headers["x-oss-request-id"]);
}));
