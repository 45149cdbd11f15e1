// Smaller faults an operator or a flaky client can cause: a malformed %-escape in an admin path, a
// client that leaves mid-body, and a master key that is missing, damaged or not the one the stored
// secrets were sealed with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { join } from "node:path";
import { signRequest } from "@ossv/protocol";
import { startServer, type AccessLogEntry, type ServerOptions } from "@ossv/server";
import { AdminClient, ServiceError } from "@ossv/sdk";
import { startTestServer } from "./raw-client.ts";
import { withTempDir } from "../../packages/engine/src/testing/test-support.ts";

test("a malformed %-escape in an admin path is 400, not 500", async () => {
  const t = await startTestServer();
  try {
    const admin = new AdminClient({ endpoint: t.server.url, region: "cn-hangzhou", credentials: t.credentials });
    const error = await admin.call("DELETE", "users/%E0%A4%A").then(() => undefined, (caught: unknown) => caught);
    assert.ok(error instanceof ServiceError, String(error));
    assert.equal(error.statusCode, 400);
    assert.equal(error.code, "InvalidArgument");
  } finally {
    await t.stop();
  }
});

test("a client that leaves mid-body is logged as such, not as an internal error", async () => {
  const entries: AccessLogEntry[] = [];
  const internal: unknown[] = [];
  const t = await startTestServer({ onRequest: (entry) => entries.push(entry), onInternalError: (error) => internal.push(error) });
  try {
    assert.equal((await t.send({ method: "PUT", bucket: "leaving" })).status, 200);
    const headers: Record<string, string> = { "content-type": "application/json", "content-length": "100000", host: `127.0.0.1:${t.server.port}` };
    signRequest({ method: "POST", region: t.server.region, rawQuery: "putVectors", bucket: "leaving", accountId: t.server.accountId }, headers, { credentials: t.credentials, time: new Date() });
    const socket = connect(t.server.port, "127.0.0.1");
    await new Promise<void>((resolve) => socket.once("connect", resolve));
    const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
    socket.write(`POST /leaving/?putVectors HTTP/1.1\r\n${head}\r\n{"indexName":"idx","vectors":[`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    const deadline = Date.now() + 10_000;
    while (!entries.some((e) => e.operation === "PutVectors") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    const entry = entries.find((e) => e.operation === "PutVectors");
    assert.equal(entry?.status, 499, JSON.stringify(entries));
    assert.equal(entry?.errorCode, "ClientClosedRequest");
    assert.deepEqual(internal, []);
  } finally {
    await t.stop();
  }
});

const options = (dataDir: string, extra: Partial<ServerOptions> = {}): ServerOptions => ({ dataDir, port: 0, host: "127.0.0.1", ...extra });

test("master.key is made once, private, and a start refuses one that is missing, damaged or not the sealing key", async () => {
  await withTempDir(async (dataDir) => {
    const first = await startServer(options(dataDir));
    await first.close();
    const path = join(dataDir, "master.key");
    const original = await readFile(path, "utf8");
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(Buffer.from(original.trim(), "base64").length, 32);

    await rm(path);
    await assert.rejects(startServer(options(dataDir)), /master\.key is missing, but .* holds access key secrets sealed with it/);
    await assert.rejects(stat(path), "a missing key is not silently replaced");

    await writeFile(path, original.slice(0, 20) + "\n");
    await assert.rejects(startServer(options(dataDir)), /must hold 32 bytes/);
    await writeFile(path, randomBytes(32).toString("base64") + "\n");
    await assert.rejects(startServer(options(dataDir)), /does not open the access key secrets/);
    await assert.rejects(startServer(options(dataDir, { masterKey: randomBytes(32).toString("base64") })), /OSSV_MASTER_KEY does not open/);

    await writeFile(path, original);
    const again = await startServer(options(dataDir));
    assert.equal(again.rootCredentials.accessKeyId, first.rootCredentials.accessKeyId, "the restored key opens the stored secrets");
    await again.close();
  });
});
