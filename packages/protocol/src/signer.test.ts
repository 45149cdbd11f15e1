import { test } from "node:test";
import assert from "node:assert/strict";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils";
import { sha256 } from "@noble/hashes/sha2";
import {
  canonicalQuery, canonicalRequest, canonicalUri, formatAmzDate, parseAuthorization, parseOssDate, presignQuery,
  signatureFor, signingKey, signRequest, uriEncode, type HeaderMap, type SigningTarget,
} from "./signer.ts";
import { contentMd5 } from "./digest.ts";

// The golden vectors of docs/protocol.md#test-vectors: ak "ak", sk "sk", 2023-12-16T16:20:57Z, region
// cn-hangzhou.
const TIME = new Date(1702743657 * 1000);
const CREDS = { accessKeyId: "ak", accessKeySecret: "sk" };
const OSS_DATE = "20231216T162057Z";
const hashOf = (text: string) => bytesToHex(sha256(utf8ToBytes(text)));

test("signingKey() derives the golden kSigning", () => {
  assert.equal(bytesToHex(signingKey("sk", "20231216", "cn-hangzhou")),
    "b412a03b134ebddd720f5167b5de6db66620ebb3b01cff4d49e3ccb09f8de97f");
});

test("signingKey() remembers keys per secret, day and region, and stays right past its memory", () => {
  const golden = "b412a03b134ebddd720f5167b5de6db66620ebb3b01cff4d49e3ccb09f8de97f";
  assert.equal(bytesToHex(signingKey("sk", "20231216", "cn-hangzhou")), golden);
  assert.notEqual(bytesToHex(signingKey("sk2", "20231216", "cn-hangzhou")), golden);
  assert.notEqual(bytesToHex(signingKey("sk", "20231217", "cn-hangzhou")), golden);
  assert.notEqual(bytesToHex(signingKey("sk", "20231216", "cn-beijing")), golden);
  // A secret that makes the same joined text with another day or region must not share its key.
  assert.notEqual(bytesToHex(signingKey("cn-hangzhou/sk", "20231216", "x")), bytesToHex(signingKey("sk", "20231216", "x/cn-hangzhou")));
  for (let i = 0; i < 600; i++) signingKey(`secret-${i}`, "20231216", "cn-hangzhou");
  assert.equal(bytesToHex(signingKey("sk", "20231216", "cn-hangzhou")), golden);
});

const PUT_VECTORS_BODY = '{"indexName":"index1","vectors":[{"data":{"float32":[0.1,0.2,0.3]},"key":"doc-1","metadata":{"genre":"drama"}}]}';
const exampleB: SigningTarget = {
  method: "POST", region: "cn-hangzhou", accountId: "1234567890123456", bucket: "examplebucket", rawQuery: "putVectors",
};

test("example B (PutVectors, header auth) signs to the golden Authorization", () => {
  assert.equal(utf8ToBytes(PUT_VECTORS_BODY).length, 112);
  const headers: HeaderMap = { "content-type": "application/json", "content-md5": contentMd5(utf8ToBytes(PUT_VECTORS_BODY)) };
  assert.equal(headers["content-md5"], "Gwlq5A2nxvZ9HZKPX3jZag==");
  signRequest(exampleB, headers, { credentials: CREDS, time: TIME });
  assert.equal(headers["x-oss-date"], OSS_DATE);
  assert.equal(headers["date"], "Sat, 16 Dec 2023 16:20:57 GMT");
  const canonical = canonicalRequest(exampleB, headers, []);
  assert.equal(canonical, [
    "POST", "/acs%3Aossvector%3Acn-hangzhou%3A1234567890123456%3Aexamplebucket/", "putVectors",
    "content-md5:Gwlq5A2nxvZ9HZKPX3jZag==", "content-type:application/json",
    "x-oss-content-sha256:UNSIGNED-PAYLOAD", "x-oss-date:20231216T162057Z", "", "", "UNSIGNED-PAYLOAD",
  ].join("\n"));
  assert.equal(hashOf(canonical), "cbee347b5fa17f34f6384a4be246ec47499c74cbcb8048d9071bbadd7cf7daaa");
  assert.equal(headers["authorization"],
    "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,Signature=ef2c0b7d50175d5bb3e7d3edde96d1f7674e3b7235d829bf04e2f16d74e6bc68");
});

