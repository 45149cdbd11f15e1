// Access control as Alibaba Cloud does it, over real HTTP: RAM users start with nothing; identity
// and bucket policies grant, explicit Deny wins, conditions are checked, and keys and temporary
// credentials are refused once disabled, deleted or expired.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { AdminClient } from "@ossv/sdk";
import { startTestServer, type RawRequest, type RawResponse, type TestServer } from "./raw-client.ts";
import type { Credentials } from "@ossv/protocol";
import { needsDataDir } from "./test-store.ts";

let t: TestServer;
let admin: AdminClient;
const BUCKET = "acl-bucket";
let counter = 0;

before(async () => {
  t = await startTestServer();
  admin = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: t.credentials });
  await t.send({ method: "PUT", bucket: BUCKET });
  for (const indexName of ["alpha", "beta"]) {
    await t.send({ method: "POST", bucket: BUCKET, query: "putVectorIndex", body: JSON.stringify({ indexName, dataType: "float32", dimension: 2, distanceMetric: "euclidean" }) });
    await t.send({ method: "POST", bucket: BUCKET, query: "putVectors", body: JSON.stringify({ indexName, vectors: [{ key: "k1", data: { float32: [1, 2] } }] }) });
  }
});
after(async () => { await t.stop(); });

async function newUser(policy?: object): Promise<Credentials & { userId: string; userName: string }> {
  const userName = `user${++counter}`;
  const { userId } = await admin.createUser(userName);
  const key = await admin.createKey(userName);
  if (policy) await admin.attachPolicy(userName, "p", JSON.stringify(policy));
  return { ...key, userId, userName };
}

const allow = (action: string | string[], resource: string | string[], extra: object = {}) =>
  ({ Version: "1", Statement: [{ Effect: "Allow", Action: action, Resource: resource, ...extra }] });
const arn = (rest: string) => `acs:ossvector:cn-hangzhou:${t.server.accountId}:${rest}`;

type Op = { name: string; req: Partial<RawRequest> };
const json = (body: object) => JSON.stringify(body);
const OPS: Op[] = [
  { name: "ListVectorBuckets", req: { method: "GET" } },
  { name: "PutVectorBucket", req: { method: "PUT", bucket: "acl-new" } },
  { name: "GetVectorBucket", req: { method: "GET", bucket: BUCKET, query: "bucketInfo" } },
  { name: "DeleteVectorBucket", req: { method: "DELETE", bucket: BUCKET } },
  { name: "PutVectorIndex", req: { method: "POST", bucket: BUCKET, query: "putVectorIndex", body: json({ indexName: "gamma", dataType: "float32", dimension: 2, distanceMetric: "cosine" }) } },
  { name: "GetVectorIndex", req: { method: "POST", bucket: BUCKET, query: "getVectorIndex", body: json({ indexName: "alpha" }) } },
  { name: "ListVectorIndexes", req: { method: "POST", bucket: BUCKET, query: "listVectorIndexes" } },
  { name: "DeleteVectorIndex", req: { method: "POST", bucket: BUCKET, query: "deleteVectorIndex", body: json({ indexName: "alpha" }) } },
  { name: "PutVectors", req: { method: "POST", bucket: BUCKET, query: "putVectors", body: json({ indexName: "alpha", vectors: [{ key: "x", data: { float32: [1, 1] } }] }) } },
  { name: "GetVectors", req: { method: "POST", bucket: BUCKET, query: "getVectors", body: json({ indexName: "alpha", keys: ["k1"] }) } },
  { name: "ListVectors", req: { method: "POST", bucket: BUCKET, query: "listVectors", body: json({ indexName: "alpha" }) } },
  { name: "QueryVectors", req: { method: "POST", bucket: BUCKET, query: "queryVectors", body: json({ indexName: "alpha", queryVector: { float32: [1, 1] }, topK: 1 }) } },
  { name: "DeleteVectors", req: { method: "POST", bucket: BUCKET, query: "deleteVectors", body: json({ indexName: "alpha", keys: ["nope"] }) } },
  { name: "PutBucketPolicy", req: { method: "PUT", bucket: BUCKET, query: "policy", body: json(allow("oss:*", "*", { Principal: ["*"] })) } },
  { name: "GetBucketPolicy", req: { method: "GET", bucket: BUCKET, query: "policy" } },
  { name: "DeleteBucketPolicy", req: { method: "DELETE", bucket: BUCKET, query: "policy" } },
  { name: "PutBucketLogging", req: { method: "PUT", bucket: BUCKET, query: "logging", body: json({ BucketLoggingStatus: { LoggingEnabled: { TargetBucket: "logs" } } }) } },
  { name: "GetBucketLogging", req: { method: "GET", bucket: BUCKET, query: "logging" } },
  { name: "DeleteBucketLogging", req: { method: "DELETE", bucket: BUCKET, query: "logging" } },
];

