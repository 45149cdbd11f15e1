// HTTPS: the official SDKs default to https, so `--tls-cert`/`--tls-key` must serve real TLS, and
// policies see it as acs:SecureTransport. The certificate is made for the test with openssl.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signRequest, contentMd5, type HeaderMap } from "@ossv/protocol";
import { startServer, type RunningServer } from "@ossv/server";

let dir: string;
let server: RunningServer;
let cert: Buffer;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "ossv-tls-"));
  execFileSync("openssl", [
    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
    "-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"),
  ], { stdio: "ignore" });
  cert = await readFile(join(dir, "cert.pem"));
  server = await startServer({
    dataDir: join(dir, "data"), port: 0, host: "127.0.0.1", tls: { cert, key: await readFile(join(dir, "key.pem")) },
  });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

function signedGet(query: string): Promise<{ status: number; body: string }> {
  const headers: HeaderMap = { "content-md5": contentMd5(new Uint8Array()) };
  signRequest({ method: "GET", region: "cn-hangzhou", rawQuery: query }, headers, { credentials: server.rootCredentials, time: new Date() });
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, path: `/?${query}`, method: "GET", headers, ca: cert }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the server answers signed requests over HTTPS", async () => {
  assert.match(server.url, /^https:\/\//);
  const res = await signedGet("max-keys=10");
  assert.equal(res.status, 200, res.body);
  assert.ok(JSON.parse(res.body).ListAllMyBucketsResult);
});
