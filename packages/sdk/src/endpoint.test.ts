// Endpoint resolution (docs/protocol.md#endpoints-and-addressing) and both URL styles on the wire.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";
import { isIpHost, locate, resolveEndpoint } from "./endpoint.ts";
import { InvalidParamError, ParamRequiredError } from "./errors.ts";
import { loopbackFetch, respondEmpty, signatureVerifies, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";

test("resolveEndpoint() derives public and internal hosts from the region, https by default", () => {
  assert.deepEqual(resolveEndpoint({ region: "cn-hangzhou" }),
    { protocol: "https:", host: "cn-hangzhou.oss-vectors.aliyuncs.com", usePathStyle: false });
  assert.deepEqual(resolveEndpoint({ region: "cn-beijing", useInternalEndpoint: true, disableSsl: true }),
    { protocol: "http:", host: "cn-beijing-internal.oss-vectors.aliyuncs.com", usePathStyle: false });
});

test("resolveEndpoint() lets an explicit endpoint win, with or without a scheme", () => {
  assert.deepEqual(resolveEndpoint({ region: "cn-hangzhou", endpoint: "vectors.example.com:8443", useInternalEndpoint: true }),
    { protocol: "https:", host: "vectors.example.com:8443", usePathStyle: false });
  assert.deepEqual(resolveEndpoint({ region: "cn-hangzhou", endpoint: "http://localhost:9000/" }),
    { protocol: "http:", host: "localhost:9000", usePathStyle: false });
  assert.equal(resolveEndpoint({ region: "r", endpoint: "HTTPS://h", disableSsl: true }).protocol, "https:");
  assert.equal(resolveEndpoint({ region: "r", endpoint: "h", disableSsl: true }).protocol, "http:");
  assert.throws(() => resolveEndpoint({ region: "r", endpoint: "ftp://h" }), InvalidParamError);
});

test("resolveEndpoint() switches to path style for IP hosts or when asked", () => {
  assert.equal(resolveEndpoint({ region: "r", endpoint: "http://127.0.0.1:9000" }).usePathStyle, true);
  assert.equal(resolveEndpoint({ region: "r", endpoint: "[::1]:9000" }).usePathStyle, true);
  assert.equal(resolveEndpoint({ region: "r", endpoint: "oss.example.com", usePathStyle: true }).usePathStyle, true);
  assert.equal(isIpHost("10.0.0.1"), true);
  assert.equal(isIpHost("1.2.3.4.example.com"), false);
});

test("locate() puts `{bucket}-{accountId}.` in front of the host, or the bucket in the path", () => {
  const virtual = resolveEndpoint({ region: "cn-hangzhou" });
  assert.deepEqual(locate(virtual, "123", "demo"), { protocol: "https:", host: "demo-123.cn-hangzhou.oss-vectors.aliyuncs.com", path: "/" });
  assert.deepEqual(locate(virtual, "123"), { protocol: "https:", host: "cn-hangzhou.oss-vectors.aliyuncs.com", path: "/" });
  const pathStyle = resolveEndpoint({ region: "r", endpoint: "127.0.0.1:1" });
  assert.deepEqual(locate(pathStyle, "123", "demo"), { protocol: "https:", host: "127.0.0.1:1", path: "/demo/" });
});

test("new VectorsClient() requires region and accountId", () => {
  assert.throws(() => new VectorsClient({ region: "", accountId: "1" }), ParamRequiredError);
  assert.throws(() => new VectorsClient({ region: "r", accountId: "" }), (error: unknown) =>
    error instanceof ParamRequiredError && error.param === "accountId");
});

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

test("a bucket request over a host name goes to `{bucket}-{accountId}.{host}` with path /", async () => {
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: "1234567890123456", endpoint: `http://localhost:${server.port}`,
    credentials: { accessKeyId: "ak", accessKeySecret: "sk" }, fetch: loopbackFetch(server.port),
  });
  server.enqueue(respondEmpty(204));
  await client.deleteVectors({ bucket: "demo-bucket", indexName: "idx", keys: ["k"] });
  const request = server.requests.at(-1)!;
  assert.equal(request.headers["host"], `demo-bucket-1234567890123456.localhost:${server.port}`);
  assert.equal(request.url, "/?deleteVectors");
  assert.ok(signatureVerifies(request, { region: "cn-hangzhou", accountId: "1234567890123456", bucket: "demo-bucket", secret: "sk" }));
});

test("usePathStyle sends `/{bucket}/` to a host name", async () => {
  const client = new VectorsClient({
    region: "cn-hangzhou", accountId: "1234567890123456", endpoint: `localhost:${server.port}`, disableSsl: true,
    usePathStyle: true, credentials: { accessKeyId: "ak", accessKeySecret: "sk" }, fetch: loopbackFetch(server.port),
  });
  server.enqueue(respondEmpty(204));
  await client.deleteVectorIndex({ bucket: "demo", indexName: "idx" });
  const request = server.requests.at(-1)!;
  assert.equal(request.headers["host"], `localhost:${server.port}`);
  assert.equal(request.url, "/demo/?deleteVectorIndex");
});

test("a bucket name that is not a DNS label is refused before sending", async () => {
  const client = new VectorsClient({ region: "r", accountId: "1", endpoint: server.url, credentials: { accessKeyId: "a", accessKeySecret: "s" } });
  const before = server.requests.length;
  await assert.rejects(client.getVectorBucket({ bucket: "Bad.Name" }), InvalidParamError);
  await assert.rejects(client.getVectorBucket({ bucket: "" }), ParamRequiredError);
  assert.equal(server.requests.length, before);
});