const as = (credentials: Credentials | null, req: Partial<RawRequest>): Promise<RawResponse> =>
  t.send({ method: "GET", ...req, credentials });

function assertDenied(res: RawResponse, code = "AccessDenied"): void {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.json().Error.Code, code, res.text);
}

function assertAllowed(res: RawResponse): void {
  assert.ok(res.status === 200 || res.status === 204, res.text);
}

const opReq = (name: string) => OPS.find((op) => op.name === name)!.req;

describe("RAM users", () => {
  test("a new RAM user is refused every one of the 19 operations", async () => {
    const user = await newUser();
    assert.equal(OPS.length, 19);
    for (const op of OPS) assertDenied(await as(user, op.req));
  });

  test("an identity policy allowing DeleteVectors on one index allows exactly that", async () => {
    const user = await newUser(allow("oss:DeleteVectors", arn(`bucket/${BUCKET}/index/alpha`)));
    assertAllowed(await as(user, opReq("DeleteVectors")));
    assertDenied(await as(user, { ...opReq("DeleteVectors"), body: json({ indexName: "beta", keys: ["nope"] }) }));
    assertDenied(await as(user, opReq("PutVectors")));
    assertDenied(await as(user, opReq("GetVectors")));
  });

  test("wildcard actions and resources grant what they match", async () => {
    const user = await newUser(allow(["oss:Get*", "ossvector:*Vectors"], `acs:ossvector:*:*:bucket/${BUCKET}/*`));
    assertAllowed(await as(user, opReq("GetVectors")));
    assertAllowed(await as(user, opReq("QueryVectors")));
    assertAllowed(await as(user, opReq("GetVectorIndex")));
    assertDenied(await as(user, opReq("GetVectorBucket")), "AccessDenied"); // the bucket itself is not under bucket/<b>/*
    assertDenied(await as(user, opReq("DeleteVectorIndex")));
    const single = await newUser(allow("oss:?etVectors", arn(`bucket/${BUCKET}/index/*`)));
    assertAllowed(await as(single, opReq("GetVectors")));
    assertDenied(await as(single, opReq("PutVectors")));
  });

  test("an explicit Deny beats an Allow, from the identity or the bucket policy", async () => {
    const denyAll = { Effect: "Deny", Action: "oss:GetVectors", Resource: "*" };
    const user = await newUser({ Version: "1", Statement: [allow("oss:*", "*").Statement[0], denyAll] });
    assertDenied(await as(user, opReq("GetVectors")));
    assertAllowed(await as(user, opReq("ListVectors")));
    const bucket = "acl-deny-bucket";
    await t.send({ method: "PUT", bucket });
    const other = await newUser(allow("oss:*", "*"));
    await t.send({ method: "PUT", bucket, query: "policy", body: json({ Version: "1", Statement: [{ ...denyAll, Action: "oss:GetVectorBucket", Principal: [other.userId] }] }) });
    assertDenied(await as(other, { method: "GET", bucket, query: "bucketInfo" }));
    assertAllowed(await as(t.credentials, { method: "GET", bucket, query: "bucketInfo" }));
  });
});

