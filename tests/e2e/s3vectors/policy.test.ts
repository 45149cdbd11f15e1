// Who may do what through the S3 Vectors API: RAM users start with nothing; identity policies and
// bucket policies (IAM JSON with s3vectors: actions and arn:aws:s3vectors: resources) grant; an
// explicit Deny wins; the extra checks AWS makes are kept (GetVectors for filtered or metadata
// queries and for ListVectors with data or metadata, TagResource for tags at creation).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateIndexCommand, CreateVectorBucketCommand, DeleteIndexCommand, DeleteVectorBucketCommand, DeleteVectorBucketPolicyCommand,
  DeleteVectorsCommand, GetIndexCommand, GetVectorBucketCommand, GetVectorBucketPolicyCommand, GetVectorsCommand, ListIndexesCommand,
  ListTagsForResourceCommand, ListVectorBucketsCommand, ListVectorsCommand, PutVectorBucketPolicyCommand, PutVectorsCommand,
  QueryVectorsCommand, TagResourceCommand, UntagResourceCommand, type S3VectorsClient,
} from "@aws-sdk/client-s3vectors";
import { AWS_REGION, expectS3Error, startS3vServer, toAws, uniqueName, type AwsCredentials, type S3vServer } from "./harness.ts";
import { BOTO3_MISSING, clientError, ok, runBoto3 } from "./boto3.ts";
import { assertS3Error, callS3 } from "./signed-request.ts";

let s: S3vServer;
let bucket: string;
let bucketArn: string;
let alphaArn: string;
let betaArn: string;
let account: string;

before(async () => {
  s = await startS3vServer();
  bucket = uniqueName("pol");
  bucketArn = (await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket, tags: { team: "a" } }))).vectorBucketArn!;
  account = /:(\d{12}):/.exec(bucketArn)![1]!;
  const arns: string[] = [];
  for (const indexName of ["alpha", "beta"]) {
    arns.push((await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName, dataType: "float32", dimension: 2, distanceMetric: "euclidean" }))).indexArn!);
    await s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName, vectors: [{ key: "k1", data: { float32: [1, 2] }, metadata: { genre: "x" } }] }));
  }
  [alphaArn, betaArn] = arns as [string, string];
});
after(async () => { await s.stop(); });

const statement = (effect: "Allow" | "Deny", action: string | string[], resource: string | string[], extra: object = {}) =>
  ({ Effect: effect, Action: action, Resource: resource, ...extra });
const doc = (...statements: object[]) => ({ Version: "2012-10-17", Statement: statements });
const allow = (action: string | string[], resource: string | string[]) => doc(statement("Allow", action, resource));

/** Each operation as a call on `client`, against the shared bucket (writes aim at names that make them harmless). */
function operations(client: S3VectorsClient): Array<[string, () => Promise<unknown>]> {
  const alpha = { vectorBucketName: bucket, indexName: "alpha" };
  return [
    ["CreateVectorBucket", () => client.send(new CreateVectorBucketCommand({ vectorBucketName: uniqueName("denied") }))],
    ["GetVectorBucket", () => client.send(new GetVectorBucketCommand({ vectorBucketName: bucket }))],
    ["ListVectorBuckets", () => client.send(new ListVectorBucketsCommand({}))],
    ["DeleteVectorBucket", () => client.send(new DeleteVectorBucketCommand({ vectorBucketName: bucket }))],
    ["PutVectorBucketPolicy", () => client.send(new PutVectorBucketPolicyCommand({ vectorBucketName: bucket, policy: JSON.stringify(allow("s3vectors:*", "*")) }))],
    ["GetVectorBucketPolicy", () => client.send(new GetVectorBucketPolicyCommand({ vectorBucketName: bucket }))],
    ["DeleteVectorBucketPolicy", () => client.send(new DeleteVectorBucketPolicyCommand({ vectorBucketName: bucket }))],
    ["CreateIndex", () => client.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "gamma", dataType: "float32", dimension: 2, distanceMetric: "cosine" }))],
    ["GetIndex", () => client.send(new GetIndexCommand(alpha))],
    ["ListIndexes", () => client.send(new ListIndexesCommand({ vectorBucketName: bucket }))],
    ["DeleteIndex", () => client.send(new DeleteIndexCommand(alpha))],
    ["PutVectors", () => client.send(new PutVectorsCommand({ ...alpha, vectors: [{ key: "x", data: { float32: [1, 1] } }] }))],
    ["GetVectors", () => client.send(new GetVectorsCommand({ ...alpha, keys: ["k1"] }))],
    ["ListVectors", () => client.send(new ListVectorsCommand(alpha))],
    ["QueryVectors", () => client.send(new QueryVectorsCommand({ ...alpha, topK: 1, queryVector: { float32: [1, 1] } }))],
    ["DeleteVectors", () => client.send(new DeleteVectorsCommand({ ...alpha, keys: ["nope"] }))],
    ["TagResource", () => client.send(new TagResourceCommand({ resourceArn: bucketArn, tags: { k: "v" } }))],
    ["UntagResource", () => client.send(new UntagResourceCommand({ resourceArn: bucketArn, tagKeys: ["nope"] }))],
    ["ListTagsForResource", () => client.send(new ListTagsForResourceCommand({ resourceArn: bucketArn }))],
  ];
}

