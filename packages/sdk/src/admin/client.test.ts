// AdminClient on the wire, against a real local HTTP server: each call's method, path and body, a
// signature over the path as the canonical URI's key part, results with their metadata, ServiceError
// with code, status and request id, and which failures are retried (POSTs only when surely not applied).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { AdminClient, type AdminClientConfig } from "../index.node.ts";
import { NetworkError, ParamRequiredError, InvalidParamError, ServiceError, TimeoutError } from "../errors.ts";
import type { HandlerContext } from "../http.ts";
import {
  dropConnection, respondEmpty, respondError, respondJson, signatureVerifies, stallBody, startScriptedServer,
  type RecordedRequest, type ScriptedServer,
} from "../testing/scripted-server.ts";

const ACCOUNT = "1234567890123456";
let server: ScriptedServer;

before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

function client(overrides: Partial<AdminClientConfig> = {}): AdminClient {
  return new AdminClient({
    endpoint: server.url, region: "cn-hangzhou", credentials: { accessKeyId: "ak", accessKeySecret: "sk" },
    retry: { maxAttempts: 3, baseDelayMs: 1 }, ...overrides,
  });
}

function lastRequest(): RecordedRequest {
  const request = server.requests.at(-1);
  assert.ok(request, "the server saw no request");
  return request;
}

/** The request went to /-/admin/{path}, signed over that path, and carries the SDK's headers. */
function assertAdminRequest(method: string, path: string, body?: unknown): RecordedRequest {
  const request = lastRequest();
  assert.equal(request.method, method);
  assert.equal(request.url, `/-/admin/${path}`);
  const key = request.path.slice(1);
  assert.ok(signatureVerifies(request, { region: "cn-hangzhou", accountId: ACCOUNT, key, secret: "sk" }), "signature verifies");
  assert.ok(!signatureVerifies(request, { region: "cn-hangzhou", accountId: ACCOUNT, key: `${key}/x`, secret: "sk" }), "the signature covers the path");
  assert.match(request.headers["user-agent"] ?? "", /\/admin-client$/);
  assert.ok(request.headers["content-md5"], "Content-MD5 is sent");
  if (body === undefined) assert.equal(request.body.length, 0);
  else if (typeof body === "string") assert.equal(request.text, body);
  else assert.deepEqual(request.json(), body);
  assert.equal(request.headers["content-type"], body === undefined ? undefined : "application/json");
  return request;
}

