// Who is calling: requests signed the way the SDK signs them (OSS4-HMAC-SHA256 from @ossv/protocol,
// in the Authorization header or presigned in the query) run through the pipeline in process, and
// each way a signature can be wrong is refused with OSS's error code and status.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { Credentials } from "@ossv/protocol";
import { startInProcess, type InProcessResponse, type InProcessServer, type SignedRequestSpec } from "./testing/in-process.ts";

const NOW = Date.parse("2025-05-01T12:00:00Z");
const minutes = (n: number) => new Date(NOW + n * 60_000);
const BUCKET = "signed";

let server: InProcessServer;
const getBucket = (extra: Partial<SignedRequestSpec> = {}): SignedRequestSpec =>
  ({ method: "GET", bucket: BUCKET, query: "bucketInfo", credentials: server.root, ...extra });

function refused(res: InProcessResponse, status: number, code: string): void {
  assert.deepEqual([res.status, res.errorCode], [status, code], res.text);
}

before(async () => {
  server = await startInProcess({ now: () => NOW });
  const made = await server.send({ method: "PUT", bucket: BUCKET, credentials: server.root });
  assert.equal(made.status, 200, made.text);
});
after(() => server.close());

describe("accepted", () => {
  test("a header signature, path style and virtual-hosted", async () => {
    for (const style of ["path", "virtual"] as const) {
      const res = await server.send(getBucket({ style }));
      assert.equal(res.status, 200, `${style}: ${res.text}`);
    }
  });

  test("a presigned URL, within its expiry even when older than the allowed clock skew", async () => {
    assert.equal((await server.send(getBucket({ presign: { expiresSeconds: 900 } }))).status, 200);
    const old = await server.send(getBucket({ time: minutes(-30), presign: { expiresSeconds: 3600 } }));
    assert.equal(old.status, 200, old.text);
  });

  test("a request signed within the skew allowance (14 minutes either way)", async () => {
    assert.equal((await server.send(getBucket({ time: minutes(-14) }))).status, 200);
    assert.equal((await server.send(getBucket({ time: minutes(14) }))).status, 200);
  });
});