const denied = (call: Promise<unknown>, label = "") =>
  expectS3Error(call, 403, "AccessDeniedException").catch((e: Error) => { throw new Error(`${label}: ${e.message}`); });

describe("identity policies", () => {
  test("a RAM user without policies is refused every operation, including the two index-mode ones", async () => {
    const user = await s.newUser();
    const client = s.clientFor(user);
    for (const [name, call] of operations(client)) await denied(call(), name);
    assertS3Error(await callS3(s.endpoint, user, "PutVectorBucketDefaultIndexMode", { vectorBucketName: bucket, defaultIndexMode: "ENHANCED" }), 403, "AccessDeniedException");
    assertS3Error(await callS3(s.endpoint, user, "UpdateIndexMode", { indexArn: alphaArn, indexMode: "ENHANCED" }), 403, "AccessDeniedException");
    assert.equal((await s.s3.send(new GetIndexCommand({ indexArn: alphaArn }))).index?.indexName, "alpha", "nothing was deleted");
  });

  test("an Allow of one action on one index allows exactly that", async () => {
    const client = s.clientFor(await s.newUser(allow("s3vectors:GetIndex", alphaArn)));
    assert.equal((await client.send(new GetIndexCommand({ indexArn: alphaArn }))).index?.indexName, "alpha");
    await denied(client.send(new GetIndexCommand({ indexArn: betaArn })), "other index");
    await denied(client.send(new GetVectorBucketCommand({ vectorBucketArn: bucketArn })), "the bucket");
    await denied(client.send(new GetVectorsCommand({ indexArn: alphaArn, keys: ["k1"] })), "other action");
  });

  test("wildcards in actions and resources grant what they match", async () => {
    const client = s.clientFor(await s.newUser(allow(["s3vectors:Get*", "s3vectors:*Vectors"], `arn:aws:s3vectors:*:*:bucket/${bucket}/index/*`)));
    await client.send(new GetIndexCommand({ indexArn: betaArn }));
    await client.send(new QueryVectorsCommand({ indexArn: alphaArn, topK: 1, queryVector: { float32: [1, 1] } }));
    await client.send(new DeleteVectorsCommand({ indexArn: alphaArn, keys: ["nope"] }));
    await denied(client.send(new GetVectorBucketCommand({ vectorBucketName: bucket })), "the bucket is not under bucket/<b>/index/*");
    await denied(client.send(new DeleteIndexCommand({ indexArn: alphaArn })), "DeleteIndex");
  });

  test("QueryVectors with a filter or returnMetadata needs GetVectors too; distances alone do not", async () => {
    const queryOnly = s.clientFor(await s.newUser(allow("s3vectors:QueryVectors", alphaArn)));
    const q = { indexArn: alphaArn, topK: 1, queryVector: { float32: [1, 1] } };
    assert.equal((await queryOnly.send(new QueryVectorsCommand({ ...q, returnDistance: true }))).vectors?.length, 1);
    await denied(queryOnly.send(new QueryVectorsCommand({ ...q, filter: { genre: "x" } })), "filter");
    await denied(queryOnly.send(new QueryVectorsCommand({ ...q, returnMetadata: true })), "returnMetadata");
    const both = s.clientFor(await s.newUser(allow(["s3vectors:QueryVectors", "s3vectors:GetVectors"], alphaArn)));
    const hits = await both.send(new QueryVectorsCommand({ ...q, filter: { genre: "x" }, returnMetadata: true }));
    assert.deepEqual(hits.vectors, [{ key: "k1", metadata: { genre: "x" } }]);
  });

  test("ListVectors with returnData or returnMetadata needs GetVectors too", async () => {
    const listOnly = s.clientFor(await s.newUser(allow("s3vectors:ListVectors", alphaArn)));
    assert.deepEqual((await listOnly.send(new ListVectorsCommand({ indexArn: alphaArn }))).vectors, [{ key: "k1" }]);
    await denied(listOnly.send(new ListVectorsCommand({ indexArn: alphaArn, returnData: true })), "returnData");
    await denied(listOnly.send(new ListVectorsCommand({ indexArn: alphaArn, returnMetadata: true })), "returnMetadata");
  });

  test("tags at creation need TagResource too", async () => {
    const creator = s.clientFor(await s.newUser(allow(["s3vectors:CreateVectorBucket", "s3vectors:CreateIndex"], "*")));
    const name = uniqueName("tagless");
    await denied(creator.send(new CreateVectorBucketCommand({ vectorBucketName: name, tags: { a: "b" } })), "tags without TagResource");
    await expectS3Error(s.s3.send(new GetVectorBucketCommand({ vectorBucketName: name })), 404, "NotFoundException");
    await creator.send(new CreateVectorBucketCommand({ vectorBucketName: name }));
    await denied(creator.send(new CreateIndexCommand({ vectorBucketName: name, indexName: "i", dataType: "float32", dimension: 2, distanceMetric: "cosine", tags: { a: "b" } })), "index tags");
  });

  test("an explicit Deny beats an Allow", async () => {
    const client = s.clientFor(await s.newUser(doc(statement("Allow", "s3vectors:*", "*"), statement("Deny", "s3vectors:GetVectors", alphaArn))));
    await denied(client.send(new GetVectorsCommand({ indexArn: alphaArn, keys: ["k1"] })), "denied action");
    await denied(client.send(new QueryVectorsCommand({ indexArn: alphaArn, topK: 1, queryVector: { float32: [1, 1] }, filter: { genre: "x" } })), "implied GetVectors");
    assert.equal((await client.send(new GetVectorsCommand({ indexArn: betaArn, keys: ["k1"] }))).vectors?.length, 1);
  });

  test("temporary credentials are limited by their session policy and by the user's", async () => {
    const user = await s.newUser(allow(["s3vectors:GetVectors", "s3vectors:ListVectors"], "*"));
    const temp = toAws(await s.admin.issueTemporaryCredentials(user.userName, { policy: JSON.stringify(allow(["s3vectors:GetVectors", "s3vectors:PutVectors"], "*")) }));
    const client = s.clientFor(temp);
    assert.equal((await client.send(new GetVectorsCommand({ indexArn: alphaArn, keys: ["k1"] }))).vectors?.length, 1);
    await denied(client.send(new ListVectorsCommand({ indexArn: alphaArn })), "outside the session policy");
    await denied(client.send(new PutVectorsCommand({ indexArn: alphaArn, vectors: [{ key: "t", data: { float32: [1, 1] } }] })), "outside the user's policy");
  });
});

