// Evaluating policy documents against a request (docs/protocol.md#access-control,
// docs/architecture.md#authorization): which statements apply (action, resource, principal, conditions)
// and what they decide. The caller combines the decisions of the identity, bucket and session policies;
// see the server's authorize step.
import { ipInCidr } from "./ip-address.ts";
import { isConditionOperator, type ConditionOperator, type PolicyDocument, type PolicyStatement } from "./policy.ts";

export type Decision = "allow" | "deny" | "none";

export interface RequestFacts {
  sourceIp: string;
  secureTransport: boolean;
  currentTime: Date;
  userAgent: string;
}

export interface AccessQuery {
  /** `oss:<Operation>`. */
  action: string;
  /** The request's resource in every form a policy may name it (see resourceArns). */
  resources: string[];
  facts: RequestFacts;
  /** Who is asking, as bucket-policy principals name them; undefined for identity policies. */
  principalIds?: string[];
}

const patternCache = new Map<string, RegExp>();

/** `*` matches any run of characters, `?` one character. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const id = `${ignoreCase ? "i" : "s"}${pattern}`;
  let regex = patternCache.get(id);
  if (!regex) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
    regex = new RegExp(`^${body}$`, ignoreCase ? "is" : "s");
    if (patternCache.size > 10_000) patternCache.clear();
    patternCache.set(id, regex);
  }
  return regex.test(value);
}

/**
 * `ossvector:PutVectors` is accepted as another name of `oss:PutVectors` [inferred,
 * docs/protocol.md#ram-actions].
 */
function actionMatches(pattern: string, action: string): boolean {
  const normalised = pattern.replace(/^ossvector:/i, "oss:");
  return wildcardMatch(normalised, action, true);
}

function principalMatches(statement: PolicyStatement, principalIds: string[] | undefined): boolean {
  if (principalIds === undefined) return true;
  return (statement.principals ?? []).some((p) => p === "*" || principalIds.includes(p));
}

export function statementApplies(statement: PolicyStatement, query: AccessQuery): boolean {
  return statement.actions.some((a) => actionMatches(a, query.action))
    && statement.resources.some((pattern) => query.resources.some((r) => wildcardMatch(pattern, r)))
    && principalMatches(statement, query.principalIds)
    && conditionsHold(statement, query.facts);
}

/**
 * Whether `pattern` matches `prefix` followed by some string: the pattern can consume all of the
 * prefix (any pattern left over matches some suffix, since `*`, `?` and literals each can).
 */
export function wildcardMatchesSomeExtension(pattern: string, prefix: string): boolean {
  // The pattern positions reachable after consuming the prefix so far (a glob run as an NFA).
  let states = new Set<number>([0]);
  const closeStars = (set: Set<number>) => {
    for (const p of set) if (pattern[p] === "*") set.add(p + 1);
    return set;
  };
  states = closeStars(states);
  for (const char of prefix) {
    const next = new Set<number>();
    for (const p of states) {
      if (p >= pattern.length) continue;
      const token = pattern[p];
      if (token === "*") next.add(p);
      else if (token === "?" || token === char) next.add(p + 1);
    }
    states = closeStars(next);
    if (states.size === 0) return false;
  }
  return true;
}

/**
 * Before the body is read the index a request names is unknown: could any Allow statement of the
 * document apply to some index under `indexPrefixes` (each an ARN ending in `/index/`)? Denies are
 * left to the full evaluation once the index is known.
 */
export function mayAllowSomeIndex(document: PolicyDocument, query: Omit<AccessQuery, "resources">, indexPrefixes: string[]): boolean {
  return document.statements.some((statement) => statement.effect === "Allow"
    && statement.actions.some((a) => actionMatches(a, query.action))
    && statement.resources.some((pattern) => indexPrefixes.some((prefix) => wildcardMatchesSomeExtension(pattern, prefix)))
    && principalMatches(statement, query.principalIds)
    && conditionsHold(statement, query.facts));
}

