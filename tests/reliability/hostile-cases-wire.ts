// Hostile framing, headers, addressing and methods: Content-Length and Content-MD5 that lie or are
// missing, chunked, slow and oversize bodies, odd hosts and request targets, odd bucket names, and
// methods no operation takes. Tricks that should not change the outcome ride on a known break
// (a wrong Content-MD5, or JSON that does not parse) whose refusal must come through unchanged.
import fc from "fast-check";
import { OPERATIONS, contentMd5 } from "@ossv/protocol";
import { BASE_BODIES, BODY_OPS, BUCKET_OPS, OPERATION_NAMES, spec, type OperationName } from "./hostile-ops.ts";
import { expecting, hostileCase, outcome, type Expectation, type HostileCase } from "./hostile-oracle.ts";
import type { Framing, Intent } from "./hostile-request.ts";
import { intentWith, malformedBodyExpectation } from "./hostile-cases-body.ts";
import { LONG_BUCKET, MAIN_BUCKET, NEW_BUCKET, SHORT_BUCKET } from "./hostile-world.ts";

/** The server is started with this body cap, so oversize bodies stay cheap to send. */
export const MAX_BODY_BYTES = 1 << 20;

const BAD_DIGEST = expecting(outcome(400, "InvalidDigest"));
const BAD_REQUEST = expecting(outcome(400, "BadRequest"));
const WRONG_MD5: Framing = { md5: { value: contentMd5(Buffer.from("not this body")) } };

interface Fault {
  what: string;
  intent: Intent;
  framing: Framing;
  expect: Expectation;
}

/** A break with a known refusal that no header, host or framing trick should change. */
function baseFault(op: OperationName, badJson: boolean): Fault {
  if (badJson && BASE_BODIES[op]) {
    const body = Buffer.from(JSON.stringify(BASE_BODIES[op]).slice(0, -1));
    return { what: "unclosed JSON", intent: intentWith(op, body), framing: {}, expect: malformedBodyExpectation(op) };
  }
  return { what: "wrong Content-MD5", intent: intentWith(op), framing: WRONG_MD5, expect: BAD_DIGEST };
}

function wireCase(category: string, op: OperationName, what: string, fault: Fault, framing: Framing, expect?: Expectation): HostileCase {
  return hostileCase({
    category, op, what: `${what}; ${fault.what}`, intent: fault.intent, signing: { mode: "header" },
    framing: { ...fault.framing, ...framing }, expect: expect ?? fault.expect,
  });
}

// ---- Framing ------------------------------------------------------------------------------------

const BAD_LENGTHS = ["abc", "-1", "1.5", "0x10", "1 2", "+5", "", "5,6"];
const BROKEN_CHUNKS = ["zz\r\n{}\r\n0\r\n\r\n", "-1\r\n{}\r\n0\r\n\r\n", "2\r\n{}XX0\r\n\r\n", "2 2\r\n{}\r\n0\r\n\r\n"];
const bodyOp = fc.constantFrom(...BODY_OPS);
const anyOp = fc.constantFrom(...OPERATION_NAMES);