describe("bucket policies", () => {
  const withBucketPolicy = async (policy: object, body: (bucketName: string, bucketArn: string) => Promise<void>) => {
    const name = uniqueName("bp");
    const arn = (await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: name }))).vectorBucketArn!;
    await s.s3.send(new CreateIndexCommand({ vectorBucketName: name, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "cosine" }));
    await s.s3.send(new PutVectorBucketPolicyCommand({ vectorBucketName: name, policy: JSON.stringify(policy).replaceAll("BUCKET_ARN", arn) }));
    await body(name, arn);
  };

  test("a bucket policy naming a RAM user grants that user alone", async () => {
    const [granted, stranger] = [await s.newUser(), await s.newUser()];
    await withBucketPolicy(doc(statement("Allow", "s3vectors:GetIndex", "BUCKET_ARN/index/*", { Principal: { AWS: `arn:aws:iam::${account}:user/${granted.userName}` } })), async (name) => {
      assert.equal((await s.clientFor(granted).send(new GetIndexCommand({ vectorBucketName: name, indexName: "idx" }))).index?.indexName, "idx");
      await denied(s.clientFor(granted).send(new ListIndexesCommand({ vectorBucketName: name })), "another action");
      await denied(s.clientFor(stranger).send(new GetIndexCommand({ vectorBucketName: name, indexName: "idx" })), "another user");
    });
  });

  test("Principal * grants any signed-in caller of the account", async () => {
    const user = await s.newUser();
    await withBucketPolicy(doc(statement("Allow", ["s3vectors:PutVectors", "s3vectors:GetVectors"], "BUCKET_ARN/index/idx", { Principal: "*" })), async (name) => {
      const client = s.clientFor(user);
      await client.send(new PutVectorsCommand({ vectorBucketName: name, indexName: "idx", vectors: [{ key: "p", data: { float32: [1, 1] } }] }));
      assert.equal((await client.send(new GetVectorsCommand({ vectorBucketName: name, indexName: "idx", keys: ["p"] }))).vectors?.length, 1);
      await denied(client.send(new DeleteVectorsCommand({ vectorBucketName: name, indexName: "idx", keys: ["p"] })), "DeleteVectors");
    });
  });

  test("a bucket policy Deny beats the user's Allow-all", async () => {
    const admin = await s.newUser(allow("s3vectors:*", "*"));
    await withBucketPolicy(doc(statement("Deny", ["s3vectors:DeleteVectors", "s3vectors:DeleteIndex"], ["BUCKET_ARN", "BUCKET_ARN/*"], { Principal: { AWS: "*" } })), async (name) => {
      const client = s.clientFor(admin);
      await client.send(new PutVectorsCommand({ vectorBucketName: name, indexName: "idx", vectors: [{ key: "p", data: { float32: [1, 1] } }] }));
      await denied(client.send(new DeleteVectorsCommand({ vectorBucketName: name, indexName: "idx", keys: ["p"] })), "DeleteVectors");
      await denied(client.send(new DeleteIndexCommand({ vectorBucketName: name, indexName: "idx" })), "DeleteIndex");
      assert.equal((await client.send(new GetVectorsCommand({ vectorBucketName: name, indexName: "idx", keys: ["p"] }))).vectors?.length, 1, "the vector is still there");
      await s.s3.send(new DeleteVectorBucketPolicyCommand({ vectorBucketName: name }));
      await client.send(new DeleteVectorsCommand({ vectorBucketName: name, indexName: "idx", keys: ["p"] }));
    });
  });

  test("boto3 reports AccessDeniedException as ClientError 403", { skip: BOTO3_MISSING }, async () => {
    const user: AwsCredentials = await s.newUser(allow("s3vectors:GetIndex", alphaArn));
    const [allowed, refused] = await runBoto3(s.endpoint, AWS_REGION, user, [
      { op: "GetIndex", params: { indexArn: alphaArn } },
      { op: "GetIndex", params: { indexArn: betaArn } },
    ]);
    assert.equal(ok(allowed).index.indexName, "alpha");
    clientError(refused, 403, "AccessDeniedException");
  });
});
