// @ossv/sdk's AdminClient against a real ossv server: user and policy names across the whole allowed
// space (1..64 characters of the user alphabet, 1..128 of the policy one) and just past it, names of
// any characters in paths (a refusal of the API's own shape, never a 5xx or a misrouted call), and
// the request id of a refusal matching the one the server logged.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import type { AccessLogEntry } from "@ossv/server";
import { AdminClient, ServiceError } from "@ossv/sdk";
import { startTestServer, type TestServer } from "./raw-client.ts";
import { seedFromEnv } from "../../packages/engine/src/testing/test-support.ts";

const USER_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._@-".split("");
const POLICY_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-".split("");
const POLICY = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["oss:GetVectors"], Resource: ["*"] }] });

let t: TestServer;
let admin: AdminClient;
const logged: AccessLogEntry[] = [];

before(async () => {
  t = await startTestServer({ onRequest: (entry) => logged.push(entry) });
  admin = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: t.credentials });
});
after(() => t.stop());

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof ServiceError, `expected a ServiceError, got ${String(error)}`);
  return error;
}

test("any allowed user and policy name round-trips: create, attach, list, detach, delete", async () => {
  const userName = fc.array(fc.constantFrom(...USER_CHARS), { minLength: 1, maxLength: 64 }).map((chars) => chars.join(""));
  const policyName = fc.array(fc.constantFrom(...POLICY_CHARS), { minLength: 1, maxLength: 128 }).map((chars) => chars.join(""));
  await fc.assert(fc.asyncProperty(userName, policyName, async (user, policy) => {
    const created = await admin.createUser(user);
    try {
      assert.equal(created.userName, user);
      assert.equal(created.statusCode, 200);
      assert.ok(created.requestId, "every answer has a request id");
      await admin.attachPolicy(user, policy, POLICY);
      const { users } = await admin.listUsers();
      assert.deepEqual(users.find((u) => u.userName === user)?.policies, [policy]);
      assert.deepEqual((await admin.listPolicies(user)).policies, { [policy]: POLICY });
      await admin.detachPolicy(user, policy);
    } finally {
      await admin.deleteUser(user);
    }
    assert.ok(!(await admin.listUsers()).users.some((u) => u.userName === user));
  }), { seed: seedFromEnv("admin names"), numRuns: 40 });
});

test("names just past the limits, or outside the alphabets, are refused as InvalidArgument (400)", async () => {
  for (const name of ["a".repeat(65), "", "has space", "slash/inside", "ünïcode"]) {
    const error = await failure(admin.createUser(name));
    assert.equal(error.code, "InvalidArgument", name);
    assert.equal(error.statusCode, 400);
  }
  await admin.createUser("limits");
  try {
    const error = await failure(admin.attachPolicy("limits", "p".repeat(129), POLICY));
    assert.equal(error.code, "InvalidArgument");
  } finally {
    await admin.deleteUser("limits");
  }
});

test("a name of any characters in a path reaches its route: NoSuchUser or InvalidArgument, never a 5xx or a misroute", async () => {
  await fc.assert(fc.asyncProperty(fc.string({ unit: "binary", minLength: 1, maxLength: 80 }), async (name) => {
    const error = await failure(admin.deleteUser(name));
    assert.ok(error.statusCode < 500, `${error.statusCode} ${error.code}`);
    assert.ok(["NoSuchUser", "InvalidArgument"].includes(error.code), `${error.code}: ${error.message}`);
  }), { seed: seedFromEnv("admin path names"), numRuns: 200 });
});

test("a refusal carries the request id the server logged, and the admin operation that failed", async () => {
  const error = await failure(admin.createKey("nobody"));
  assert.equal(error.code, "NoSuchUser");
  assert.equal(error.statusCode, 404);
  assert.equal(error.operation, "AdminCreateAccessKey");
  assert.ok(logged.some((entry) => entry.requestId === error.requestId && entry.operation === "Admin" && entry.status === 404),
    `request id ${error.requestId} is in the access log`);
});