const framingCases: fc.Arbitrary<HostileCase> = fc.oneof(
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

// ---- Headers, hosts and request targets -----------------------------------------------------------

const SUB_RESOURCES = new Set(Object.values(OPERATIONS).map((s) => s.subResource));
const unknownParam = fc.stringMatching(/^[a-z][a-zA-Z0-9-]{0,12}$/)
  .filter((name) => !SUB_RESOURCES.has(name) && !name.startsWith("x-oss-") && !["prefix", "marker", "max-keys"].includes(name));
const paramValue = fc.oneof(fc.constant(""), fc.stringMatching(/^[A-Za-z0-9._~-]{0,20}$/), fc.constantFrom("%zz", "%E4%BD%A0", "a=b", "%00", "+", "%2B"));
const oddQuery = fc.oneof(
  fc.array(fc.tuple(unknownParam, paramValue), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join("&")),
  fc.constantFrom("&", "&&", "=", "=x", "a=b=c", "%zz", "+", "a&a&a", "%E4%BD%A0=1", `pad=${"q".repeat(6000)}`),
);

const ODD_HOSTS = [
  "LOCALHOST", "example.com", "a..b", "x".repeat(250), "[::1]:1", "127.0.0.1:1", "node-1.example", "", "localhost:99999",
  "user@host", "host:port", "bucket.with.dots.example", "-.-", "%2e%2e",
];

interface Trick {
  what: string;
  framing: (fault: Fault) => Framing;
  /** The trick's own refusal, when it changes what is addressed. */
  expect?: Expectation;
  bucketOnly?: boolean;
  /** Builds the intent (e.g. adds query parameters before signing). */
  intent?: (intent: Intent) => Intent;
}

let serverPort = 0;
/** The port the absolute-form targets name; set by the test once the server listens. */
export function setTargetPort(port: number): void {
  serverPort = port;
}

function pathOf(intent: Intent): string {
  return intent.bucket === undefined ? "/" : `/${intent.rawBucket ?? intent.bucket}/`;
}

const upperCaseNames = (headers: Array<[string, string]>) => headers.map(([k, v]) => [k.toUpperCase(), v] as [string, string]);
// Framing headers are left alone: node's parser takes no whitespace inside Content-Length, and a
// padded `Connection: close` keeps the connection open, which this client waits on.
const UNPADDED = new Set(["content-length", "connection"]);
const paddedValues = (headers: Array<[string, string]>) =>
  headers.map(([k, v]) => [k, UNPADDED.has(k.toLowerCase()) ? v : `  ${v}\t`] as [string, string]);

const trickArb: fc.Arbitrary<Trick> = fc.oneof(
  oddQuery.map((q): Trick => ({ what: `extra query ${JSON.stringify(q.slice(0, 40))}`, framing: () => ({}), intent: (i) => ({ ...i, query: i.query ? `${i.query}&${q}` : q }) })),
  fc.constantFrom(...ODD_HOSTS).map((host): Trick => ({ what: `Host ${JSON.stringify(host.slice(0, 30))}`, framing: () => ({ host }), bucketOnly: true })),
  fc.constantFrom(...ODD_HOSTS).map((host): Trick => ({ what: `a second Host ${JSON.stringify(host.slice(0, 30))}`, framing: () => ({ extraHeaders: [["Host", host]] }), bucketOnly: true })),
  fc.constantFrom("http", "https", "HTTP").map((scheme): Trick => ({
    what: `absolute-form target (${scheme})`, bucketOnly: true,
    framing: (fault) => ({ target: `${scheme}://127.0.0.1:${serverPort}${pathOf(fault.intent)}${fault.intent.query ? `?${fault.intent.query}` : ""}` }),
  })),
  fc.constant<Trick>({
    what: "absolute-form target with user info and another host", bucketOnly: true,
    framing: (fault) => ({ target: `http://someone:secret@elsewhere.example:81${pathOf(fault.intent)}${fault.intent.query ? `?${fault.intent.query}` : ""}` }),
  }),
  fc.constantFrom<Trick>(
    { what: "unknown headers", framing: () => ({ extraHeaders: [["X-Hostile", "\u00ff\u00fe"], ["X-Empty", ""], ["Accept", "*/*"]] }) },
    { what: "two User-Agents", framing: () => ({ extraHeaders: [["User-Agent", "a"], ["User-Agent", "b"]] }) },
    { what: "Expect: 100-continue", framing: () => ({ extraHeaders: [["Expect", "100-continue"]] }) },
    { what: "an unknown Expect", framing: () => ({ extraHeaders: [["Expect", "the-unexpected"]] }) },
    { what: "upper-case header names", framing: () => ({ editHeaders: upperCaseNames }) },
    { what: "padded header values", framing: () => ({ editHeaders: paddedValues }) },
    { what: "no Host", framing: () => ({ host: null }), expect: expecting(outcome(400, "InvalidRequest")) },
  ),
);

/** Tricks that change what is addressed, each with its own refusal. */
const addressingTricks: fc.Arbitrary<Trick> = fc.constantFrom<Trick>(
  {
    what: "path names an object under the bucket", bucketOnly: true, expect: expecting(outcome(400, "InvalidRequest")),
    framing: (fault) => ({ target: `${pathOf(fault.intent)}object${fault.intent.query ? `?${fault.intent.query}` : ""}` }),
  },
  {
    what: "path names a nested object", bucketOnly: true, expect: expecting(outcome(400, "InvalidRequest")),
    framing: (fault) => ({ target: `${pathOf(fault.intent)}a/b/../c${fault.intent.query ? `?${fault.intent.query}` : ""}` }),
  },
);

export const headerCases: fc.Arbitrary<HostileCase> = fc
  .tuple(anyOp, fc.boolean(), fc.oneof({ weight: 6, arbitrary: trickArb }, { weight: 1, arbitrary: addressingTricks }))
  .filter(([op, , trick]) => !trick.bucketOnly || spec(op).scope !== "service")
  .map(([op, badJson, trick]) => {
    const base = baseFault(op, badJson);
    const fault = trick.intent ? { ...base, intent: trick.intent(base.intent) } : base;
    return wireCase("headers", op, trick.what, fault, trick.framing(fault), trick.expect);
  });

// ---- Odd bucket names -----------------------------------------------------------------------------

const BUCKET_NAME_RULE = /^[a-z0-9][a-z0-9-]{1,30}[a-z0-9]$/;
const EXISTING = new Set([MAIN_BUCKET, SHORT_BUCKET, LONG_BUCKET]);

function decodedPath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path; // an escape that does not decode is taken as written
  }
}

