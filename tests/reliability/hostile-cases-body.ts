// Hostile bodies, correctly signed and framed: JSON that does not parse, fields of the wrong JSON type,
// and odd index names. Each expectation follows from the break: bad JSON is MalformedJson
// (MalformedPolicy for a policy document), a wrong type is VectorIndexParameterInvalid (InvalidArgument
// for bucket logging), and a required field sent as null is MissingArgument.
import fc from "fast-check";
import { bucketOf, BASE_BODIES, BODY_OPS, FIELDS, spec, withField, type FieldKind, type FieldSpec, type OperationName } from "./hostile-ops.ts";
import { expecting, hostileCase, invalidParameter, outcome, type Expectation, type HostileCase } from "./hostile-oracle.ts";
import type { Intent } from "./hostile-request.ts";
import { INDEX } from "./hostile-world.ts";

/** The baseline request of `op` with `body` (an object is sent as JSON) instead of its baseline body. */
export function intentWith(op: OperationName, body?: unknown): Intent {
  const { method, subResource } = spec(op);
  const bucket = bucketOf(op);
  const text = body === undefined ? (BASE_BODIES[op] ? JSON.stringify(BASE_BODIES[op]) : "") : body;
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(typeof text === "string" ? text : JSON.stringify(text));
  return {
    method, query: subResource, body: bytes, ...(bucket !== undefined ? { bucket } : {}),
    ...(BASE_BODIES[op] ? { headers: { "content-type": "application/json" } } : {}),
  };
}

export function signedCase(category: string, op: OperationName, what: string, body: unknown, expect: Expectation): HostileCase {
  return hostileCase({ category, op, what, intent: intentWith(op, body), signing: { mode: "header" }, expect });
}

export function malformedBodyExpectation(op: OperationName): Expectation {
  return op === "PutBucketPolicy" ? expecting(outcome(400, "MalformedPolicy")) : expecting(outcome(400, "MalformedJson"));
}

// ---- JSON that does not parse --------------------------------------------------------------------

const NOT_AN_OBJECT = ["[]", "1", "\"text\"", "null", "true", "[{\"indexName\":\"seeded\"}]"];
const BROKEN = [
  "{'indexName':'seeded'}", "{indexName:1}", "NaN", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":01}", "{\"a\":.5}",
  "{\"a\":\"\\x\"}", "{\"a\":\"\t\"}", "{\"a\":+1}", "{\"a\":Infinity}", "{\"a\":1}{\"b\":2}", "{\"a\":[1,2}", "{\"a\":\"\\ud800", "{\"",
];
const TAILS = [",", "}", "]", "x", "\u0000", "\"", "//comment", "{", "\u00ff"];
const HEADS = ["\ufeff", "x", ",", "]", "'", "\u0000"];

type Mangle =
  | { kind: "truncate"; at: number }
  | { kind: "append"; tail: string }
  | { kind: "prefix"; head: string }
  | { kind: "replace"; text: string }
  | { kind: "unclosed"; depth: number }
  | { kind: "invalid-utf8"; at: number };

const mangles: fc.Arbitrary<Mangle> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("append" as const), tail: fc.constantFrom(...TAILS) }),
  fc.record({ kind: fc.constant("prefix" as const), head: fc.constantFrom(...HEADS) }),
  fc.record({ kind: fc.constant("replace" as const), text: fc.constantFrom(...NOT_AN_OBJECT, ...BROKEN) }),
  fc.record({ kind: fc.constant("unclosed" as const), depth: fc.integer({ min: 1, max: 20_000 }) }),
  fc.record({ kind: fc.constant("invalid-utf8" as const), at: fc.nat() }),
);

/** Bytes that are never a JSON object (a proper prefix of an object's text never closes it). */
function mangled(base: Buffer, m: Mangle): Buffer {
  switch (m.kind) {
    case "truncate": return base.subarray(0, 1 + (m.at % (base.length - 1)));
    case "append": return Buffer.concat([base, Buffer.from(m.tail, m.tail === "\u00ff" ? "latin1" : "utf8")]);
    case "prefix": return Buffer.concat([Buffer.from(m.head), base]);
    case "replace": return Buffer.from(m.text);
    case "unclosed": return Buffer.from("[".repeat(m.depth));
    case "invalid-utf8": {
      // 0xFF outside any string: after the opening brace, where a key's quote must come.
      return Buffer.concat([base.subarray(0, 1), Buffer.from([0xff]), base.subarray(1)]);
    }
  }
}

export const jsonSyntaxCases: fc.Arbitrary<HostileCase> = fc
  .tuple(fc.constantFrom(...BODY_OPS), mangles)
  .map(([op, m]) => {
    const base = Buffer.from(JSON.stringify(BASE_BODIES[op]));
    return signedCase("json-syntax", op, `body ${m.kind} ${JSON.stringify(m).slice(0, 60)}`, mangled(base, m), malformedBodyExpectation(op));
  });

// ---- Fields of the wrong JSON type ---------------------------------------------------------------

const deepArray = fc.integer({ min: 1, max: 3000 }).map((depth) => JSON.parse("[".repeat(depth) + "]".repeat(depth)));
const deepObject = fc.integer({ min: 1, max: 3000 }).map((depth) => JSON.parse("{\"a\":".repeat(depth) + "1" + "}".repeat(depth)));
const nonInteger = fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x));
const aString = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom("", "true", "5", "null", "[]", "{}"));
const aNumber = fc.oneof(fc.integer(), nonInteger, fc.constantFrom(0, -1, 1e300, -0));
const anArray = fc.oneof(fc.constant([]), fc.array(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), { maxLength: 4 }), deepArray);
const anObject = fc.oneof(fc.constant({}), fc.dictionary(fc.stringMatching(/^[a-z]{1,6}$/), fc.integer(), { maxKeys: 3 }), deepObject);

