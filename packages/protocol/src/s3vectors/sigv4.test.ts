// SigV4 as both S3 Vectors SDKs sign: the two worked examples (a botocore QueryVectors with no payload
// hash header, a JS SDK ListTagsForResource with a double-encoded ARN path) must come out exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import {
  awsAuthorization, awsCanonicalPath, awsCanonicalQuery, awsCanonicalRequest, awsCredentialScope, awsSignature,
  awsSigningKey, awsStringToSign, EMPTY_SHA256, parseAwsAuthorization,
} from "./sigv4.ts";

const SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const AMZ_DATE = "20250715T120000Z";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

test("worked example A: botocore signs QueryVectors without x-amz-content-sha256", () => {
  const body = '{"vectorBucketName": "media-embeddings", "indexName": "movies", "topK": 3, "queryVector": {"float32": [0.1, 0.2, 0.3]}, "filter": {"genre": "drama"}, "returnDistance": true}';
  assert.equal(Buffer.byteLength(body), 173);
  const headers = { "content-type": "application/json", host: "s3vectors.us-east-1.api.aws", "x-amz-date": AMZ_DATE };
  const canonical = awsCanonicalRequest({
    method: "POST", rawPath: "/QueryVectors", rawQuery: "", headers, signedHeaders: ["content-type", "host", "x-amz-date"], payloadHash: sha256(body),
  });
  assert.equal(canonical, [
    "POST", "/QueryVectors", "",
    "content-type:application/json", "host:s3vectors.us-east-1.api.aws", "x-amz-date:20250715T120000Z", "",
    "content-type;host;x-amz-date", "c17938fa3a5547ba71c2ad4540e890fb28c96cb15602a2665a388a6140009369",
  ].join("\n"));
  assert.equal(sha256(canonical), "5a08f51fd8ce32e42b0d5c44f6768dca02edfbe1e2faeae25d383d7d735f7414");
  const signature = awsSignature(awsSigningKey(SECRET, "20250715", "us-east-1"), awsStringToSign(AMZ_DATE, awsCredentialScope("20250715", "us-east-1"), canonical));
  assert.equal(signature, "65ded5255b151f21c5e6b2af80ab10796c352d28efc3b9e4de98c82752469e31");
  const header = awsAuthorization({ method: "POST", rawPath: "/QueryVectors", rawQuery: "", headers, accessKeyId: "AKIDEXAMPLE", secret: SECRET, region: "us-east-1", amzDate: AMZ_DATE, payloadHash: sha256(body) });
  assert.equal(header, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20250715/us-east-1/s3vectors/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=65ded5255b151f21c5e6b2af80ab10796c352d28efc3b9e4de98c82752469e31");
});

test("worked example B: the JS SDK's tag path is encoded twice in the canonical request", () => {
  const rawPath = "/tags/arn%3Aaws%3As3vectors%3Aus-east-1%3A111122223333%3Abucket%2Fmedia-embeddings";
  assert.equal(awsCanonicalPath(rawPath), "/tags/arn%253Aaws%253As3vectors%253Aus-east-1%253A111122223333%253Abucket%252Fmedia-embeddings");
  const headers = {
    "amz-sdk-invocation-id": "48c0c267-53bd-4b13-ac65-1d8462b61724", "amz-sdk-request": "attempt=1; max=1",
    host: "s3vectors.us-east-1.api.aws", "x-amz-content-sha256": EMPTY_SHA256, "x-amz-date": AMZ_DATE, "x-amz-user-agent": "aws-sdk-js/3.1136.0",
    "user-agent": "never signed",
  };
  const signedHeaders = ["amz-sdk-invocation-id", "amz-sdk-request", "host", "x-amz-content-sha256", "x-amz-date", "x-amz-user-agent"];
  const canonical = awsCanonicalRequest({ method: "GET", rawPath, rawQuery: "", headers, signedHeaders, payloadHash: EMPTY_SHA256 });
  const signature = awsSignature(awsSigningKey(SECRET, "20250715", "us-east-1"), awsStringToSign(AMZ_DATE, awsCredentialScope("20250715", "us-east-1"), canonical));
  assert.equal(signature, "73e8a5045b9353b4bfcc65cb3aca4915831d3e0eb4b4a93f2c6b0e1920cf8c99");
});

test("UntagResource's repeated tagKeys sort by value and encode spaces as %20", () => {
  assert.equal(awsCanonicalQuery("tagKeys=team&tagKeys=cost%20center"), "tagKeys=cost%20center&tagKeys=team");
  assert.equal(awsCanonicalQuery("b=2&a&a=1"), "a=&a=1&b=2");
  assert.equal(awsCanonicalQuery(""), "");
});

test("canonical paths drop empty and dot segments and resolve ..", () => {
  assert.equal(awsCanonicalPath("/"), "/");
  assert.equal(awsCanonicalPath("//a/./b/../c/"), "/a/c/");
  assert.equal(awsCanonicalPath("/a b"), "/a%20b");
});

test("Authorization headers parse with any spacing; anything else is refused", () => {
  const parsed = parseAwsAuthorization("AWS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors/aws4_request,SignedHeaders=Host;x-amz-date,  Signature=" + "A".repeat(64));
  assert.deepEqual(parsed, {
    accessKeyId: "AK", day: "20250715", region: "us-east-1", service: "s3vectors", terminator: "aws4_request",
    signedHeaders: ["host", "x-amz-date"], signature: "a".repeat(64),
  });
  for (const bad of [
    "", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors, SignedHeaders=host, Signature=" + "a".repeat(64),
    "AWS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors/aws4_request, SignedHeaders=host, Signature=xyz",
    "AWS4-HMAC-SHA256 Credential=AK/2025071/us-east-1/s3vectors/aws4_request, SignedHeaders=host, Signature=" + "a".repeat(64),
    "AWS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors/aws4_request, Signature=" + "a".repeat(64),
    "AWS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors/aws4_request, SignedHeaders=host, Signature=" + "a".repeat(64) + ", Extra=1",
    "OSS4-HMAC-SHA256 Credential=AK/20250715/us-east-1/s3vectors/aws4_request, SignedHeaders=host, Signature=" + "a".repeat(64),
  ]) assert.equal(parseAwsAuthorization(bad), undefined, bad);
});

function seedFromEnv(label: string): number {
  const seed = process.env["OSSV_SEED"] !== undefined ? Number(process.env["OSSV_SEED"]) : Math.floor(Math.random() * 0x7fffffff);
  console.log(`# ${label}: seed ${seed} (replay with OSSV_SEED=${seed})`);
  return seed;
}

test("any query string canonicalises to sorted, fully encoded pairs that decode to what was sent (seeded property)", () => {
  const pairs = fc.array(fc.tuple(fc.string({ unit: "grapheme" }), fc.string({ unit: "grapheme" })), { maxLength: 6 });
  fc.assert(fc.property(pairs, (given) => {
    const raw = given.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
    const canonical = awsCanonicalQuery(raw);
    const items = given.length === 0 ? [] : canonical.split("&");
    assert.equal(items.length, given.length);
    const split = items.map((item) => item.split("=") as [string, string]);
    for (const [name, value] of split) {
      assert.match(name, /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
      assert.match(value, /^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
    }
    for (let i = 1; i < split.length; i++) {
      const [a, b] = [split[i - 1]!, split[i]!];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), `${a.join("=")} before ${b.join("=")}`);
    }
    const decoded = split.map(([k, v]) => `${decodeURIComponent(k)}\u0000${decodeURIComponent(v)}`).sort();
    assert.deepEqual(decoded, given.map(([k, v]) => `${k}\u0000${v}`).sort());
  }), { seed: seedFromEnv("canonical query"), numRuns: 500 });
});
