// The named middleware stack, and a caller's own step running inside the client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { VectorsClient } from "./client.ts";
import type { Middleware } from "./http.ts";
import { MiddlewareStack } from "./middleware-stack.ts";
import { respondError, respondJson, startScriptedServer, type ScriptedServer } from "./testing/scripted-server.ts";

const tagging = (tag: string, log: string[]): Middleware => (next) => async (request, context) => {
  log.push(`${tag}>`);
  const response = await next(request, context);
  log.push(`<${tag}`);
  return response;
};

test("MiddlewareStack runs steps outermost first and places them relative to names", async () => {
  const log: string[] = [];
  const stack = new MiddlewareStack()
    .add(tagging("send-side", log), { name: "inner" })
    .add(tagging("outer", log), { name: "outer" })
    .add(tagging("middle", log), { name: "middle", after: "outer" })
    .add(tagging("before-inner", log), { name: "beforeInner", before: "inner" });
  assert.deepEqual(stack.names(), ["outer", "middle", "beforeInner", "inner"]);
  await stack.resolve(async () => ({ statusCode: 200, statusText: "", headers: {}, body: new Uint8Array() }))(
    { method: "GET", protocol: "http:", host: "h", path: "/", rawQuery: "", headers: {} }, { operation: "ListVectorBuckets", attempt: 1 });
  assert.deepEqual(log, ["outer>", "middle>", "before-inner>", "send-side>", "<send-side", "<before-inner", "<middle", "<outer"]);
  assert.equal(stack.remove("middle"), true);
  assert.throws(() => stack.add(tagging("x", log), { name: "outer" }));
  assert.throws(() => stack.add(tagging("x", log), { name: "y", before: "nope" }));
});

test("MiddlewareStack composes its chain once, and again only after a step is added or removed", async () => {
  const log: string[] = [];
  let compositions = 0;
  const counting: Middleware = (next) => {
    compositions++;
    return next;
  };
  const terminal = async () => ({ statusCode: 200, statusText: "", headers: {}, body: new Uint8Array() });
  const call = (stack: MiddlewareStack) => stack.resolve(terminal)(
    { method: "GET", protocol: "http:", host: "h", path: "/", rawQuery: "", headers: {} }, { operation: "ListVectorBuckets", attempt: 1 });
  const stack = new MiddlewareStack().add(counting, { name: "counting" });
  for (let i = 0; i < 3; i++) await call(stack);
  assert.equal(compositions, 1);
  stack.add(tagging("late", log), { name: "late" });
  await call(stack);
  assert.equal(compositions, 2);
  assert.deepEqual(log, ["late>", "<late"]);
  stack.remove("late");
  await call(stack);
  assert.equal(compositions, 3);
  assert.deepEqual(log, ["late>", "<late"], "a removed step no longer runs");
});

let server: ScriptedServer;
before(async () => {
  server = await startScriptedServer();
});
after(() => server.close());

test("the client's stack is retry -> clockSkew -> sign -> serviceErrors, and a step after sign sees each signed attempt", async () => {
  const client = new VectorsClient({
    region: "r", accountId: "1", endpoint: server.url, credentials: { accessKeyId: "a", accessKeySecret: "s" }, retry: { baseDelayMs: 1 },
  });
  assert.deepEqual(client.middlewareStack.names(), ["retry", "clockSkew", "sign", "serviceErrors"]);
  const seen: { attempt: number; signed: boolean }[] = [];
  client.middlewareStack.add((next) => async (request, context) => {
    seen.push({ attempt: context.attempt, signed: request.headers["authorization"] !== undefined });
    request.headers["x-oss-meta-trace"] = "t1";
    return next(request, context);
  }, { name: "observe", after: "sign" });
  server.enqueue(respondError(500, "InternalError"), respondJson(200, { BucketInfo: { Name: "n" } }));
  await client.getVectorBucket({ bucket: "demo" });
  assert.deepEqual(seen, [{ attempt: 1, signed: true }, { attempt: 2, signed: true }]);
  assert.equal(server.requests.at(-1)?.headers["x-oss-meta-trace"], "t1");
});
