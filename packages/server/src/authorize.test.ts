// May this caller do this here: RAM users' identity policies by action and resource ARN, bucket
// policies by Principal, explicit Deny over any Allow, other accounts and anonymous callers, and a
// condition on the request. Signed requests run through the pipeline in process (no socket).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Credentials } from "@ossv/protocol";
import { newAccessKey } from "./accounts.ts";
import { startInProcess, type InProcessResponse, type InProcessServer, type SignedRequestSpec } from "./testing/in-process.ts";

let server: InProcessServer;
let counter = 0;

before(async () => {
  server = await startInProcess();
});
after(() => server.close());

const statement = (effect: "Allow" | "Deny", action: string | string[], resource: string | string[], extra: object = {}) =>
  ({ Effect: effect, Action: action, Resource: resource, ...extra });
const policy = (...statements: object[]) => ({ Version: "1", Statement: statements });
const arn = (rest: string) => `acs:ossvector:${server.region}:${server.accountId}:${rest}`;

function allowed(res: InProcessResponse): void {
  assert.ok(res.status === 200 || res.status === 204, `${res.status} ${res.text}`);
}

function denied(res: InProcessResponse, why?: RegExp): void {
  assert.deepEqual([res.status, res.errorCode], [403, "AccessDenied"], res.text);
  if (why) assert.match((res.json() as { Error: { Message: string } }).Error.Message, why);
}

async function asRoot(spec: Omit<SignedRequestSpec, "credentials">): Promise<void> {
  allowed(await server.send({ ...spec, credentials: server.root }));
}

/** A new bucket of the root account, with indexes alpha and beta. */
async function newBucket(): Promise<string> {
  const bucket = `bucket-${++counter}`;
  await asRoot({ method: "PUT", bucket });
  for (const indexName of ["alpha", "beta"]) {
    await asRoot({ method: "POST", bucket, query: "putVectorIndex", body: JSON.stringify({ indexName, dataType: "float32", dimension: 2, distanceMetric: "euclidean" }) });
  }
  return bucket;
}

const setBucketPolicy = (bucket: string, document: object) =>
  asRoot({ method: "PUT", bucket, query: "policy", body: JSON.stringify(document) });
const newUser = (policies?: Record<string, object>) => server.addUser(`user-${++counter}`, policies);

const getBucket = (bucket: string, credentials: Credentials | null, extra: Partial<SignedRequestSpec> = {}) =>
  server.send({ method: "GET", bucket, query: "bucketInfo", credentials, ...extra });
const deleteBucket = (bucket: string, credentials: Credentials | null) =>
  server.send({ method: "DELETE", bucket, credentials });
const getVectors = (bucket: string, indexName: string, credentials: Credentials | null) =>
  server.send({ method: "POST", bucket, query: "getVectors", body: JSON.stringify({ indexName, keys: ["k"] }), credentials });

describe("RAM users (identity policies)", () => {
  test("a new user may do nothing", async () => {
    const bucket = await newBucket();
    const user = await newUser();
    denied(await getBucket(bucket, user), /RAM identity .*no policy allows it/);
    denied(await getVectors(bucket, "alpha", user));
  });

  test("an Allow covers its actions on its resources, in either ARN form, and nothing else", async () => {
    const [bucket, other] = [await newBucket(), await newBucket()];
    const user = await newUser({ read: policy(statement("Allow", "oss:GetVectorBucket", arn(`bucket/${bucket}`))) });
    allowed(await getBucket(bucket, user));
    denied(await getBucket(other, user));
    denied(await deleteBucket(bucket, user));
    const short = await newUser({ read: policy(statement("Allow", "oss:GetVectorBucket", arn(bucket))) });
    allowed(await getBucket(bucket, short));
  });

  test("an index-scoped Allow reaches only that index (the index is named in the body)", async () => {
    const bucket = await newBucket();
    const user = await newUser({ alpha: policy(statement("Allow", "oss:GetVectors", arn(`bucket/${bucket}/index/alpha`))) });
    allowed(await getVectors(bucket, "alpha", user));
    denied(await getVectors(bucket, "beta", user));
  });

  test("a Deny in one identity policy outweighs an Allow in another", async () => {
    const bucket = await newBucket();
    const user = await newUser({
      all: policy(statement("Allow", "oss:*", "*")),
      guard: policy(statement("Deny", "oss:DeleteVectorBucket", "*")),
    });
    allowed(await getBucket(bucket, user));
    denied(await deleteBucket(bucket, user), /explicit Deny/);
  });
});