const ODD_SEGMENTS = [
  "Hostile-Main", "HOSTILE-MAIN", "hostile.main", "..", ".", "a..b", "%2e%2e", "%2E", "hostile%2Fmain", "%41bc", "%zz", "%ff", "%",
  "%E4%BD%A0%E5%A5%BD", "hostile-main%00", "hostile_main", "-main", "main-", "ab", "x".repeat(33), "%20hostile", "hostile-m%C3%A4in",
  "hostile-main.", "~hostile", "hostile-main%2F..%2F", "%C0%AE%C0%AE", "hostile-never-made%3Fpolicy",
];
const rawSegment = fc.oneof(fc.constantFrom(...ODD_SEGMENTS), fc.stringMatching(/^[A-Za-z0-9._~%-]{1,40}$/));

function nameExpectation(op: OperationName, bucket: string, objectKey: string): Expectation | undefined {
  if (objectKey !== "") return expecting(outcome(400, "InvalidRequest"));
  if (bucket === "" || EXISTING.has(bucket) || bucket === NEW_BUCKET) return undefined; // would address something real
  if (op === "PutVectorBucket") return BUCKET_NAME_RULE.test(bucket) ? undefined : expecting(outcome(400, "InvalidBucketName"));
  return expecting(outcome(404, "NoSuchBucket"));
}

const pathNameCases = fc.tuple(fc.constantFrom(...BUCKET_OPS), rawSegment).map(([op, raw]) => {
  const segments = decodedPath(`/${raw}/`).split("/");
  const bucket = segments[1] ?? "";
  const expect = nameExpectation(op, bucket, segments.slice(2).join("/"));
  return { op, raw, bucket, expect, style: "path" as const };
});

const virtualNameCases = fc.tuple(fc.constantFrom(...BUCKET_OPS), fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/)).map(([op, raw]) => {
  const bucket = raw.toLowerCase(); // host names are case-insensitive; the server lower-cases them
  return { op, raw, bucket, expect: nameExpectation(op, bucket, ""), style: "virtual" as const };
});

export const bucketNameCases: fc.Arbitrary<HostileCase> = fc.oneof(pathNameCases, virtualNameCases)
  .filter((c) => c.expect !== undefined)
  .map(({ op, raw, bucket, expect, style }) => {
    const base = intentWith(op);
    return hostileCase({
      category: "names", op, what: `${style} bucket ${JSON.stringify(raw)}`,
      intent: { ...base, bucket, rawBucket: raw, style }, signing: { mode: "header" }, expect: expect!,
    });
  });

// ---- Methods ------------------------------------------------------------------------------------

const METHODS = ["GET", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE"];
const SUBS = ["", ...[...SUB_RESOURCES].filter(Boolean)];
const taken = new Set(Object.values(OPERATIONS).filter((s) => s.scope !== "service").map((s) => `${s.method} ${s.subResource}`));
const wrongPairs = METHODS.flatMap((m) => SUBS.map((sub) => [m, sub] as const)).filter(([m, sub]) => !taken.has(`${m} ${sub}`));

const methodCases: fc.Arbitrary<HostileCase> = fc.oneof(
  fc.constantFrom(...wrongPairs).map(([method, sub]) => hostileCase({
    category: "methods", op: "-", what: `${method} on a bucket with ?${sub}`,
    intent: { method, bucket: MAIN_BUCKET, query: sub, body: Buffer.alloc(0) }, signing: { mode: "header" },
    expect: expecting(outcome(405, "MethodNotAllowed")),
  })),
  fc.constantFrom(...METHODS.filter((m) => m !== "GET")).map((method) => hostileCase({
    category: "methods", op: "-", what: `${method} on the service`,
    intent: { method, query: "", body: Buffer.alloc(0) }, signing: { mode: "header" },
    expect: expecting(outcome(405, "MethodNotAllowed")),
  })),
  // Methods node's HTTP parser knows reach the pipeline (or, for CONNECT, its own refusal): 405.
  fc.constantFrom("PROPFIND", "M-SEARCH", "PURGE", "MKCOL", "CONNECT").map((method) => hostileCase({
    category: "methods", op: "-", what: `method ${method}`,
    intent: { method, bucket: MAIN_BUCKET, query: "bucketInfo", body: Buffer.alloc(0) }, signing: { mode: "header" },
    expect: expecting(outcome(405, "MethodNotAllowed")),
  })),
  // Methods it does not know (method names are case-sensitive) it refuses itself: 400.
  fc.constantFrom("BREW", "get", "Post", "FETCH").map((method) => hostileCase({
    category: "methods", op: "-", what: `method ${method}`,
    intent: { method, bucket: MAIN_BUCKET, query: "bucketInfo", body: Buffer.alloc(0) }, signing: { mode: "header" },
    expect: expecting(outcome(400, "BadRequest")),
  })),
);

export { framingCases, methodCases };