describe("bucket policies", () => {
  test("a bucket policy grants a user with no identity policy, and Principal must name it", async () => {
    const bucket = "acl-granted";
    await t.send({ method: "PUT", bucket });
    const [granted, stranger] = [await newUser(), await newUser()];
    await t.send({ method: "PUT", bucket, query: "policy", body: json(allow("oss:GetVectorBucket", arn(`bucket/${bucket}`), { Principal: [granted.userId] })) });
    assertAllowed(await as(granted, { method: "GET", bucket, query: "bucketInfo" }));
    assertDenied(await as(stranger, { method: "GET", bucket, query: "bucketInfo" }));
  });

  test("a bucket policy grants another account's RAM user, virtual-hosted", async () => {
    const otherAccount = "2000000000000002";
    await t.server.engine.catalog.createAccount(otherAccount);
    const otherRoot = { accessKeyId: "LTAIotherroot0000000000", accessKeySecret: "other-root-secret" };
    await t.server.engine.catalog.putAccessKey({ ...otherRoot, accountId: otherAccount, status: "active", createdAt: new Date().toISOString() });
    const otherAdmin = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: otherRoot });
    await otherAdmin.createUser("visitor");
    const visitor = await otherAdmin.createKey("visitor");
    const visitorId = (await otherAdmin.listUsers() as { users: Array<{ userId: string }> }).users[0]!.userId;
    const bucket = "acl-shared";
    await t.send({ method: "PUT", bucket });
    const req = { method: "GET", bucket, query: "bucketInfo", style: "virtual" as const, accountId: t.server.accountId };
    assertDenied(await as(visitor, req));
    await t.send({ method: "PUT", bucket, query: "policy", body: json(allow("oss:GetVectorBucket", "*", { Principal: [visitorId] })) });
    assertAllowed(await as(visitor, req));
    assertDenied(await as(otherRoot, req), "AccessDenied");
  });

  test("Principal * allows unsigned reads and nothing more", async () => {
    const bucket = "acl-public";
    await t.send({ method: "PUT", bucket });
    await t.send({ method: "POST", bucket, query: "putVectorIndex", body: json({ indexName: "pub", dataType: "float32", dimension: 2, distanceMetric: "euclidean" }) });
    await t.send({ method: "POST", bucket, query: "putVectors", body: json({ indexName: "pub", vectors: [{ key: "k", data: { float32: [1, 2] } }] }) });
    const virtual = { bucket, style: "virtual" as const, accountId: t.server.accountId };
    const read = { ...virtual, method: "POST", query: "getVectors", body: json({ indexName: "pub", keys: ["k"] }) };
    assertDenied(await as(null, read));
    await t.send({ method: "PUT", bucket, query: "policy", body: json(allow(["oss:GetVectors", "oss:QueryVectors"], "*", { Principal: ["*"] })) });
    const res = await as(null, read);
    assertAllowed(res);
    assert.deepEqual(res.json(), { vectors: [{ key: "k" }] });
    assertDenied(await as(null, { ...virtual, method: "POST", query: "putVectors", body: json({ indexName: "pub", vectors: [{ key: "z", data: { float32: [1, 2] } }] }) }));
    assertDenied(await as(null, { ...virtual, method: "GET", query: "policy" }));
  });
});

describe("conditions", () => {
  const cases: Array<[string, object, boolean]> = [
    ["acs:SourceIp in 127.0.0.0/8", { IpAddress: { "acs:SourceIp": ["127.0.0.0/8"] } }, true],
    ["acs:SourceIp in 10.0.0.0/8", { IpAddress: { "acs:SourceIp": "10.0.0.0/8" } }, false],
    ["acs:SourceIp not in 10.0.0.0/8", { NotIpAddress: { "acs:SourceIp": "10.0.0.0/8" } }, true],
    ["acs:SecureTransport false (plain HTTP)", { Bool: { "acs:SecureTransport": "false" } }, true],
    ["acs:SecureTransport true", { Bool: { "acs:SecureTransport": ["true"] } }, false],
    ["acs:CurrentTime after 2000", { DateGreaterThan: { "acs:CurrentTime": "2000-01-01T00:00:00Z" } }, true],
    ["acs:CurrentTime before 2000", { DateLessThan: { "acs:CurrentTime": "2000-01-01T00:00:00Z" } }, false],
    ["acs:UserAgent like ossv-test*", { StringLike: { "acs:UserAgent": "ossv-test*" } }, true],
    ["acs:UserAgent equals other", { StringEquals: { "acs:UserAgent": "other" } }, false],
  ];
  for (const [name, condition, allowed] of cases) {
    test(`${name} ${allowed ? "allows" : "refuses"}`, async () => {
      const user = await newUser(allow("oss:GetVectors", "*", { Condition: condition }));
      const res = await as(user, { ...opReq("GetVectors"), headers: { "user-agent": "ossv-test/1.0" } });
      if (allowed) assertAllowed(res);
      else assertDenied(res);
    });
  }

  test("a policy with an unknown condition operator is refused when attached", async () => {
    const userName = `user${++counter}`;
    await admin.createUser(userName);
    await assert.rejects(admin.attachPolicy(userName, "bad", JSON.stringify(allow("oss:*", "*", { Condition: { Sometimes: { "acs:SourceIp": "1.2.3.4" } } }))), { name: "ServiceError", code: "MalformedPolicy" });
  });
});