test("each admin method sends its method, path and body, and returns the answer with its metadata", async () => {
  const admin = client();
  const cases: Array<[() => Promise<object>, string, string, unknown, unknown]> = [
    [() => admin.createUser("alice"), "POST", "users", { userName: "alice" }, { userId: "1", userName: "alice" }],
    [() => admin.listUsers(), "GET", "users", undefined, { users: [] }],
    [() => admin.deleteUser("alice"), "DELETE", "users/alice", undefined, undefined],
    [() => admin.createKey("alice"), "POST", "users/alice/keys", undefined, { accessKeyId: "LTAI1", accessKeySecret: "s" }],
    [() => admin.listKeys("alice"), "GET", "users/alice/keys", undefined, { accessKeys: [] }],
    [() => admin.setKeyStatus("LTAI1", "disabled"), "PUT", "keys/LTAI1", { status: "disabled" }, { accessKeyId: "LTAI1", status: "disabled" }],
    [() => admin.deleteKey("LTAI1"), "DELETE", "keys/LTAI1", undefined, undefined],
    [() => admin.attachPolicy("alice", "p", '{"Version":"1"}'), "PUT", "users/alice/policies/p", '{"Version":"1"}', { userName: "alice", policyName: "p" }],
    [() => admin.detachPolicy("alice", "p"), "DELETE", "users/alice/policies/p", undefined, undefined],
    [() => admin.listPolicies("alice"), "GET", "users/alice/policies", undefined, { policies: {} }],
    [() => admin.createRole("r"), "POST", "roles", { roleName: "r" }, { roleId: "2", roleName: "r" }],
    [() => admin.listRoles(), "GET", "roles", undefined, { roles: [] }],
    [() => admin.deleteRole("r"), "DELETE", "roles/r", undefined, undefined],
    [() => admin.attachRolePolicy("r", "p", "{}"), "PUT", "roles/r/policies/p", "{}", { userName: "r", policyName: "p" }],
    [() => admin.detachRolePolicy("r", "p"), "DELETE", "roles/r/policies/p", undefined, undefined],
    [() => admin.issueTemporaryCredentials("alice", { durationSeconds: 900 }), "POST", "sts", { userName: "alice", durationSeconds: 900 }, { accessKeyId: "STS.1" }],
    [() => admin.issueTemporaryCredentials("r", { role: true, policy: "{}" }), "POST", "sts", { roleName: "r", policy: "{}" }, { accessKeyId: "STS.2" }],
    [() => admin.describeIndex("b", "i"), "GET", "buckets/b/indexes/i", undefined, { count: 3, segments: [] }],
    [() => admin.compactIndex("b", "i"), "POST", "buckets/b/indexes/i/compact", undefined, { count: 3, segments: [] }],
    [() => admin.createSnapshot("/backups/one"), "POST", "snapshots", { dest: "/backups/one", withMasterKey: true }, { files: 2 }],
    [() => admin.createSnapshot("/backups/two", { withMasterKey: false }), "POST", "snapshots", { dest: "/backups/two", withMasterKey: false }, { files: 2 }],
  ];
  for (const [send, method, path, body, answer] of cases) {
    server.enqueue(answer === undefined ? respondEmpty(204) : respondJson(200, answer));
    const result = await send() as Record<string, unknown>;
    assertAdminRequest(method, path, body);
    const { statusCode, requestId, headers, ...fields } = result;
    assert.equal(statusCode, answer === undefined ? 204 : 200, `${method} ${path}`);
    assert.match(String(requestId), /^5C3D9175B6FC2012/);
    assert.equal(typeof headers, "object");
    assert.deepEqual(fields, answer ?? {});
  }
});

test("names of any characters are %-encoded as one path part, and the signature covers the encoded path", async () => {
  const admin = client({ retry: false });
  server.fallback = (_req, res) => void res.writeHead(204).end();
  try {
    await fc.assert(fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 40 }), fc.string({ unit: "binary", minLength: 1, maxLength: 20 }),
      async (user, policy) => {
        await admin.detachPolicy(user, policy);
        const request = lastRequest();
        const parts = request.path.split("/");
        assert.deepEqual(parts.slice(0, 4), ["", "-", "admin", "users"]);
        assert.equal(parts.length, 7, request.path);
        assert.equal(decodeURIComponent(parts[4]!), user);
        assert.equal(decodeURIComponent(parts[6]!), policy);
        assert.ok(signatureVerifies(request, { region: "cn-hangzhou", accountId: ACCOUNT, key: request.path.slice(1), secret: "sk" }));
      }), { seed: seed("admin path parts"), numRuns: 200 });
  } finally {
    server.fallback = (_req, res) => void res.writeHead(200).end();
  }
});

test("call() sends a raw path as given; a path with a query or a leading slash is refused before sending", async () => {
  const admin = client();
  server.enqueue(respondJson(200, { users: [] }));
  const result = await admin.call<{ users: unknown[] }>("GET", "users");
  assert.deepEqual(result.users, []);
  assertAdminRequest("GET", "users");
  const before = server.requests.length;
  for (const path of ["users?x=1", "/users", "", "users#a", "a b"]) {
    await assert.rejects(admin.call("GET", path), (error) => error instanceof InvalidParamError && error.param === "path", path);
  }
  await assert.rejects(admin.deleteUser(""), ParamRequiredError);
  await assert.rejects(admin.deleteKey(undefined as unknown as string), ParamRequiredError);
  await assert.rejects(admin.attachPolicy("alice", "p", undefined as unknown as string), ParamRequiredError);
  assert.equal(server.requests.length, before, "nothing was sent");
});

