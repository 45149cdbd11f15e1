// A request is authenticated and authorised from its request line and headers before its body is
// read: a caller that may not do what it asks is answered at once and its body is never buffered;
// anonymous callers learn nothing of which buckets exist; and the bytes of bodies held at once are
// capped server-wide (503 past the cap).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:http";
import { signRequest, type Credentials } from "@ossv/protocol";
import { startTestServer, type TestServer } from "./raw-client.ts";

let t: TestServer;
const NOBODY: Credentials = { accessKeyId: "LTAInopolicyuser0000001", accessKeySecret: "no-policy-secret-00000000000000" };

before(async () => {
  t = await startTestServer({ maxBodyBytes: 8 * 1024 * 1024, maxBodyBytesInFlight: 10 * 1024 * 1024 });
  assert.equal((await t.send({ method: "PUT", bucket: "guarded" })).status, 200);
  const index = { indexName: "idx", dataType: "float32", dimension: 3, distanceMetric: "euclidean" };
  assert.equal((await t.send({ method: "POST", bucket: "guarded", query: "putVectorIndex", body: JSON.stringify(index) })).status, 200);
  const { catalog } = t.server.engine;
  await catalog.createUser(t.server.accountId, "nobody", "2000000000000001");
  await catalog.putAccessKey({ ...NOBODY, accountId: t.server.accountId, userName: "nobody", status: "active", createdAt: new Date().toISOString() });
});
after(async () => { await t.stop(); });

interface Streamed {
  status: number;
  body: string;
  /** Bytes of the body written before the answer arrived. */
  sentBeforeAnswer: number;
}

/** Holds a body midway: once `afterBytes` are sent, `reached` is called and the rest waits for `until`. */
interface Pause {
  afterBytes: number;
  reached: () => void;
  until: Promise<void>;
}

/**
 * Declares `declared` bytes and writes them 64 KiB at a time, one piece per event-loop turn, until
 * the server answers or all are sent (waiting at `pause` if given). With `credentials`, the request
 * is signed (headers only).
 */
function streamPut(bucket: string, declared: number, credentials?: Credentials, pause?: Pause): Promise<Streamed> {
  const headers: Record<string, string> = { "content-type": "application/json", "content-length": String(declared) };
  if (credentials) {
    const target = { method: "POST", region: t.server.region, rawQuery: "putVectors", bucket, accountId: t.server.accountId };
    signRequest(target, headers, { credentials, time: new Date() });
  }
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request({ host: "127.0.0.1", port: t.server.port, method: "POST", path: `/${bucket}/?putVectors`, headers }, (res) => {
      answered = true;
      const sentBeforeAnswer = sent;
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk)).on("end", () => resolve({ status: res.statusCode ?? 0, body, sentBeforeAnswer }));
    });
    req.on("error", (error) => (answered ? undefined : reject(error)));
    const piece = Buffer.alloc(64 * 1024, 0x20);
    let held = false;
    const pump = () => {
      if (answered || req.destroyed) return;
      if (pause && !held && sent >= pause.afterBytes) {
        held = true;
        pause.reached();
        return void pause.until.then(pump);
      }
      if (sent >= declared) return void req.end();
      const size = Math.min(piece.length, declared - sent);
      sent += size;
      req.write(piece.subarray(0, size), () => setImmediate(pump));
    };
    pump();
  });
}

test("an unsigned 60 MiB body is refused with 403 before it is read", async () => {
  const res = await streamPut("guarded", 60 * 1024 * 1024);
  assert.equal(res.status, 403, res.body);
  assert.equal(JSON.parse(res.body).Error.Code, "AccessDenied");
  assert.ok(res.sentBeforeAnswer < 8 * 1024 * 1024, `the answer came after ${res.sentBeforeAnswer} bytes were sent`);
});

test("a RAM user no policy allows is refused before the body is read", async () => {
  const res = await streamPut("guarded", 60 * 1024 * 1024, NOBODY);
  assert.equal(res.status, 403, res.body);
  assert.equal(JSON.parse(res.body).Error.Code, "AccessDenied");
  assert.ok(res.sentBeforeAnswer < 8 * 1024 * 1024, `the answer came after ${res.sentBeforeAnswer} bytes were sent`);
});

test("anonymous callers get the same answer whether or not the bucket exists, whatever the body", async () => {
  const answers = [];
  for (const bucket of ["guarded", "no-such-bucket-here"]) {
    for (const body of ["{not json", JSON.stringify({ indexName: "idx", vectors: [] })]) {
      const res = await t.send({ method: "POST", bucket, query: "putVectors", body, credentials: null });
      const { Code, Message, EC } = res.json().Error;
      answers.push({ status: res.status, Code, Message, EC });
    }
  }
  assert.equal(new Set(answers.map((a) => JSON.stringify(a))).size, 1, JSON.stringify(answers));
  assert.equal(answers[0]?.status, 403);
});

test("bodies in flight past the server-wide budget get 503, and the budget is given back afterwards", async () => {
  // Two signed 6 MiB bodies at once pass the 10 MiB budget: one of them is refused. The first is held
  // midway until the second has its answer, so the two are in flight together whatever the timing.
  let release!: () => void;
  let reached!: () => void;
  const until = new Promise<void>((resolve) => (release = resolve));
  const midway = new Promise<void>((resolve) => (reached = resolve));
  const firstAnswer = streamPut("guarded", 6 * 1024 * 1024, t.credentials, { afterBytes: 1024 * 1024, reached, until });
  await Promise.race([midway, firstAnswer]);
  const second = await streamPut("guarded", 6 * 1024 * 1024, t.credentials);
  release();
  const first = await firstAnswer;
  const statuses = [first.status, second.status].sort();
  assert.equal(statuses[1], 503, `${first.body} / ${second.body}`);
  const refused = first.status === 503 ? first : second;
  assert.equal(JSON.parse(refused.body).Error.Code, "ServiceUnavailable");
  // The body is spaces, not JSON: the one that was read is a client error, never a 5xx.
  const read = first.status === 503 ? second : first;
  assert.equal(read.status, 400, read.body);
  const small = await t.send({ method: "POST", bucket: "guarded", query: "putVectors", body: JSON.stringify({ indexName: "idx", vectors: [{ key: "k", data: { float32: [1, 2, 3] } }] }) });
  assert.equal(small.status, 200, "the budget was given back");
});