/** JSON values that are not of the kind a field needs. */
const WRONG: Record<FieldKind, fc.Arbitrary<unknown>> = {
  indexName: fc.oneof(aNumber, fc.boolean(), anArray, anObject),
  string: fc.oneof(aNumber, fc.boolean(), anArray, anObject),
  loggingText: fc.oneof(aNumber, fc.boolean(), anArray, anObject),
  integer: fc.oneof(aString, nonInteger, fc.boolean(), anArray, anObject),
  boolean: fc.oneof(aString, aNumber, anArray, anObject),
  dataType: fc.oneof(fc.constantFrom("float16", "FLOAT32", "float32 ", "float64", "", "int8"), aNumber, fc.boolean(), anArray, anObject),
  metric: fc.oneof(fc.constantFrom("dot", "Cosine", "EUCLIDEAN", "cosine ", "", "l2"), aNumber, fc.boolean(), anArray, anObject),
  object: fc.oneof(aString, aNumber, fc.boolean(), anArray),
  loggingObject: fc.oneof(aString, aNumber, fc.boolean(), anArray),
  stringList: fc.oneof(aString, aNumber, fc.boolean(), anObject),
  vectorList: fc.oneof(aString, aNumber, fc.boolean(), anObject),
  vectorItem: fc.oneof(aString, aNumber, fc.boolean(), anArray, fc.constant(null)),
  vectorData: fc.oneof(aString, aNumber, fc.boolean(), anArray),
  floatList: fc.oneof(aString, aNumber, fc.boolean(), anObject),
  float: fc.oneof(aString, fc.boolean(), anArray, anObject, fc.constant(null), fc.constantFrom(3.5e38, -1e39, 1e300)),
  metadata: fc.oneof(aString, aNumber, fc.boolean(), anArray),
  metadataValue: fc.oneof(anObject, fc.constant(null), fc.constant([[1]]), fc.constant([null]), fc.constant([{}]), deepArray.filter((a) => a.length > 0)),
  filter: fc.oneof(aString, aNumber, fc.boolean(), anArray),
};

const LOGGING_KINDS: ReadonlySet<FieldKind> = new Set(["loggingObject", "loggingText"]);

function wrongTypeExpectation(field: FieldSpec): Expectation {
  return LOGGING_KINDS.has(field.kind) ? expecting(outcome(400, "InvalidArgument")) : invalidParameter();
}

const fieldChoices = Object.entries(FIELDS).flatMap(([op, fields]) => fields.map((field) => ({ op: op as OperationName, field })));

export const jsonTypeCases: fc.Arbitrary<HostileCase> = fc
  .constantFrom(...fieldChoices)
  .chain(({ op, field }) => {
    const nulls = field.required ? [fc.constant({ value: null, missing: true })] : [];
    return fc.oneof(WRONG[field.kind].map((value) => ({ value, missing: false })), ...nulls).map(({ value, missing }) => {
      const path = field.path.join(".");
      // A required array element sent as null is refused as malformed rather than missing where the
      // element itself is validated (metadata values, vector items, float values).
      const expect = missing && !["vectorItem", "float", "metadataValue"].includes(field.kind)
        ? expecting(outcome(400, "MissingArgument"))
        : wrongTypeExpectation(field);
      const shown = JSON.stringify(value) ?? "undefined";
      return signedCase("json-types", op, `${path} = ${shown.slice(0, 40)}`, withField(op, field.path, value), expect);
    });
  });

// ---- Odd index names ------------------------------------------------------------------------------

const INDEX_NAME_RULE = /^[A-Za-z][A-Za-z0-9]{0,62}$/;
const INDEX_OPS: OperationName[] = ["PutVectorIndex", "GetVectorIndex", "DeleteVectorIndex", "PutVectors", "GetVectors", "ListVectors", "QueryVectors", "DeleteVectors"];

const oddIndexNames: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "", ".", "..", "seeded.", "seeded..x", "../seeded", "seeded/", "se eded", "séeded", "索引", "Seeded", "SEEDED", "seeded-1",
    "seeded_1", "1seeded", "%73eeded", "seeded\u0000", "seeded\n", "\u{1F600}", "a".repeat(64), "S".padEnd(64, "9"), "x\ud800",
  ),
  fc.string({ minLength: 0, maxLength: 70, unit: "grapheme" }),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,70}$/),
).filter((name) => name !== INDEX && name !== "L".padEnd(63, "x"));

export const indexNameCases: fc.Arbitrary<HostileCase> = fc
  .tuple(fc.constantFrom(...INDEX_OPS), oddIndexNames)
  .filter(([op, name]) => op !== "PutVectorIndex" || !INDEX_NAME_RULE.test(name)) // a valid new name would create the index
  .map(([op, name]) => {
    const expect = INDEX_NAME_RULE.test(name) ? expecting(outcome(404, "NoSuchVectorIndex")) : invalidParameter("indexName");
    return signedCase("names", op, `indexName ${JSON.stringify(name).slice(0, 40)}`, withField(op, ["indexName"], name), expect);
  });