describe("keys and temporary credentials", () => {
  test("a disabled key, and a deleted key, are refused with InvalidAccessKeyId", async () => {
    const user = await newUser(allow("oss:*", "*"));
    assertAllowed(await as(user, opReq("GetVectors")));
    await admin.setKeyStatus(user.accessKeyId, "disabled");
    assertDenied(await as(user, opReq("GetVectors")), "InvalidAccessKeyId");
    await admin.setKeyStatus(user.accessKeyId, "active");
    assertAllowed(await as(user, opReq("GetVectors")));
    await admin.deleteKey(user.accessKeyId);
    assertDenied(await as(user, opReq("GetVectors")), "InvalidAccessKeyId");
  });

  test("a narrowed temporary credential cannot exceed its session policy, nor the user's", async () => {
    const user = await newUser(allow(["oss:GetVectors", "oss:ListVectors"], "*"));
    const sts = await admin.issueTemporaryCredentials(user.userName, { policy: JSON.stringify(allow(["oss:GetVectors", "oss:PutVectors"], "*")) });
    const temp = { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken };
    assertAllowed(await as(temp, opReq("GetVectors")));
    assertDenied(await as(temp, opReq("ListVectors")));
    assertDenied(await as(temp, opReq("PutVectors")));
    assertDenied(await as({ ...temp, securityToken: "forged" }, opReq("GetVectors")), "InvalidSecurityToken");
    const { securityToken: _, ...withoutToken } = temp;
    assertDenied(await as(withoutToken, opReq("GetVectors")), "InvalidSecurityToken");
  });

  test("a RAM role acts only through temporary credentials, with its own policies", async () => {
    const roleName = `role${++counter}`;
    const { roleId } = await admin.createRole(roleName);
    await assert.rejects(admin.createKey(roleName), { name: "ServiceError", code: "NoSuchUser" });
    await admin.attachRolePolicy(roleName, "read", JSON.stringify(allow("oss:GetVectors", "*")));
    const sts = await admin.issueTemporaryCredentials(roleName, { role: true });
    const temp = { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken };
    assertAllowed(await as(temp, opReq("GetVectors")));
    assertDenied(await as(temp, opReq("ListVectors")));
    const bucket = "acl-role";
    await t.send({ method: "PUT", bucket });
    await t.send({ method: "PUT", bucket, query: "policy", body: json(allow("oss:GetVectorBucket", "*", { Principal: [roleId] })) });
    assertAllowed(await as(temp, { method: "GET", bucket, query: "bucketInfo" }));
    await admin.deleteRole(roleName);
    assertDenied(await as(temp, opReq("GetVectors")), "InvalidAccessKeyId");
  });

  test("an expired temporary credential is refused with SecurityTokenExpired", async () => {
    let clock = Date.now();
    const timed = await startTestServer({ now: () => clock });
    try {
      const timedAdmin = new AdminClient({ endpoint: timed.server.url, region: "cn-hangzhou", credentials: timed.credentials });
      await timedAdmin.createUser("temp");
      await timedAdmin.attachPolicy("temp", "all", JSON.stringify(allow("oss:*", "*")));
      const sts = await timedAdmin.issueTemporaryCredentials("temp", { durationSeconds: 900 });
      const temp = { accessKeyId: sts.accessKeyId, accessKeySecret: sts.accessKeySecret, securityToken: sts.securityToken };
      assertAllowed(await timed.send({ method: "GET", credentials: temp, time: new Date(clock) }));
      clock += 901_000;
      assertDenied(await timed.send({ method: "GET", credentials: temp, time: new Date(clock) }), "SecurityTokenExpired");
    } finally {
      await timed.stop();
    }
  });
});

describe("admin API", () => {
  test("only the root key may use it; users have at most two keys", async () => {
    const user = await newUser(allow("oss:*", "*"));
    const asUser = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: user });
    await assert.rejects(asUser.listUsers(), { name: "ServiceError", code: "AccessDenied" });
    await admin.createKey(user.userName);
    await assert.rejects(admin.createKey(user.userName), { name: "ServiceError", code: "TooManyAccessKeys" });
    await assert.rejects(admin.createUser(user.userName), { name: "ServiceError", code: "UserAlreadyExists" });
    await admin.deleteUser(user.userName);
    assertDenied(await as(user, opReq("GetVectors")), "InvalidAccessKeyId");
    await assert.rejects(admin.detachPolicy(user.userName, "p"), { name: "ServiceError", code: "NoSuchUser" });
  });

  test("secrets are not stored in the clear in the catalog", { skip: needsDataDir }, async () => {
    const user = await newUser();
    const dir = join(t.dataDir, "catalog");
    const files = await readdir(dir);
    const newest = files.sort().at(-1)!;
    const text = await readFile(join(dir, newest), "utf8");
    assert.ok(text.includes(user.accessKeyId));
    assert.ok(!text.includes(user.accessKeySecret));
    assert.ok(!text.includes(t.credentials.accessKeySecret));
  });
});
