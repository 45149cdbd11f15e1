// Hostile framing: Content-Length and Content-MD5 that lie, repeat or are missing, chunked bodies
// (well-formed and broken), slow bodies, bodies over the cap, and clients that stop mid-body.
import fc from "fast-check";
import { BODY_OPS, OPERATION_NAMES } from "./hostile-ops.ts";
import { expecting, hostileCase, outcome, type HostileCase } from "./hostile-oracle.ts";
import { intentWith } from "./hostile-cases-body.ts";
import { BAD_REQUEST, baseFault, wireCase } from "./hostile-faults.ts";

/** The server is started with this body cap, so oversize bodies stay cheap to send. */
export const MAX_BODY_BYTES = 1 << 20;

const BAD_LENGTHS = ["abc", "-1", "1.5", "0x10", "1 2", "+5", "", "5,6"];
const BROKEN_CHUNKS = ["zz\r\n{}\r\n0\r\n\r\n", "-1\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2 2\r\n{}\r\n0\r\n\r\n"];
const bodyOp = fc.constantFrom(...BODY_OPS);
const anyOp = fc.constantFrom(...OPERATION_NAMES);

export const framingCases: fc.Arbitrary<HostileCase> = fc.oneof(
  { weight: 3, arbitrary: anyOp.map((op) => wireCase("framing", op, "wrong Content-MD5", baseFault(op, false), {})) },
  {
    weight: 3,
    arbitrary: fc.tuple(anyOp, fc.constantFrom("", "abc", "not base64!", "d41d8cd98f00b204e9800998ecf8427e", "AAAAAAAAAAAAAAAAAAAA", "1B2M2Y8AsgTpgAmY7PhCfg", "1B2M2Y8AsgTpgAmY7PhCfg=", "1B2M2Y8AsgTpgAmY7PhCfg==="))
      .map(([op, value]) => wireCase("framing", op, `Content-MD5 ${JSON.stringify(value)}`, baseFault(op, false), { md5: { value } })),
  },
  { weight: 2, arbitrary: bodyOp.map((op) => wireCase("framing", op, "no Content-MD5", baseFault(op, true), { md5: "none" })) },
  {
    weight: 3,
    arbitrary: fc.tuple(bodyOp, fc.nat()).map(([op, cut]) => {
      const fault = baseFault(op, false);
      const length = cut % fault.intent.body.length;
      // The rest of the body is read as a next request; the first answer stands and the connection closes.
      return wireCase("framing", op, `Content-Length ${length} short of the body`, { ...fault, framing: {} }, { contentLength: { values: [String(length)] } });
    }),
  },
  {
    weight: 2,
    arbitrary: bodyOp.map((op) => wireCase("framing", op, "no Content-Length (the body reads as a next request)", { ...baseFault(op, false), framing: {} }, { contentLength: "none" })),
  },
  {
    weight: 2,
    arbitrary: fc.tuple(bodyOp, fc.constantFrom(...BAD_LENGTHS)).map(([op, value]) =>
      wireCase("framing", op, `Content-Length ${JSON.stringify(value)}`, baseFault(op, false), { contentLength: { values: [value] } }, BAD_REQUEST)),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(bodyOp, fc.integer({ min: 1, max: 5 })).map(([op, extra]) => {
      const fault = baseFault(op, false);
      const n = fault.intent.body.length;
      return wireCase("framing", op, "two Content-Lengths", fault, { contentLength: { values: [String(n), String(n + extra)] } }, BAD_REQUEST);
    }),
  },
  {
    weight: 1,
    arbitrary: bodyOp.map((op) => wireCase("framing", op, "Content-Length and chunked", baseFault(op, false), {
      chunkSize: 16, extraHeaders: [["Content-Length", "10"]],
    }, BAD_REQUEST)),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(bodyOp, fc.integer({ min: 1, max: 64 }), fc.boolean()).map(([op, size, badJson]) =>
      wireCase("framing", op, `chunked by ${size}`, baseFault(op, badJson), { chunkSize: size })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(bodyOp, fc.constantFrom(...BROKEN_CHUNKS)).map(([op, raw]) => hostileCase({
      category: "framing", op, what: `broken chunk framing ${JSON.stringify(raw)}`,
      intent: intentWith(op), signing: { mode: "header" },
      framing: { md5: "none", contentLength: "none", extraHeaders: [["Transfer-Encoding", "chunked"]], rawBody: Buffer.from(raw) },
      expect: BAD_REQUEST,
    })),
  },
  {
    weight: 1,
    arbitrary: anyOp.map((op) => wireCase("framing", op, `Content-Length ${MAX_BODY_BYTES + 1} (over the cap), no body sent`, baseFault(op, false), {
      contentLength: { values: [String(MAX_BODY_BYTES + 1)] }, hangUpAfterMs: 10_000,
    }, expecting(outcome(400, "EntityTooLarge")))),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(bodyOp, fc.integer({ min: 2, max: 6 }), fc.boolean()).map(([op, pieces, chunked]) =>
      wireCase("framing", op, `slow body in ${pieces} pieces${chunked ? ", chunked" : ""}`, baseFault(op, true), { pieces, ...(chunked ? { chunkSize: 7 } : {}) })),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(bodyOp, fc.integer({ min: 1, max: 100 })).map(([op, missing]) => {
      const fault = baseFault(op, false);
      return wireCase("framing", op, `Content-Length ${missing} past the body, then the client hangs up`, fault, {
        contentLength: { values: [String(fault.intent.body.length + missing)] }, hangUpAfterMs: 20,
      }, { anyOf: [], mayGoUnanswered: true });
    }),
  },
);

/** Rare: a chunked body streamed past the cap (a megabyte a time). */
export const oversizeChunkedCases: fc.Arbitrary<HostileCase> = bodyOp.map((op) => {
  const fault = baseFault(op, false);
  const padded = Buffer.alloc(MAX_BODY_BYTES + 1, 0x20);
  return hostileCase({
    category: "framing", op, what: `chunked body of ${padded.length} bytes (over the cap)`,
    intent: { ...fault.intent, body: padded }, signing: { mode: "header" }, framing: { chunkSize: 64 * 1024, md5: "none" },
    expect: expecting(outcome(400, "EntityTooLarge")),
  });
});