describe("refused", () => {
  test("the wrong secret: 403 SignatureDoesNotMatch, with the string the server signed", async () => {
    const res = await server.send(getBucket({ credentials: { ...server.root, accessKeySecret: "not-the-secret" } }));
    refused(res, 403, "SignatureDoesNotMatch");
    const body = res.json() as { Error: { StringToSign: string; CanonicalRequest: string } };
    assert.match(body.Error.StringToSign, /^OSS4-HMAC-SHA256\n20250501T120000Z\n20250501\/cn-hangzhou\/oss\/aliyun_v4_request\n/);
    // The canonical URI is the bucket's ARN, whichever style addressed it.
    assert.ok(body.Error.CanonicalRequest.startsWith(`GET\n/acs%3Aossvector%3Acn-hangzhou%3A${server.accountId}%3Asigned/\nbucketInfo\n`));
  });

  test("a request changed after signing: 403 SignatureDoesNotMatch", async () => {
    const req = server.build(getBucket());
    refused(await server.request({ ...req, target: "/signed/?policy" }), 403, "SignatureDoesNotMatch");
  });

  test("an access key id nobody has: 403 InvalidAccessKeyId", async () => {
    refused(await server.send(getBucket({ credentials: { accessKeyId: "LTAInobody", accessKeySecret: "x" } })), 403, "InvalidAccessKeyId");
  });

  test("a disabled key: 403 InvalidAccessKeyId", async () => {
    const user = await server.addUser("disabled-user");
    const record = server.engine.catalog.getAccessKey(user.accessKeyId)!;
    await server.engine.catalog.putAccessKey({ ...record, status: "disabled" });
    refused(await server.send(getBucket({ credentials: user })), 403, "InvalidAccessKeyId");
  });

  test("signed for another region: 400 InvalidArgument", async () => {
    refused(await server.send(getBucket({ region: "cn-beijing" })), 400, "InvalidArgument");
  });

  test("x-oss-date of another day than the credential scope: 400 InvalidArgument", async () => {
    const req = server.build(getBucket());
    const headers = req.headers.map(([name, value]): [string, string] => [name, name === "x-oss-date" ? "20250502T120000Z" : value]);
    refused(await server.request({ ...req, headers }), 400, "InvalidArgument");
  });

  test("a clock skewed by more than 15 minutes, either way: 403 RequestTimeTooSkewed with both times", async () => {
    for (const offset of [-16, 16]) {
      const res = await server.send(getBucket({ time: minutes(offset) }));
      refused(res, 403, "RequestTimeTooSkewed");
      const body = res.json() as { Error: { RequestTime: string; ServerTime: string } };
      assert.deepEqual([body.Error.RequestTime, body.Error.ServerTime], [minutes(offset).toISOString(), new Date(NOW).toISOString()]);
    }
  });

  test("an expired presigned URL: 403 AccessDenied; one dated in the future past the skew: RequestTimeTooSkewed", async () => {
    refused(await server.send(getBucket({ time: minutes(-16), presign: { expiresSeconds: 900 } })), 403, "AccessDenied");
    refused(await server.send(getBucket({ time: minutes(16), presign: { expiresSeconds: 900 } })), 403, "RequestTimeTooSkewed");
  });

  test("a presigned URL without x-oss-expires: 400 InvalidArgument", async () => {
    const req = server.build(getBucket({ presign: { expiresSeconds: 900 } }));
    refused(await server.request({ ...req, target: req.target.replace(/&x-oss-expires=900/, "") }), 400, "InvalidArgument");
  });

  test("a signed request without x-oss-date: 403 AccessDenied", async () => {
    const req = server.build(getBucket());
    refused(await server.request({ ...req, headers: req.headers.filter(([name]) => name !== "x-oss-date") }), 403, "AccessDenied");
  });

  test("an Authorization header of another scheme: 400 InvalidArgument", async () => {
    const req = server.build(getBucket());
    const headers = req.headers.map(([name, value]): [string, string] => [name, name === "authorization" ? "OSS LTAIabc:c2lnbmF0dXJl" : value]);
    refused(await server.request({ ...req, headers }), 400, "InvalidArgument");
  });

  test("two Authorization headers, even the same one twice: 400 InvalidArgument", async () => {
    const req = server.build(getBucket());
    const authorization = req.headers.find(([name]) => name === "authorization")!;
    refused(await server.request({ ...req, headers: [...req.headers, authorization] }), 400, "InvalidArgument");
  });

  test("no signature at all is anonymous, and anonymous callers get one uniform 403 AccessDenied", async () => {
    const existing = await server.send(getBucket({ credentials: null }));
    const missing = await server.send(getBucket({ credentials: null, bucket: "no-such-bucket" }));
    refused(existing, 403, "AccessDenied");
    refused(missing, 403, "AccessDenied");
    const message = (res: InProcessResponse) => (res.json() as { Error: { Message: string } }).Error.Message;
    assert.equal(message(existing), message(missing));
  });
});

describe("temporary credentials", () => {
  const temporary = { accessKeyId: "STS.temporary", accessKeySecret: "temporary-secret", securityToken: "token-1" };
  const expired = { accessKeyId: "STS.expired", accessKeySecret: "expired-secret", securityToken: "token-0" };
  const issue = (credentials: Required<Credentials>, expiresAt: Date) => server.engine.catalog.putAccessKey({
    accessKeyId: credentials.accessKeyId, accessKeySecret: server.secrets.seal(credentials.accessKeySecret),
    accountId: server.accountId, userName: "session-user", status: "active", createdAt: new Date(NOW).toISOString(),
    securityToken: credentials.securityToken, expiresAt: expiresAt.toISOString(),
  });
  before(async () => {
    await server.addUser("session-user", { all: { Version: "1", Statement: [{ Effect: "Allow", Action: "oss:*", Resource: "*" }] } });
    await issue(temporary, minutes(60));
    await issue(expired, minutes(-1));
  });

  test("are accepted with their x-oss-security-token, in the header or presigned", async () => {
    assert.equal((await server.send(getBucket({ credentials: temporary }))).status, 200);
    assert.equal((await server.send(getBucket({ credentials: temporary, presign: { expiresSeconds: 60 } }))).status, 200);
  });

  test("are refused with another token or none: 403 InvalidSecurityToken", async () => {
    refused(await server.send(getBucket({ credentials: { ...temporary, securityToken: "token-2" } })), 403, "InvalidSecurityToken");
    const { securityToken: _, ...withoutToken } = temporary;
    refused(await server.send(getBucket({ credentials: withoutToken })), 403, "InvalidSecurityToken");
  });

  test("past their expiry: 403 SecurityTokenExpired", async () => {
    refused(await server.send(getBucket({ credentials: expired })), 403, "SecurityTokenExpired");
  });

  test("a token sent with a long-term key: 403 InvalidSecurityToken", async () => {
    refused(await server.send(getBucket({ credentials: { ...server.root, securityToken: "token-1" } })), 403, "InvalidSecurityToken");
  });
});