test("example B verifies from its golden Authorization, and `putVectors=` canonicalises the same", () => {
  const auth = "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request, Signature=ef2c0b7d50175d5bb3e7d3edde96d1f7674e3b7235d829bf04e2f16d74e6bc68";
  const parsed = parseAuthorization(auth);
  assert.ok(parsed);
  assert.deepEqual([parsed.accessKeyId, parsed.day, parsed.region, parsed.product], ["ak", "20231216", "cn-hangzhou", "oss"]);
  const headers: HeaderMap = {
    "content-type": "application/json", "content-md5": "Gwlq5A2nxvZ9HZKPX3jZag==",
    "x-oss-date": OSS_DATE, "x-oss-content-sha256": "UNSIGNED-PAYLOAD", "host": "ignored", "user-agent": "ignored",
  };
  const target = { ...exampleB, rawQuery: "putVectors=" };
  assert.equal(signatureFor(target, headers, parsed.additionalHeaders, OSS_DATE, "sk"), parsed.signature);
  assert.notEqual(signatureFor(target, headers, [], OSS_DATE, "wrong"), parsed.signature);
});

test("example A (no bucket headers) matches the golden hash and signature", () => {
  const target: SigningTarget = { method: "GET", region: "cn-hangzhou", accountId: "123", bucket: "bucket", rawQuery: "" };
  const headers: HeaderMap = {};
  signRequest(target, headers, { credentials: CREDS, time: TIME });
  assert.equal(canonicalUri(target), "/acs%3Aossvector%3Acn-hangzhou%3A123%3Abucket/");
  assert.equal(hashOf(canonicalRequest(target, headers, [])), "c2be53bda63dc5a0e44df16ca54a1b3d70ca3c1cd628a452b7317c04db074f10");
  assert.match(headers["authorization"]!, /Signature=2f8bdd9a907889d4a690da483fd24d9c0bba75efeb6eec1b1570cac490d91975$/);
});

test("example C (ListVectorBuckets, STS token, query) matches golden values both ways", () => {
  const target: SigningTarget = { method: "GET", region: "cn-hangzhou", rawQuery: "max-keys=10&prefix=my%20bucket" };
  const headers: HeaderMap = { "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==" };
  signRequest(target, headers, { credentials: { ...CREDS, securityToken: "token" }, time: TIME });
  assert.equal(headers["x-oss-security-token"], "token");
  assert.equal(canonicalUri(target), "/acs%3Aossvector%3Acn-hangzhou%3A%3A/");
  assert.equal(hashOf(canonicalRequest(target, headers, [])), "4d5f539f31231c17c036237ed6e2d5b387c7ae94b1f8fcd257b3013520c9afa5");
  const signature = "ab5b1f2fb031192e4514d78cecb21cd0b81a2444e8275b8aceae1c39ec835734";
  assert.equal(parseAuthorization(headers["authorization"]!)?.signature, signature);
  // The same request with the query in another order and `+` for the space verifies too.
  const reordered = { ...target, rawQuery: "prefix=my+bucket&max-keys=10" };
  assert.equal(signatureFor(reordered, headers, [], OSS_DATE, "sk"), signature);
});

test("example D (additional headers) matches the golden Authorization", () => {
  const target: SigningTarget = { ...exampleB, rawQuery: "getVectorIndex" };
  const headers: HeaderMap = {
    "content-type": "application/json", "host": "examplebucket-1234567890123456.cn-hangzhou.oss-vectors.aliyuncs.com", "user-agent": "x",
  };
  signRequest(target, headers, { credentials: CREDS, time: TIME, additionalHeaders: ["User-Agent", "host"] });
  assert.equal(hashOf(canonicalRequest(target, headers, ["host", "user-agent"])), "e42a02b597eb4515e14ff1c1bc28ee7a04f10d522817893a34f2e0ac189f3d51");
  assert.equal(headers["authorization"],
    "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;user-agent,Signature=dab3edbc0fd6314c1b13c43f3ba53285950e5c75a88277f06b17661d0f6f13dc");
  assert.deepEqual(parseAuthorization(headers["authorization"])?.additionalHeaders, ["host", "user-agent"]);
});

