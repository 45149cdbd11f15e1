import { test } from "node:test";
import assert from "node:assert/strict";
import { evaluatePolicy, resourceArns, wildcardMatch, wildcardMatchesSomeExtension, type AccessQuery } from "./policy-eval.ts";
import { parsePolicy } from "./policy.ts";
import { ipInCidr, parseIp } from "./ip-address.ts";

const facts = { sourceIp: "192.168.1.7", secureTransport: true, currentTime: new Date("2026-01-01T00:00:00Z"), userAgent: "sdk/1" };
const query = (action: string, resources: string[], principalIds?: string[]): AccessQuery =>
  ({ action, resources, facts, ...(principalIds ? { principalIds } : {}) });
const doc = (statements: object[], bucketPolicy = false) => parsePolicy(JSON.stringify({ Version: "1", Statement: statements }), { bucketPolicy });

test("wildcardMatch() treats * and ? as wildcards and everything else literally", () => {
  assert.ok(wildcardMatch("oss:*Vectors", "oss:PutVectors"));
  assert.ok(wildcardMatch("a?c", "abc"));
  assert.ok(!wildcardMatch("a?c", "abbc"));
  assert.ok(!wildcardMatch("a.c", "abc"));
  assert.ok(wildcardMatch("x(y)*", "x(y)z"));
});

test("evaluatePolicy() returns deny over allow over none", () => {
  const q = query("oss:GetVectors", ["acs:ossvector:r:1:bucket/b/index/i"]);
  assert.equal(evaluatePolicy(doc([{ Effect: "Allow", Action: "oss:GetVectors", Resource: "*" }]), q), "allow");
  assert.equal(evaluatePolicy(doc([{ Effect: "Allow", Action: "oss:PutVectors", Resource: "*" }]), q), "none");
  assert.equal(evaluatePolicy(doc([
    { Effect: "Allow", Action: "oss:*", Resource: "*" }, { Effect: "Deny", Action: "OSS:getvectors", Resource: "*" },
  ]), q), "deny");
});

test("bucket-policy principals match ids or *, and [] means everyone", () => {
  const grant = (principal: unknown) => doc([{ Effect: "Allow", Action: "oss:*", Resource: "*", Principal: principal }], true);
  const q = (ids: string[]) => query("oss:GetVectors", ["x"], ids);
  assert.equal(evaluatePolicy(grant(["42"]), q(["42"])), "allow");
  assert.equal(evaluatePolicy(grant(["42"]), q(["43"])), "none");
  assert.equal(evaluatePolicy(grant("*"), q([])), "allow");
  assert.equal(evaluatePolicy(grant([]), q([])), "allow");
});

test("conditions are ANDed across keys and ORed across values", () => {
  const withCondition = (condition: object) => doc([{ Effect: "Allow", Action: "*", Resource: "*", Condition: condition }]);
  const q = query("oss:GetVectors", ["x"]);
  assert.equal(evaluatePolicy(withCondition({ IpAddress: { "acs:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"] } }), q), "allow");
  assert.equal(evaluatePolicy(withCondition({ IpAddress: { "acs:SourceIp": "192.168.0.0/16" }, Bool: { "acs:SecureTransport": "false" } }), q), "none");
  assert.equal(evaluatePolicy(withCondition({ DateLessThanEquals: { "acs:CurrentTime": "2026-01-01T00:00:00Z" } }), q), "allow");
  assert.equal(evaluatePolicy(withCondition({ StringEqualsIgnoreCase: { "acs:UserAgent": "SDK/1" } }), q), "allow");
  assert.equal(evaluatePolicy(withCondition({ StringEquals: { "acs:Unknown": "x" } }), q), "none");
});

test("resourceArns() names a vector request by its index and the index's data", () => {
  assert.deepEqual(resourceArns({ region: "r", accountId: "1", bucket: "b", indexName: "i", vectors: true }), [
    "acs:ossvector:r:1:bucket/b/index/i", "acs:ossvector:r:1:b/index/i",
    "acs:ossvector:r:1:bucket/b/index/i/*", "acs:ossvector:r:1:b/index/i/*",
  ]);
  assert.deepEqual(resourceArns({ region: "r", accountId: "1" }), ["acs:ossvector:r:1:*"]);
});

test("ipInCidr() handles IPv4, IPv6 and IPv4-mapped IPv6", () => {
  assert.ok(ipInCidr("127.0.0.1", "127.0.0.0/8"));
  assert.ok(ipInCidr("::ffff:127.0.0.1", "127.0.0.0/8"));
  assert.ok(!ipInCidr("128.0.0.1", "127.0.0.0/8"));
  assert.ok(ipInCidr("::1", "::1/128"));
  assert.ok(ipInCidr("2001:db8::5", "2001:db8::/32"));
  assert.ok(!ipInCidr("2001:db9::5", "2001:db8::/32"));
  assert.ok(ipInCidr("10.1.2.3", "10.1.2.3"));
  assert.ok(ipInCidr("8.8.8.8", "0.0.0.0/0"));
  assert.equal(parseIp("300.1.1.1"), undefined);
  assert.equal(parseIp("1::2::3"), undefined);
});

test("parsePolicy() refuses malformed documents with MalformedPolicy", () => {
  const bad = ['{"Version":"2","Statement":[]}', '{"Version":"1"}', '{"Version":"1","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}',
    '{"Version":"1","Statement":[{"Effect":"Allow","Action":"*"}]}', "[]", "nope"];
  for (const text of bad) assert.throws(() => parsePolicy(text, { bucketPolicy: false }), /MalformedPolicy|malformed/);
  assert.throws(() => parsePolicy('{"Version":"1","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}', { bucketPolicy: true }), /Principal/);
});

test("wildcardMatchesSomeExtension: could the pattern match the prefix followed by some string?", () => {
  const prefix = "acs:ossvector:cn-hangzhou:1:bucket/b/index/";
  const could = [`${prefix}docs`, `${prefix}*`, "acs:ossvector:*", "*", `${prefix}d?cs/*`, "acs:ossvector:cn-hangzhou:1:bucket/b*", prefix];
  const never = ["acs:ossvector:cn-hangzhou:1:bucket/other/index/*", "acs:ossvector:cn-hangzhou:2:*", "acs:ossvector:cn-hangzhou:1:bucket/b", "x*"];
  for (const pattern of could) assert.ok(wildcardMatchesSomeExtension(pattern, prefix), pattern);
  for (const pattern of never) assert.ok(!wildcardMatchesSomeExtension(pattern, prefix), pattern);
});