/** Deny when any applicable statement denies, allow when one allows, otherwise none. */
export function evaluatePolicy(document: PolicyDocument, query: AccessQuery): Decision {
  let decision: Decision = "none";
  for (const statement of document.statements) {
    if (!statementApplies(statement, query)) continue;
    if (statement.effect === "Deny") return "deny";
    decision = "allow";
  }
  return decision;
}

type ConditionTest = (actual: FactValue, expected: string) => boolean;
type FactValue = string | boolean | Date;

const lower = (v: FactValue) => String(v).toLowerCase();
const time = (v: FactValue) => (v instanceof Date ? v.getTime() : Date.parse(String(v)));

const OPERATORS: Record<ConditionOperator, { test: ConditionTest; negated?: boolean }> = {
  stringequals: { test: (a, e) => String(a) === e },
  stringnotequals: { test: (a, e) => String(a) === e, negated: true },
  stringequalsignorecase: { test: (a, e) => lower(a) === e.toLowerCase() },
  stringnotequalsignorecase: { test: (a, e) => lower(a) === e.toLowerCase(), negated: true },
  stringlike: { test: (a, e) => wildcardMatch(e, String(a)) },
  stringnotlike: { test: (a, e) => wildcardMatch(e, String(a)), negated: true },
  ipaddress: { test: (a, e) => ipInCidr(String(a), e) },
  notipaddress: { test: (a, e) => ipInCidr(String(a), e), negated: true },
  bool: { test: (a, e) => lower(a) === e.toLowerCase() },
  dateequals: { test: (a, e) => time(a) === Date.parse(e) },
  datenotequals: { test: (a, e) => time(a) === Date.parse(e), negated: true },
  datelessthan: { test: (a, e) => time(a) < Date.parse(e) },
  datelessthanequals: { test: (a, e) => time(a) <= Date.parse(e) },
  dategreaterthan: { test: (a, e) => time(a) > Date.parse(e) },
  dategreaterthanequals: { test: (a, e) => time(a) >= Date.parse(e) },
};

function factFor(key: string, facts: RequestFacts): FactValue | undefined {
  switch (key.toLowerCase()) {
    // The AWS names of the same facts, for documents written for the S3 Vectors API.
    case "acs:sourceip": case "aws:sourceip": return facts.sourceIp;
    case "acs:securetransport": case "aws:securetransport": return facts.secureTransport;
    case "acs:currenttime": case "aws:currenttime": return facts.currentTime;
    case "acs:useragent": case "aws:useragent": return facts.userAgent;
    default: return undefined;
  }
}

/** Every operator and key must hold (AND); any listed value may match (OR); negated ones match none. */
function conditionsHold(statement: PolicyStatement, facts: RequestFacts): boolean {
  for (const [operator, keys] of Object.entries(statement.conditions)) {
    const name = operator.toLowerCase();
    if (!isConditionOperator(name)) return false;
    const spec = OPERATORS[name];
    for (const [key, values] of Object.entries(keys)) {
      const actual = factFor(key, facts);
      if (actual === undefined) return false;
      const anyMatch = values.some((expected) => spec.test(actual, expected));
      if (spec.negated ? anyMatch : !anyMatch) return false;
    }
  }
  return true;
}

export interface ResourceTarget {
  region: string;
  accountId: string;
  bucket?: string;
  indexName?: string;
  /** Vector operations also name the index's data (`.../index/{name}/*`). */
  vectors?: boolean;
}

/**
 * The ARNs a request's resource answers to [inferred, docs/protocol.md#resource-arns]: the documented
 * `acs:ossvector:{region}:{account}:bucket/{bucket}/index/{index}` forms, and the identity form
 * `...:{account}:{bucket}` that GetVectorBucket returns as a bucket's Name.
 */
export function resourceArns(target: ResourceTarget): string[] {
  const base = `acs:ossvector:${target.region}:${target.accountId}:`;
  if (target.bucket === undefined) return [`${base}*`];
  const forms = [`bucket/${target.bucket}`, target.bucket];
  if (target.indexName === undefined) return forms.map((f) => base + f);
  const indexForms = forms.map((f) => `${base}${f}/index/${target.indexName}`);
  return target.vectors ? [...indexForms, ...indexForms.map((f) => `${f}/*`)] : indexForms;
}
