// The operator endpoints' answers in each phase of a server's life, through stand-in request and
// response objects; tests/e2e/operator-endpoints.test.ts drives them over real HTTP.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ServerMetrics } from "./metrics.ts";
import { answerOperatorRequest, type OperatorState, type ServerPhase } from "./operator-endpoints.ts";

interface Captured {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

function call(state: OperatorState, method: string, url: string): { handled: boolean; answer: Promise<Captured> } {
  const req = { method, url, headers: { host: "localhost" }, resume: () => req } as unknown as IncomingMessage;
  let settle: (captured: Captured) => void = () => {};
  const answer = new Promise<Captured>((resolve) => (settle = resolve));
  const captured: Captured = { status: 0, headers: {}, body: "" };
  const res = {
    writeHead(status: number, headers: Record<string, string | number>) {
      captured.status = status;
      captured.headers = headers;
    },
    end(bytes: Buffer) {
      captured.body = bytes.toString("utf8");
      settle(captured);
    },
  } as unknown as ServerResponse;
  return { handled: answerOperatorRequest(req, res, state), answer };
}

test("readyz follows the phase: 503 starting, 200 ready, 503 stopping; healthz is 200 throughout", async () => {
  const state: OperatorState = { phase: "starting", metrics: new ServerMetrics() };
  const expected: Array<[ServerPhase, number, string]> = [["starting", 503, "starting\n"], ["ready", 200, "ready\n"], ["stopping", 503, "stopping\n"]];
  for (const [phase, status, body] of expected) {
    state.phase = phase;
    const ready = await call(state, "GET", "/-/readyz").answer;
    assert.deepEqual([ready.status, ready.body], [status, body], phase);
    const healthy = await call(state, "GET", "/-/healthz").answer;
    assert.deepEqual([healthy.status, healthy.body], [200, "ok\n"], phase);
  }
});

test("only the three exact paths are operator endpoints; everything else goes to the pipeline", () => {
  const state: OperatorState = { phase: "ready", metrics: new ServerMetrics() };
  for (const url of ["/-/healthz", "/-/readyz?x=1", "/-/metrics", "http://b-1.example/-/healthz"]) {
    assert.equal(call(state, "GET", url).handled, true, url);
  }
  for (const url of ["/", "/-/admin/users", "/-/healthz/", "/-/Healthz", "/bucket/-/healthz", "/-", "/-/"]) {
    assert.equal(call(state, "GET", url).handled, false, url);
  }
});
