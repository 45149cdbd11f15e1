// Health, readiness and metrics (docs/architecture.md#operator-endpoints) against a real server: what
// each answers in which phase, that they are never taken for a bucket, and that the metrics after a
// known sequence of operations count exactly those operations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError, validateBucketName } from "@ossv/protocol";
import { startServer } from "@ossv/server";
import { expectServiceError, startSdkServer } from "./sdk-server.ts";
import { spawnServe } from "./serve-process.ts";
import { parseExposition, samplesOf, valueOf, type Exposition } from "./prometheus-text.ts";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** A plain request with any Host header (fetch would not send one of ours). */
function get(url: string, path: string, options: { method?: string; host?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: "127.0.0.1", port, path, method: options.method ?? "GET",
      headers: { ...(options.host ? { host: options.host } : {}), ...options.headers },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function scrape(url: string, token?: string): Promise<Exposition> {
  const answer = await get(url, "/-/metrics", token ? { headers: { authorization: `Bearer ${token}` } } : {});
  assert.equal(answer.status, 200, answer.text);
  assert.match(String(answer.headers["content-type"]), /^text\/plain; version=0\.0\.4/);
  return parseExposition(answer.text);
}

test("healthz and readyz answer 200 with small plain bodies, to GET and HEAD, unsigned", async () => {
  const s = await startSdkServer();
  try {
    for (const [path, body] of [["/-/healthz", "ok\n"], ["/-/readyz", "ready\n"]] as const) {
      const answer = await get(s.server.url, path);
      assert.deepEqual([answer.status, answer.text, answer.headers["content-type"]], [200, body, "text/plain; charset=utf-8"]);
      const head = await get(s.server.url, path, { method: "HEAD" });
      assert.deepEqual([head.status, head.text, head.headers["content-length"]], [200, "", String(body.length)]);
      const post = await get(s.server.url, path, { method: "POST" });
      assert.deepEqual([post.status, post.headers["allow"]], [405, "GET, HEAD"]);
    }
    // A query string does not change what the path names.
    assert.equal((await get(s.server.url, "/-/healthz?putVectors")).status, 200);
  } finally {
    await s.stop();
  }
});

test("/-/ paths are never buckets: the probes answer under any Host, and bucket '-' does not exist", async () => {
  const s = await startSdkServer();
  try {
    await s.client.putVectorBucket({ bucket: "probe" });
    // Virtual-hosted: the host names a real bucket of a real account, and the probe still answers.
    const virtualHost = `probe-${s.server.accountId}.localhost`;
    assert.deepEqual(await get(s.server.url, "/-/healthz", { host: virtualHost }).then((a) => [a.status, a.text]), [200, "ok\n"]);
    assert.equal((await get(s.server.url, "/-/metrics", { host: virtualHost })).status, 200);
    // Absolute-form targets (proxies) name the same endpoints.
    assert.equal((await get(s.server.url, `http://${virtualHost}/-/readyz`)).status, 200);
    // Other /-/ paths go on to the pipeline, which refuses them as it always did.
    const other = await get(s.server.url, "/-/healthz/more");
    assert.equal(other.status, 405, other.text);
    assert.equal((JSON.parse(other.text) as { Error: { Code: string } }).Error.Code, "MethodNotAllowed");
    // And no bucket can ever be called "-", so nothing is shadowed.
    assert.throws(() => validateBucketName("-"), (error: unknown) => error instanceof ApiError && error.code === "InvalidBucketName");
  } finally {
    await s.stop();
  }
});

test("readyz is 503 while the server is starting, healthz is 200 already, and OSS requests wait", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "ossv-e2e-"));
  let seen: Answer[] = [];
  const server = await startServer({
    dataDir, port: 0, host: "127.0.0.1",
    // Runs with the port bound and before the server accepts requests: a deterministic look at that phase.
    onListening: async (url) => {
      seen = await Promise.all([get(url, "/-/readyz"), get(url, "/-/healthz"), get(url, "/-/metrics"), get(url, "/")]);
    },
  });
  try {
    const [ready, healthy, metrics, oss] = seen;
    assert.deepEqual([ready?.status, ready?.text, ready?.headers["retry-after"]], [503, "starting\n", "1"]);
    assert.deepEqual([healthy?.status, healthy?.text], [200, "ok\n"]);
    assert.equal(metrics?.status, 200);
    assert.equal(oss?.status, 503);
    assert.match(oss?.text ?? "", /ServiceUnavailable/);
    assert.equal((await get(server.url, "/-/readyz")).status, 200);
  } finally {
    await server.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test("metrics after a known sequence: requests by operation and status, index gauges, histograms", async () => {
  const s = await startSdkServer();
  try {
    const { client } = s;
    const bucket = "metered";
    const vec = (key: string, x: number) => ({ key, data: { float32: [x, 1, 2] } });
    await client.putVectorBucket({ bucket });
    await client.putVectorIndex({ bucket, indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" });
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("a", 1), vec("b", 2), vec("c", 3)] });
    await client.putVectors({ bucket, indexName: "idx", vectors: [vec("d", 4), vec("e", 5)] });
    await client.deleteVectors({ bucket, indexName: "idx", keys: ["a"] });
    await client.queryVectors({ bucket, indexName: "idx", queryVector: { float32: [0, 0, 0] }, topK: 2 });
    await expectServiceError(client.getVectorBucket({ bucket: "no-such-bucket" }), 404, "NoSuchBucket");
    await get(s.server.url, "/-/healthz"); // operator endpoints are not operations: not counted

    const metrics = await scrape(s.server.url);
    const requests = samplesOf(metrics, "ossv_requests_total")
      .map((sample) => `${sample.labels["operation"]} ${sample.labels["status"]} ${sample.value}`).sort();
    assert.deepEqual(requests, [
      "DeleteVectors 204 1", "GetVectorBucket 404 1", "PutVectorBucket 200 1", "PutVectorIndex 200 1", "PutVectors 200 2", "QueryVectors 200 1",
    ]);
    assert.equal(metrics.types.get("ossv_requests_total"), "counter");

    const index = { account: s.server.accountId, bucket, index: "idx" };
    assert.equal(valueOf(metrics, "ossv_index_vectors", index), 4);
    assert.equal(valueOf(metrics, "ossv_index_memtable_rows", index), 4);
    assert.equal(valueOf(metrics, "ossv_index_segments", index), 0);
    assert.equal(valueOf(metrics, "ossv_index_deleted_rows", index), 0);
    assert.ok(valueOf(metrics, "ossv_index_stored_bytes", index) > 0);
    assert.equal(valueOf(metrics, "ossv_index_background_failing", index), 0);
    // Memory by part: four 3-d rows in the memtable's arena (at least its float32 data and norms) and
    // their keys and metadata; no graph yet. The accounted total is the sum of the parts.
    const part = (name: string) => valueOf(metrics, "ossv_index_memory_bytes", { ...index, part: name });
    assert.ok(part("vectors") >= 4 * (3 * 4 + 8));
    assert.equal(part("graphs"), 0);
    assert.ok(part("metadata") > 0);
    assert.equal(valueOf(metrics, "ossv_memory_accounted_bytes"), ["vectors", "graphs", "metadata", "filterCache"].reduce((sum, name) => sum + part(name), 0));
    assert.ok(valueOf(metrics, "ossv_memory_budget_bytes") > 0, "the default budget, half the machine");
    // The server's own memory, what the budget bounds, and the mapped file pages it leaves out (Linux).
    assert.ok(valueOf(metrics, "ossv_memory_own_bytes") > 10 * 2 ** 20, "a Node process holds at least some MB of its own");
    assert.ok(valueOf(metrics, "ossv_memory_mapped_file_bytes") > 0, "its code, at least, is mapped from files");
    assert.equal(valueOf(metrics, "ossv_background_tasks", { state: "queued" }), 0);
    assert.equal(samplesOf(metrics, "ossv_background_failures_total").length, 0);

    // Histograms: cumulative buckets ending in +Inf, which equals the count.
    assert.equal(metrics.types.get("ossv_request_duration_seconds"), "histogram");
    const buckets = samplesOf(metrics, "ossv_request_duration_seconds_bucket", { operation: "PutVectors" });
    assert.ok(buckets.length > 5);
    assert.deepEqual(buckets.map((b) => b.value), buckets.map((b) => b.value).sort((x, y) => x - y));
    assert.equal(buckets.at(-1)?.labels["le"], "+Inf");
    assert.equal(buckets.at(-1)?.value, 2);
    assert.equal(valueOf(metrics, "ossv_request_duration_seconds_count", { operation: "PutVectors" }), 2);
    // Three acknowledged writes, one after another: three WAL objects, each synced once.
    assert.equal(valueOf(metrics, "ossv_wal_sync_seconds_count"), 3);
    assert.equal(valueOf(metrics, "ossv_request_body_bytes_count", { operation: "PutVectors" }), 2);
    assert.ok(valueOf(metrics, "ossv_request_body_bytes_sum", { operation: "PutVectors" }) > 100);
    assert.ok(valueOf(metrics, "ossv_response_body_bytes_sum", { operation: "QueryVectors" }) > 0);
    assert.equal(valueOf(metrics, "ossv_response_body_bytes_sum", { operation: "DeleteVectors" }), 0);
    assert.ok(valueOf(metrics, "process_resident_memory_bytes") > 0, "process metrics are there too");

    // A deleted index's gauges go with it.
    await client.deleteVectorIndex({ bucket, indexName: "idx" });
    assert.equal(samplesOf(await scrape(s.server.url), "ossv_index_vectors", index).length, 0);
  } finally {
    await s.stop();
  }
});

test("with a metrics token, /-/metrics wants it as a bearer token; the probes stay open", async () => {
  const s = await startSdkServer({ metricsToken: "s3cret-token" });
  try {
    assert.equal((await get(s.server.url, "/-/metrics")).status, 401);
    const wrong = await get(s.server.url, "/-/metrics", { headers: { authorization: "Bearer s3cret-tokem" } });
    assert.deepEqual([wrong.status, wrong.headers["www-authenticate"]], [401, 'Bearer realm="ossv metrics"']);
    assert.equal((await get(s.server.url, "/-/metrics", { headers: { authorization: "s3cret-token" } })).status, 401);
    assert.ok(samplesOf(await scrape(s.server.url, "s3cret-token"), "ossv_requests_total").length === 0);
    assert.equal((await get(s.server.url, "/-/healthz")).status, 200);
    assert.equal((await get(s.server.url, "/-/readyz")).status, 200);
  } finally {
    await s.stop();
  }
});

test("ossv serve takes its memory budget from --memory-budget or OSSV_MEMORY_BUDGET, and refuses a bad one", async () => {
  for (const [args, env, bytes] of [[["--memory-budget", "3GiB"], {}, 3 * 2 ** 30], [[], { OSSV_MEMORY_BUDGET: "512MB" }, 512e6]] as const) {
    const dataDir = await mkdtemp(join(tmpdir(), "ossv-cli-"));
    try {
      const proc = await spawnServe(["--data-dir", dataDir, "--quiet", ...args], env);
      assert.equal(valueOf(await scrape(`http://127.0.0.1:${proc.port}`), "ossv_memory_budget_bytes"), bytes);
      proc.child.kill("SIGTERM");
      assert.equal(await proc.exited, 0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
});

test("ossv serve takes the metrics token from --metrics-token or OSSV_METRICS_TOKEN", async () => {
  for (const [args, env] of [[["--metrics-token", "from-flag"], {}], [[], { OSSV_METRICS_TOKEN: "from-flag" }]] as const) {
    const dataDir = await mkdtemp(join(tmpdir(), "ossv-cli-"));
    try {
      const proc = await spawnServe(["--data-dir", dataDir, "--quiet", ...args], env);
      const url = `http://127.0.0.1:${proc.port}`;
      assert.equal((await get(url, "/-/metrics")).status, 401);
      assert.equal((await get(url, "/-/metrics", { headers: { authorization: "Bearer from-flag" } })).status, 200);
      proc.child.kill("SIGTERM");
      assert.equal(await proc.exited, 0);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }
});
