// Policy documents (docs/protocol.md#policy-documents): RAM identity policies and bucket policies share
// one shape. This module parses and validates them; evaluation (issue #6) builds on the normalised form.
import { ApiError } from "./errors.ts";

export type Effect = "Allow" | "Deny";

/** Condition operator → condition key → accepted values (always strings once normalised). */
export type ConditionBlock = Record<string, Record<string, string[]>>;

export interface PolicyStatement {
  effect: Effect;
  actions: string[];
  resources: string[];
  /** Bucket policies only; `[]` in the document means everyone, normalised to `["*"]`. */
  principals?: string[];
  conditions: ConditionBlock;
}

export interface PolicyDocument {
  version: "1";
  statements: PolicyStatement[];
}

export const MAX_POLICY_BYTES = 16 * 1024;

/**
 * The condition operators a policy may use, lower-cased (operator names match case-insensitively).
 * Parsing refuses any other; policy-eval.ts gives each its test and the compiler keeps the two in step.
 */
export const CONDITION_OPERATORS = [
  "stringequals", "stringnotequals", "stringequalsignorecase", "stringnotequalsignorecase",
  "stringlike", "stringnotlike", "ipaddress", "notipaddress", "bool",
  "dateequals", "datenotequals", "datelessthan", "datelessthanequals", "dategreaterthan", "dategreaterthanequals",
] as const;

export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** `name` must already be lower-cased. */
export function isConditionOperator(name: string): name is ConditionOperator {
  return (CONDITION_OPERATORS as readonly string[]).includes(name);
}

function malformed(reason: string): ApiError {
  return new ApiError("MalformedPolicy", `The policy document is malformed: ${reason}`);
}

function stringList(value: unknown, field: string, allowEmpty = false): string[] {
  const list = typeof value === "string" ? [value] : value;
  if (!Array.isArray(list) || (!allowEmpty && list.length === 0)) throw malformed(`${field} must be a string or a non-empty array of strings.`);
  for (const item of list) {
    if (typeof item !== "string" || item === "") throw malformed(`${field} must hold non-empty strings.`);
  }
  return list as string[];
}

function parseConditions(value: unknown, where: string): ConditionBlock {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw malformed(`${where}.Condition must be an object.`);
  const block: ConditionBlock = {};
  for (const [operator, keys] of Object.entries(value as Record<string, unknown>)) {
    if (keys === null || typeof keys !== "object" || Array.isArray(keys)) {
      throw malformed(`${where}.Condition.${operator} must map condition keys to values.`);
    }
    if (!isConditionOperator(operator.toLowerCase())) {
      throw malformed(`${where}.Condition uses the unsupported operator ${operator}.`);
    }
    block[operator] = {};
    for (const [key, raw] of Object.entries(keys as Record<string, unknown>)) {
      const values = (Array.isArray(raw) ? raw : [raw]).map((v) => (typeof v === "boolean" || typeof v === "number" ? String(v) : v));
      block[operator][key] = stringList(values, `${where}.Condition.${operator}.${key}`);
    }
  }
  return block;
}

/**
 * AWS documents name principals as `"*"` or `{"AWS": "..." | [...]}`; their strings are matched as
 * the OSS form's are (see the server's principal ids).
 */
function awsPrincipals(value: unknown, where: string): unknown {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length !== 1 || entries[0]![0] !== "AWS") throw malformed(`${where}.Principal must be "*" or {"AWS": ...}.`);
  return entries[0]![1];
}

function parseStatement(value: unknown, position: number, isBucketPolicy: boolean, awsDialect: boolean): PolicyStatement {
  const where = `Statement[${position}]`;
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw malformed(`${where} must be an object.`);
  const raw = value as Record<string, unknown>;
  if (raw["Effect"] !== "Allow" && raw["Effect"] !== "Deny") throw malformed(`${where}.Effect must be "Allow" or "Deny".`);
  const statement: PolicyStatement = {
    effect: raw["Effect"],
    actions: stringList(raw["Action"], `${where}.Action`),
    resources: stringList(raw["Resource"], `${where}.Resource`),
    conditions: parseConditions(raw["Condition"], where),
  };
  if (isBucketPolicy) {
    if (raw["Principal"] === undefined) throw malformed(`${where}.Principal is required in a bucket policy.`);
    const principals = stringList(awsDialect ? awsPrincipals(raw["Principal"], where) : raw["Principal"], `${where}.Principal`, true);
    statement.principals = principals.length === 0 ? ["*"] : principals;
  }
  return statement;
}

/** `"1"` is the OSS form; the AWS dates are AWS IAM's, whose documents also name principals as `{"AWS": ...}`. */
export const POLICY_VERSIONS = ["1", "2012-10-17", "2008-10-17"] as const;

export interface ParsePolicyOptions {
  bucketPolicy: boolean;
  /** The Version values accepted; default all of POLICY_VERSIONS. */
  versions?: readonly string[];
}

/** Parses a policy document's text; bucket policies must name a Principal in every statement. */
export function parsePolicy(text: string, options: ParsePolicyOptions): PolicyDocument {
  if (new TextEncoder().encode(text).length > MAX_POLICY_BYTES) throw malformed(`it exceeds ${MAX_POLICY_BYTES} bytes.`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw malformed("it is not valid JSON.");
  }
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw malformed("it must be a JSON object.");
  const doc = json as Record<string, unknown>;
  const versions = options.versions ?? POLICY_VERSIONS;
  if (typeof doc["Version"] !== "string" || !versions.includes(doc["Version"])) {
    throw malformed(`Version must be ${versions.map((v) => `"${v}"`).join(" or ")}.`);
  }
  const awsDialect = doc["Version"] !== "1";
  const rawStatements = Array.isArray(doc["Statement"]) ? doc["Statement"] : [doc["Statement"]];
  if (doc["Statement"] === undefined || rawStatements.length === 0) throw malformed("Statement must be a non-empty array.");
  return { version: "1", statements: rawStatements.map((s, i) => parseStatement(s, i, options.bucketPolicy, awsDialect)) };
}
