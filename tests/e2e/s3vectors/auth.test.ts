// SigV4 as the S3 Vectors API checks it, through the JS SDK, boto3 and raw requests signed by the
// SDK's signer: the server's keys (root, RAM user, temporary with session token) work as AWS
// credentials, and every failure has its AWS code and status, changing nothing.
// Old signing dates are fixed (the SDK's systemClockOffset, the signer's signingDate, a frozen clock
// in botocore), never waited for.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { CreateIndexCommand, CreateVectorBucketCommand, GetVectorsCommand, ListVectorBucketsCommand, PutVectorsCommand } from "@aws-sdk/client-s3vectors";
import { AWS_REGION, expectS3Error, startS3vServer, toAws, uniqueName, type AwsCredentials, type S3vServer } from "./harness.ts";
import { BOTO3_MISSING, clientError, ok, runBoto3 } from "./boto3.ts";
import { assertS3Error, sendS3 } from "./signed-request.ts";

let s: S3vServer;
let bucket: string;
let user: AwsCredentials;
let temporary: AwsCredentials;
const allowAll = { Version: "1", Statement: [{ Effect: "Allow", Action: ["s3vectors:*", "oss:*"], Resource: "*" }] };

before(async () => {
  s = await startS3vServer();
  bucket = uniqueName("auth");
  await s.s3.send(new CreateVectorBucketCommand({ vectorBucketName: bucket }));
  await s.s3.send(new CreateIndexCommand({ vectorBucketName: bucket, indexName: "idx", dataType: "float32", dimension: 2, distanceMetric: "euclidean" }));
  await s.s3.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName: "idx", vectors: [{ key: "k", data: { float32: [1, 2] } }] }));
  const created = await s.newUser(allowAll);
  user = created;
  temporary = toAws(await s.admin.issueTemporaryCredentials(created.userName));
});
after(async () => { await s.stop(); });

const read = () => new GetVectorsCommand({ vectorBucketName: bucket, indexName: "idx", keys: ["k"] });
const readBody = () => ({ vectorBucketName: bucket, indexName: "idx", keys: ["k"] });
const HOUR = 3_600_000;

describe("credentials that work", () => {
  test("root, RAM user and temporary (with session token) keys are AWS credentials", async () => {
    for (const credentials of [s.root, user, temporary]) {
      const got = await s.clientFor(credentials).send(read());
      assert.deepEqual(got.vectors, [{ key: "k" }]);
    }
  });

  test("a region other than the default is accepted when the server is started with it", async () => {
    const other = await startS3vServer({ awsRegion: "eu-west-3" });
    try {
      const client = other.clientFor(other.root, { region: "eu-west-3" });
      const { vectorBucketArn } = await client.send(new CreateVectorBucketCommand({ vectorBucketName: "regional" }));
      assert.match(vectorBucketArn!, /^arn:aws:s3vectors:eu-west-3:\d{12}:bucket\/regional$/);
      await expectS3Error(other.clientFor(other.root, { region: AWS_REGION }).send(new ListVectorBucketsCommand({})), 403, "InvalidSignatureException");
    } finally {
      await other.stop();
    }
  });
});

