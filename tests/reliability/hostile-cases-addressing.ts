// Hostile addressing: odd hosts, absolute-form targets, query strings and headers (riding on a known
// break they must not change), paths that name objects, odd bucket names in paths and host names,
// and methods no operation takes.
import fc from "fast-check";
import { OPERATIONS } from "@ossv/protocol";
import { BUCKET_OPS, OPERATION_NAMES, spec, type OperationName } from "./hostile-ops.ts";
import { expecting, hostileCase, outcome, type Expectation, type HostileCase } from "./hostile-oracle.ts";
import type { Framing, Intent } from "./hostile-request.ts";
import { intentWith } from "./hostile-cases-body.ts";
import { baseFault, wireCase, type Fault } from "./hostile-faults.ts";
import { LONG_BUCKET, MAIN_BUCKET, NEW_BUCKET, SHORT_BUCKET } from "./hostile-world.ts";

const anyOp = fc.constantFrom(...OPERATION_NAMES);

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

export const methodCases: fc.Arbitrary<HostileCase> = fc.oneof(
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