test("an error answer is a ServiceError with code, status, message, request id and operation", async () => {
  server.enqueue(respondError(404, "NoSuchUser"));
  const error = await client().createKey("bob").then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, String(error));
  assert.equal(error.code, "NoSuchUser");
  assert.equal(error.statusCode, 404);
  assert.equal(error.message, "NoSuchUser happened");
  assert.match(error.requestId, /^5C3D9175B6FC2012/);
  assert.equal(error.operation, "AdminCreateAccessKey");
  assert.equal(error.attempts, 1, "a 404 is not retried");
});

test("a GET is retried after a 500 or a dropped connection; a POST only after an answer that shows nothing was done", async () => {
  const admin = client();
  server.enqueue(respondError(500, "InternalError"), dropConnection(), respondJson(200, { users: [] }));
  const listed = await admin.listUsers();
  assert.deepEqual(listed.users, []);

  for (const failure of [respondError(500, "InternalError"), dropConnection()]) {
    const before = server.requests.length;
    server.enqueue(failure); // a second try would get the fallback's 200 and succeed
    const error = await admin.createUser("twice").then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ServiceError || error instanceof NetworkError, String(error));
    assert.equal(error.attempts, 1, "a POST that may have been done is not sent again");
    assert.equal(server.requests.length, before + 1);
  }

  server.enqueue(respondError(503, "ServiceUnavailable"), respondError(429, "Throttling"), respondJson(200, { userId: "1", userName: "once" }));
  const created = await admin.createUser("once");
  assert.equal(created.userName, "once");
});

test("a POST to a port nobody listens on is retried: the connection was never made", async () => {
  const closed = await startScriptedServer();
  const url = closed.url;
  await closed.close();
  const error = await client({ endpoint: url }).createUser("x").then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof NetworkError, String(error));
  assert.equal(error.attempts, 3);
});

test("calls time out per attempt like VectorsClient's; compaction and snapshots have no limit unless given one", async () => {
  const contexts: HandlerContext[] = [];
  const admin = client({ timeoutMs: 50, retry: false });
  admin.middlewareStack.add((next) => (request, context) => {
    contexts.push(context);
    return next(request, context);
  }, { name: "record", after: "retry" });
  server.enqueue(stallBody(5_000));
  await assert.rejects(admin.describeIndex("b", "i"), TimeoutError);
  server.enqueue(respondJson(200, { count: 0 }), respondJson(200, { files: 0 }), respondJson(200, { count: 0 }));
  await admin.compactIndex("b", "i");
  await admin.createSnapshot("/d");
  await admin.compactIndex("b", "i", { timeoutMs: 30_000 });
  assert.deepEqual(contexts.map((context) => [context.operation, context.timeoutMs, context.idempotent]), [
    ["AdminDescribeIndex", 50, true], ["AdminCompactIndex", 0, false], ["AdminCreateSnapshot", 0, false], ["AdminCompactIndex", 30_000, false],
  ]);
});

test("the Node AdminClient sends through undici, and needs an endpoint and a region", async () => {
  const original = globalThis.fetch;
  globalThis.fetch = () => Promise.reject(new Error("global fetch must not be used"));
  try {
    server.enqueue(respondJson(200, { roles: [] }));
    assert.deepEqual((await client().listRoles()).roles, []);
  } finally {
    globalThis.fetch = original;
  }
  assert.throws(() => new AdminClient({ region: "cn-hangzhou" } as AdminClientConfig), (error) => error instanceof ParamRequiredError && error.param === "endpoint");
  assert.throws(() => new AdminClient({ endpoint: server.url } as AdminClientConfig), (error) => error instanceof ParamRequiredError && error.param === "region");
});

function seed(label: string): number {
  const given = process.env["OSSV_SEED"];
  const value = given !== undefined ? Number(given) : Math.floor(Math.random() * 0x7fffffff);
  console.log(`# ${label}: seed ${value} (replay with OSSV_SEED=${value})`);
  return value;
}