test("example E (presigned) matches the golden canonical query and signature", () => {
  const target: SigningTarget = { method: "GET", region: "cn-hangzhou", accountId: "123", bucket: "bucket", key: "key", rawQuery: "" };
  const query = presignQuery(target, {}, { credentials: CREDS, time: TIME, expiresSeconds: 600 });
  const withoutSignature = query.replace(/&x-oss-signature=[0-9a-f]+$/, "");
  assert.equal(canonicalQuery(withoutSignature),
    "x-oss-credential=ak%2F20231216%2Fcn-hangzhou%2Foss%2Faliyun_v4_request&x-oss-date=20231216T162057Z&x-oss-expires=600&x-oss-signature-version=OSS4-HMAC-SHA256");
  assert.equal(canonicalUri(target), "/acs%3Aossvector%3Acn-hangzhou%3A123%3Abucket/key");
  assert.equal(hashOf(canonicalRequest({ ...target, rawQuery: withoutSignature }, {}, [])),
    "bb438949446e04c45915033c83af336bc70481ad2c67a2cbb5e20c47f9175edc");
  assert.match(query, /&x-oss-signature=b704e50059f1785f88c6bfc94ba4b69f4d152e7dad7df05a0244b46ec3f96198$/);
});

test("parseAuthorization() refuses other shapes", () => {
  assert.equal(parseAuthorization("OSS ak:sig"), undefined);
  assert.equal(parseAuthorization("OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss"), undefined);
  assert.equal(parseAuthorization("OSS4-HMAC-SHA256 Signature=abc"), undefined);
});

test("parseOssDate() reads the x-oss-date form and refuses impossible dates", () => {
  assert.equal(parseOssDate(OSS_DATE)?.getTime(), TIME.getTime());
  assert.equal(parseOssDate("20231332T000000Z"), undefined);
  assert.equal(parseOssDate("2023-12-16T16:20:57Z"), undefined);
  for (const bad of ["20231216T246000Z", "20231216T126000Z", "20231216T120060Z", "20230229T000000Z", "00501216T000000Z", "20231200T000000Z"]) {
    assert.equal(parseOssDate(bad), undefined, bad);
  }
  assert.equal(parseOssDate("20240229T235959Z")?.toISOString(), "2024-02-29T23:59:59.000Z");
});

/** RFC 3986 percent-encoding from its definition: the UTF-8 bytes, unreserved ones kept, the rest %XX. */
const UNRESERVED = new Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~");
function referenceUriEncode(value: string, keepSlash: boolean): string {
  return [...Buffer.from(value, "utf8")].map((byte) => {
    const ch = String.fromCharCode(byte);
    if (UNRESERVED.has(ch) || (keepSlash && ch === "/")) return ch;
    return `%${byte < 16 ? "0" : ""}${byte.toString(16).toUpperCase()}`;
  }).join("");
}

test("uriEncode() escapes every byte but the unreserved ones, lone surrogates included", () => {
  const samples = [
    "", "/acs:ossvector:cn-hangzhou:123:bucket/", "a b+c&d=e", "!'()*", "~-._", "é漢😀", "%2F/%", "\ud800x", "x\udfff",
    Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join(""),
  ];
  for (const sample of samples) {
    for (const keepSlash of [false, true]) {
      assert.equal(uriEncode(sample, keepSlash), referenceUriEncode(sample, keepSlash), JSON.stringify(sample));
    }
  }
});

test("formatAmzDate() writes the compact UTC form, and keeps the signed form of years past 9999", () => {
  assert.equal(formatAmzDate(TIME), OSS_DATE);
  assert.equal(formatAmzDate(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678))), "20240102T030405Z");
  assert.equal(formatAmzDate(new Date(Date.UTC(10000, 0, 1))), "+0100000101T000000Z");
});
