// Credentials providers (docs/protocol.md#credentials) and how the client signs (or does not) with them.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";
import {
  AnonymousCredentialsProvider, EnvironmentCredentialsProvider, RefreshingCredentialsProvider, StaticCredentialsProvider,
  readEnv, type Credentials,
} from "./credentials.ts";
import { CredentialsError } from "./errors.ts";
import { respondJson, signatureVerifies, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";

const ENV_NAMES = ["OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN"] as const;

async function withEnv<T>(values: Partial<Record<(typeof ENV_NAMES)[number], string>>, body: () => Promise<T>): Promise<T> {
  const saved = ENV_NAMES.map((name) => [name, process.env[name]] as const);
  for (const name of ENV_NAMES) {
    if (values[name] === undefined) delete process.env[name];
    else process.env[name] = values[name];
  }
  try {
    return await body();
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

test("EnvironmentCredentialsProvider reads the OSS_* variables, the token optional", async () => {
  await withEnv({ OSS_ACCESS_KEY_ID: "id", OSS_ACCESS_KEY_SECRET: "secret" }, async () => {
    assert.deepEqual(await new EnvironmentCredentialsProvider().getCredentials(), { accessKeyId: "id", accessKeySecret: "secret" });
  });
  await withEnv({ OSS_ACCESS_KEY_ID: "id", OSS_ACCESS_KEY_SECRET: "secret", OSS_SESSION_TOKEN: "tok" }, async () => {
    assert.equal((await new EnvironmentCredentialsProvider().getCredentials()).securityToken, "tok");
  });
  await withEnv({ OSS_ACCESS_KEY_ID: "id" }, async () => {
    await assert.rejects(new EnvironmentCredentialsProvider().getCredentials(), CredentialsError);
  });
});

test("readEnv() falls back to Deno.env and treats a permission error as unset", () => {
  const globals = globalThis as unknown as { process?: unknown; Deno?: unknown };
  const savedProcess = globals.process;
  try {
    Object.defineProperty(globalThis, "process", { value: undefined, configurable: true, writable: true });
    globals.Deno = { env: { get: (name: string) => (name === "X" ? "from-deno" : undefined) } };
    assert.equal(readEnv("X"), "from-deno");
    globals.Deno = { env: { get: () => { throw new Error("PermissionDenied"); } } };
    assert.equal(readEnv("X"), undefined);
  } finally {
    Object.defineProperty(globalThis, "process", { value: savedProcess, configurable: true, writable: true });
    delete globals.Deno;
  }
});

test("StaticCredentialsProvider refuses incomplete keys", async () => {
  assert.throws(() => new StaticCredentialsProvider({ accessKeyId: "a", accessKeySecret: "" }), CredentialsError);
  assert.equal((await new StaticCredentialsProvider({ accessKeyId: "a", accessKeySecret: "b" }).getCredentials()).accessKeyId, "a");
});

test("RefreshingCredentialsProvider caches until the margin before expiry and shares one refresh", async () => {
  let now = new Date("2024-01-01T00:00:00Z");
  let calls = 0;
  let release: () => void = () => {};
  const provider = new RefreshingCredentialsProvider(async () => {
    calls += 1;
    await new Promise<void>((resolve) => { release = resolve; });
    return { accessKeyId: `ak${calls}`, accessKeySecret: "s", securityToken: "t", expiration: new Date(now.getTime() + 3600_000) };
  }, { refreshMarginMs: 300_000, now: () => now });
  const concurrent = [provider.getCredentials(), provider.getCredentials(), provider.getCredentials()];
  await new Promise((resolve) => setImmediate(resolve));
  release();
  const results = await Promise.all(concurrent);
  assert.equal(calls, 1);
  assert.deepEqual(results.map((c) => c.accessKeyId), ["ak1", "ak1", "ak1"]);
  now = new Date("2024-01-01T00:54:00Z");
  assert.equal((await provider.getCredentials()).accessKeyId, "ak1", "still fresh 6 minutes before expiry");
  now = new Date("2024-01-01T00:56:00Z");
  const refreshing = provider.getCredentials();
  await new Promise((resolve) => setImmediate(resolve));
  release();
  assert.equal((await refreshing).accessKeyId, "ak2", "refreshed inside the 5-minute margin");
});

test("RefreshingCredentialsProvider does not cache a failure", async () => {
  let attempt = 0;
  const provider = new RefreshingCredentialsProvider(async (): Promise<Credentials> => {
    attempt += 1;
    if (attempt === 1) throw new Error("sts down");
    return { accessKeyId: "ok", accessKeySecret: "s" };
  });
  const error = await provider.getCredentials().catch((caught: unknown) => caught);
  assert.ok(error instanceof CredentialsError);
  assert.equal((error.cause as Error).message, "sts down");
  assert.equal((await provider.getCredentials()).accessKeyId, "ok");
});

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

const BUCKET_INFO = { BucketInfo: { Name: "acs:ossvector:r:1:demo" } };

test("the client signs with environment credentials when none are given, token included", async () => {
  await withEnv({ OSS_ACCESS_KEY_ID: "envak", OSS_ACCESS_KEY_SECRET: "envsk", OSS_SESSION_TOKEN: "envtok" }, async () => {
    const client = new VectorsClient({ region: "r", accountId: "1", endpoint: server.url });
    server.enqueue(respondJson(200, BUCKET_INFO));
    await client.getVectorBucket({ bucket: "demo" });
  });
  const request = server.requests.at(-1)!;
  assert.match(request.headers["authorization"] ?? "", /^OSS4-HMAC-SHA256 Credential=envak\//);
  assert.equal(request.headers["x-oss-security-token"], "envtok");
  assert.ok(signatureVerifies(request, { region: "r", accountId: "1", bucket: "demo", secret: "envsk" }));
});

test("the client fails with CredentialsError, sending nothing, when the environment has no keys", async () => {
  await withEnv({}, async () => {
    const before = server.requests.length;
    const client = new VectorsClient({ region: "r", accountId: "1", endpoint: server.url });
    await assert.rejects(client.getVectorBucket({ bucket: "demo" }), CredentialsError);
    assert.equal(server.requests.length, before);
  });
});

test("the client sends anonymous requests unsigned", async () => {
  const client = new VectorsClient({ region: "r", accountId: "1", endpoint: server.url, credentials: new AnonymousCredentialsProvider() });
  server.enqueue(respondJson(200, BUCKET_INFO));
  await client.getVectorBucket({ bucket: "demo" });
  const request = server.requests.at(-1)!;
  assert.equal(request.headers["authorization"], undefined);
  assert.equal(request.headers["x-oss-date"], undefined);
  assert.equal(request.headers["content-md5"], "1B2M2Y8AsgTpgAmY7PhCfg==");
});