describe("bucket policies", () => {
  test("grant a user with no identity policy, only when Principal names that user", async () => {
    const bucket = await newBucket();
    const [granted, other] = [await newUser(), await newUser()];
    await setBucketPolicy(bucket, policy(statement("Allow", "oss:GetVectorBucket", arn(`bucket/${bucket}`), { Principal: [granted.userId] })));
    allowed(await getBucket(bucket, granted));
    denied(await getBucket(bucket, other));
  });

  test("an explicit Deny in the bucket policy wins over the user's own Allow", async () => {
    const bucket = await newBucket();
    const user = await newUser({ all: policy(statement("Allow", "oss:*", "*")) });
    await setBucketPolicy(bucket, policy(statement("Deny", "oss:GetVectorBucket", "*", { Principal: [user.userId] })));
    denied(await getBucket(bucket, user), /explicit Deny/);
  });

  test("an explicit Deny in the identity policy wins over the bucket policy's Allow", async () => {
    const bucket = await newBucket();
    const user = await newUser({ never: policy(statement("Deny", "oss:GetVectorBucket", "*")) });
    await setBucketPolicy(bucket, policy(statement("Allow", "oss:GetVectorBucket", "*", { Principal: [user.userId] })));
    denied(await getBucket(bucket, user), /explicit Deny/);
  });

  test("another account's root key needs the bucket policy to name that account", async () => {
    const bucket = await newBucket();
    const otherAccount = "7000000000000001";
    await server.engine.catalog.createAccount(otherAccount);
    const key = newAccessKey();
    await server.engine.catalog.putAccessKey({
      ...key, accessKeySecret: server.secrets.seal(key.accessKeySecret), accountId: otherAccount,
      status: "active", createdAt: new Date().toISOString(),
    });
    // Virtual-hosted, so the request names the bucket's account rather than the caller's.
    const visit = () => getBucket(bucket, key, { style: "virtual", accountId: server.accountId });
    denied(await visit(), new RegExp(`account ${otherAccount}`));
    await setBucketPolicy(bucket, policy(statement("Allow", "oss:GetVectorBucket", "*", { Principal: [otherAccount] })));
    allowed(await visit());
  });

  test("Principal * lets anonymous callers do what it allows and nothing more", async () => {
    const bucket = await newBucket();
    denied(await getBucket(bucket, null));
    await setBucketPolicy(bucket, policy(statement("Allow", "oss:GetVectorBucket", "*", { Principal: ["*"] })));
    allowed(await getBucket(bucket, null));
    denied(await deleteBucket(bucket, null), /^Anonymous access is not allowed here\.$/);
  });

  test("a condition on the source address is checked against the caller's address", async () => {
    const bucket = await newBucket();
    const user = await newUser();
    await setBucketPolicy(bucket, policy(statement("Allow", "oss:GetVectorBucket", "*", {
      Principal: [user.userId], Condition: { IpAddress: { "acs:SourceIp": ["10.0.0.0/8"] } },
    })));
    const from = async (remoteAddress: string) =>
      server.request({ ...server.build({ method: "GET", bucket, query: "bucketInfo", credentials: user }), remoteAddress });
    allowed(await from("10.1.2.3"));
    denied(await from("192.168.1.1"));
  });
});

describe("the bucket owner's root key", () => {
  test("may do anything in its account without any policy", async () => {
    const bucket = await newBucket();
    allowed(await getVectors(bucket, "alpha", server.root));
    const empty = `bucket-${++counter}`;
    await asRoot({ method: "PUT", bucket: empty });
    allowed(await deleteBucket(empty, server.root));
  });
});