describe("JS SDK auth failures", () => {
  test("a wrong secret is 403 InvalidSignatureException", async () => {
    const error = await expectS3Error(s.clientFor({ ...s.root, secretAccessKey: `${s.root.secretAccessKey}x` }).send(read()), 403, "InvalidSignatureException");
    assert.equal(error.$fault, "client");
  });

  test("an unknown access key is 403 UnrecognizedClientException", async () => {
    await expectS3Error(s.clientFor({ accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" }).send(read()), 403, "UnrecognizedClientException");
  });

  test("a forged or missing session token is 403 UnrecognizedClientException", async () => {
    await expectS3Error(s.clientFor({ ...temporary, sessionToken: "forged" }).send(read()), 403, "UnrecognizedClientException");
    const { sessionToken: _, ...withoutToken } = temporary;
    await expectS3Error(s.clientFor(withoutToken).send(read()), 403, "UnrecognizedClientException");
  });

  test("another region in the credential scope is 403 InvalidSignatureException", async () => {
    await expectS3Error(s.clientFor(s.root, { region: "us-west-2" }).send(read()), 403, "InvalidSignatureException");
  });

  test("a deleted RAM user's key is 403 UnrecognizedClientException", async () => {
    const gone = await s.newUser(allowAll);
    await s.clientFor(gone).send(read());
    await s.admin.deleteUser(gone.userName);
    await expectS3Error(s.clientFor(gone).send(read()), 403, "UnrecognizedClientException");
  });

  test("a clock an hour off: 403 InvalidSignatureException; the JS SDK corrects its clock from Date, and retries 'Signature expired'", async () => {
    // With retries off the first answer stands; the SDK has already read the server's Date header and
    // moved its clock offset (its clockSkewCorrected flag is not kept in the $metadata it throws with).
    const once = s.clientFor(s.root, { systemClockOffset: -HOUR });
    const error = await expectS3Error(once.send(read()), 403, "InvalidSignatureException");
    assert.match(error.message, /Signature expired/);
    assert.ok(Math.abs(once.config.systemClockOffset) < 60_000, `offset corrected to ${once.config.systemClockOffset} ms`);
    assert.deepEqual((await once.send(read())).vectors, [{ key: "k" }], "the next call signs with the corrected clock");
    // With retries on, the SDK treats the message "Signature expired" as transient: attempt 2 succeeds.
    const retrying = s.clientFor(s.root, { systemClockOffset: -HOUR, maxAttempts: 3 });
    const got = await retrying.send(read());
    assert.deepEqual(got.vectors, [{ key: "k" }]);
    assert.equal(got.$metadata.attempts, 2, "refused once, corrected, accepted");
    // A clock an hour fast gets "Signature not yet current", which the SDK does not retry (its skew flag
    // needs the corrected offset itself to exceed 4 minutes, and this machine's clock is right); the
    // offset is still corrected, so the next call goes through.
    const fast = s.clientFor(s.root, { systemClockOffset: HOUR, maxAttempts: 3 });
    const refused = await expectS3Error(fast.send(read()), 403, "InvalidSignatureException");
    assert.match(refused.message, /^Signature not yet current/);
    assert.equal(refused.$metadata.attempts, 1);
    assert.deepEqual((await fast.send(read())).vectors, [{ key: "k" }]);
  });

  test("a refused write writes nothing", async () => {
    const bad = s.clientFor({ ...s.root, secretAccessKey: "wrong" });
    await expectS3Error(bad.send(new PutVectorsCommand({ vectorBucketName: bucket, indexName: "idx", vectors: [{ key: "intruder", data: { float32: [0, 0] } }] })), 403, "InvalidSignatureException");
    await expectS3Error(s.clientFor(s.root, { systemClockOffset: -HOUR }).send(new CreateVectorBucketCommand({ vectorBucketName: uniqueName("never") })), 403, "InvalidSignatureException");
    assert.deepEqual((await s.s3.send(new GetVectorsCommand({ vectorBucketName: bucket, indexName: "idx", keys: ["intruder"] }))).vectors, []);
  });
});

describe("raw requests signed by the SDK's signer", () => {
  const raw = (overrides: Partial<Parameters<typeof sendS3>[0]>) =>
    sendS3({ endpoint: s.endpoint, credentials: s.root, operation: "GetVectors", body: readBody(), ...overrides });

  test("the signed request itself is accepted", async () => {
    const res = await raw({});
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { vectors: [{ key: "k" }] });
  });

  test("no Authorization is 403 MissingAuthenticationTokenException", async () => {
    assertS3Error(await raw({ credentials: null }), 403, "MissingAuthenticationTokenException");
  });

  test("a malformed Authorization is 400 IncompleteSignatureException", async () => {
    for (const authorization of [
      "AWS4-HMAC-SHA256 garbage",
      "AWS4-HMAC-SHA256 Credential=AKID/20250101/us-east-1/s3vectors/aws4_request, Signature=abc",
      "AWS4-HMAC-SHA256 Credential=AKID, SignedHeaders=host, Signature=00",
    ]) {
      assertS3Error(await raw({ credentials: null, headers: { authorization, "x-amz-date": "20250101T000000Z" } }), 400, "IncompleteSignatureException");
    }
  });

  test("a signature for another service is 403 InvalidSignatureException", async () => {
    assertS3Error(await raw({ service: "s3" }), 403, "InvalidSignatureException");
  });

  test("a signing date a day old is 'Signature expired', an hour ahead 'Signature not yet current' (403 InvalidSignatureException)", async () => {
    for (const [offset, message] of [[-24 * HOUR, /^Signature expired/], [HOUR, /^Signature not yet current/]] as const) {
      const res = await raw({ signingDate: new Date(Date.now() + offset) });
      assertS3Error(res, 403, "InvalidSignatureException");
      assert.match(res.body.message, message);
      assert.ok(res.headers["date"], "the Date header lets clients correct their clocks");
    }
  });

  test("a body changed after signing is refused, with and without x-amz-content-sha256", async () => {
    const tamper = (_headers: Record<string, string>, body: Buffer) => Buffer.from(body.toString().replace('"k"', '"z"'));
    const withHash = await raw({ afterSigning: tamper });
    assert.ok(withHash.status === 400 || withHash.status === 403, `${withHash.status} ${withHash.text}`);
    // botocore sends no x-amz-content-sha256: the server hashes the body it got, and the signature no longer matches.
    const withoutHash = await raw({
      afterSigning: (headers, body) => {
        for (const name of Object.keys(headers)) if (name.toLowerCase() === "x-amz-content-sha256") delete headers[name];
        return tamper(headers, body);
      },
    });
    assertS3Error(withoutHash, 403, "InvalidSignatureException");
  });

  test("a signed header changed after signing is 403 InvalidSignatureException", async () => {
    const nextSecond = (date: string) => date.replace(/(\d)Z$/, (_, d: string) => `${(Number(d) + 1) % 10}Z`);
    assertS3Error(await raw({ afterSigning: (headers, body) => { headers["x-amz-date"] = nextSecond(headers["x-amz-date"]!); return body; } }), 403, "InvalidSignatureException");
    assertS3Error(await raw({ afterSigning: (headers, body) => { headers["host"] = headers["host"]!.replace("127.0.0.1", "localhost"); return body; } }), 403, "InvalidSignatureException");
  });
});

describe("boto3 auth failures", { skip: BOTO3_MISSING }, () => {
  test("each failure arrives as ClientError with the AWS code and status", async () => {
    const params = readBody();
    const results = await runBoto3(s.endpoint, AWS_REGION, s.root, [
      { op: "GetVectors", params },
      { op: "GetVectors", params, credentials: temporary },
      { op: "GetVectors", params, credentials: { ...s.root, secretAccessKey: "wrong" } },
      { op: "GetVectors", params, credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: "x" } },
      { op: "GetVectors", params, credentials: { ...temporary, sessionToken: "forged" } },
      { op: "GetVectors", params, region: "ap-south-1" },
      { op: "GetVectors", params, signingDate: "2020-01-01T00:00:00Z" },
    ]);
    assert.deepEqual(ok(results[0], "root").vectors, [{ key: "k" }]);
    assert.deepEqual(ok(results[1], "temporary").vectors, [{ key: "k" }]);
    clientError(results[2], 403, "InvalidSignatureException", "wrong secret");
    clientError(results[3], 403, "UnrecognizedClientException", "unknown key");
    clientError(results[4], 403, "UnrecognizedClientException", "forged token");
    clientError(results[5], 403, "InvalidSignatureException", "other region");
    assert.match(clientError(results[6], 403, "InvalidSignatureException", "2020 clock"), /Signature expired/);
  });
});
