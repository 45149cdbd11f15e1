// The error-body branches of docs/protocol.md#how-clients-read-errors, served by a real local server.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";
import { ClientError, ServiceError } from "./errors.ts";
import { respondEmpty, respondJson, respondRaw, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";

let server: ScriptedServer;
let client: VectorsClient;

before(async () => {
  server = await startScriptedServer();
  client = new VectorsClient({
    region: "cn-hangzhou", accountId: "123", endpoint: server.url, credentials: { accessKeyId: "ak", accessKeySecret: "sk" }, retry: false,
  });
});
after(() => server.close());

async function failure(): Promise<ServiceError> {
  const error = await client.getVectorBucket({ bucket: "demo" }).catch((caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
  return error;
}

const HEADERS = { "x-oss-request-id": "AAAABBBBCCCCDDDDEEEEFFFF", "x-oss-ec": "0015-00000101" };

test("toServiceError() reads the JSON Error object when Content-Type is exactly application/json", async () => {
  server.enqueue(respondJson(404, { Error: {
    Code: "NoSuchBucket", Message: "The specified bucket does not exist.", RequestId: "5C3D9175B6FC201293AD0001",
    HostId: "demo-123.example", BucketName: "demo", EC: "0015-00000101", RecommendDoc: "https://example/doc",
  } }, HEADERS));
  const error = await failure();
  assert.deepEqual([error.statusCode, error.code, error.message, error.requestId, error.ec, error.hostId],
    [404, "NoSuchBucket", "The specified bucket does not exist.", "5C3D9175B6FC201293AD0001", "0015-00000101", "demo-123.example"]);
  assert.equal(error.details["BucketName"], "demo");
  assert.equal(error.details["RecommendDoc"], "https://example/doc");
  assert.equal(error.operation, "GetVectorBucket");
});

test("toServiceError() takes the code from x-oss-error-type and the message from the body", async () => {
  server.enqueue(respondJson(409, { message: "table already exists" }, { "x-oss-error-type": "ConflictException", ...HEADERS }));
  const error = await failure();
  assert.deepEqual([error.code, error.message, error.requestId, error.ec],
    ["ConflictException", "table already exists", HEADERS["x-oss-request-id"], HEADERS["x-oss-ec"]]);
});

test("toServiceError() parses an XML <Error> body, decoding entities", async () => {
  const xml = '<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  <Code>AccessDenied</Code>\n  <Message>You &amp; me &lt;no&gt;</Message>\n'
    + "  <RequestId>5C3D9175B6FC201293AD0002</RequestId>\n  <HostId>h</HostId>\n  <EC>0003-00000001</EC>\n</Error>";
  server.enqueue(respondRaw(403, "application/xml", xml));
  const error = await failure();
  assert.deepEqual([error.code, error.message, error.requestId, error.ec, error.retryable],
    ["AccessDenied", "You & me <no>", "5C3D9175B6FC201293AD0002", "0003-00000001", false]);
});

test("toServiceError() does not treat `application/json; charset=utf-8` as JSON and falls back to headers and status", async () => {
  server.enqueue(respondRaw(404, "application/json; charset=utf-8", '{"Error":{"Code":"NoSuchBucket"}}', HEADERS));
  const error = await failure();
  assert.deepEqual([error.code, error.message, error.requestId, error.ec],
    ["Not Found", "Not Found", HEADERS["x-oss-request-id"], HEADERS["x-oss-ec"]]);
});

test("toServiceError() reads top-level fields of a JSON body without an Error root", async () => {
  server.enqueue(respondJson(400, { Code: "MalformedJson", Message: "bad body" }, HEADERS));
  const error = await failure();
  assert.deepEqual([error.code, error.message, error.ec], ["MalformedJson", "bad body", HEADERS["x-oss-ec"]]);
});

test("toServiceError() names a bodiless error by its status text", async () => {
  server.enqueue(respondEmpty(403, HEADERS));
  const error = await failure();
  assert.deepEqual([error.statusCode, error.code, error.requestId], [403, "Forbidden", HEADERS["x-oss-request-id"]]);
});

test("a 200 whose body is not JSON becomes ClientError UnmarshalOutputFail", async () => {
  server.enqueue(respondRaw(200, "application/json", "{not json"));
  const error = await client.getVectorBucket({ bucket: "demo" }).catch((caught: unknown) => caught);
  assert.ok(error instanceof ClientError);
  assert.equal(error.code, "UnmarshalOutputFail");
  server.enqueue(respondJson(200, { Unexpected: {} }));
  const missingRoot = await client.getVectorBucket({ bucket: "demo" }).catch((caught: unknown) => caught);
  assert.ok(missingRoot instanceof ClientError);
  assert.equal(missingRoot.code, "UnmarshalOutputFail");
});
