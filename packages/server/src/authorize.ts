// May this principal run this operation here? (docs/architecture.md#authorization,
// docs/protocol.md#access-control). The bucket owner's root key may do anything in its account. Everyone
// else needs an Allow: a RAM user from its identity policies (same account) or from the bucket policy;
// another account, or anyone (`*`), from the bucket policy. An explicit Deny in any applicable policy
// wins, and temporary credentials can do no more than their session policy allows.
import {
  ApiError, evaluatePolicy, mayAllowSomeIndex, parsePolicy, ramAction, ramActionSets, resourceArns,
  type AccessQuery, type Decision, type OperationSpec, type PolicyDocument, type RequestFacts,
} from "@ossv/protocol";
import { awsAccountId } from "@ossv/protocol/s3vectors";
import type { Catalog } from "@ossv/engine";
import type { Principal } from "./authenticate.ts";

export interface AccessRequest {
  principal: Principal;
  operation: OperationSpec;
  region: string;
  /** The account that owns the addressed resource. */
  resourceAccountId: string;
  bucket?: string;
  indexName?: string;
  facts: RequestFacts;
  catalog: Catalog;
}

const parsed = new Map<string, PolicyDocument>();

function policyOf(text: string, bucketPolicy: boolean): PolicyDocument {
  const id = `${bucketPolicy ? "b" : "i"}${text}`;
  let document = parsed.get(id);
  if (!document) {
    document = parsePolicy(text, { bucketPolicy });
    if (parsed.size > 1000) parsed.clear();
    parsed.set(id, document);
  }
  return document;
}

/** Deny wins over allow wins over none. */
function combine(decisions: Decision[]): Decision {
  if (decisions.includes("deny")) return "deny";
  return decisions.includes("allow") ? "allow" : "none";
}

function identityDecision(request: AccessContext, query: AccessQuery): Decision {
  const { principal } = request;
  if (principal.kind !== "key" || principal.userName === undefined) return "none";
  const user = request.catalog.getUser(principal.accountId, principal.userName);
  if (!user) return "none";
  return combine(Object.values(user.policies).map((text) => evaluatePolicy(policyOf(text, false), query)));
}

/**
 * How bucket policies may name the caller: the OSS forms (the account id for its root key, the
 * user's numeric id) and the AWS forms of the same identities (docs/s3-vectors.md#policies):
 * `arn:aws:iam::{account12}:root` or the bare 12 digits for the root, `...:user/{name}` (or
 * `...:role/{name}`) for a RAM user (role).
 */
function principalIds(principal: Principal, catalog: Catalog): string[] {
  if (principal.kind === "anonymous") return [];
  const aws = awsAccountId(principal.accountId);
  if (principal.userName === undefined) return [principal.accountId, aws, `arn:aws:iam::${aws}:root`];
  const user = catalog.getUser(principal.accountId, principal.userName);
  return user ? [user.userId, `arn:aws:iam::${aws}:${user.kind === "role" ? "role" : "user"}/${user.userName}`] : [];
}

function bucketDecision(request: AccessContext, query: AccessQuery): Decision {
  if (request.bucket === undefined) return "none";
  const policy = request.catalog.getBucket(request.resourceAccountId, request.bucket)?.policy;
  if (policy === undefined) return "none";
  return evaluatePolicy(policyOf(policy, true), { ...query, principalIds: principalIds(request.principal, request.catalog) });
}

function isOwnerRoot(request: AccessContext): boolean {
  const { principal } = request;
  return principal.kind === "key" && principal.userName === undefined && principal.accountId === request.resourceAccountId;
}

function describeCaller(principal: Principal): string {
  if (principal.kind === "anonymous") return "an anonymous caller";
  if (principal.userName === undefined) return `account ${principal.accountId}`;
  return `${principal.key.securityToken !== undefined ? "temporary credentials of" : "RAM identity"} ${principal.userName}`;
}

export function authorize(request: AccessRequest): void {
  if (isOwnerRoot(request)) return;
  const { operation } = request;
  enforceAnyOf(request, ramActionSets(operation.name), {
    resources: resourceArns({
      region: request.region, accountId: request.resourceAccountId, bucket: request.bucket,
      indexName: operation.scope === "index" || operation.scope === "vectors" ? request.indexName : undefined,
      vectors: operation.scope === "vectors",
    }),
    facts: request.facts,
  });
}

/** What a decision needs besides the action and resource: who asks, whose resource, and its bucket. */
export type AccessContext = Pick<AccessRequest, "principal" | "resourceAccountId" | "bucket" | "catalog">;

/**
 * Refuses with AccessDenied unless the policies allow `query` (the module comment has the rules).
 * The S3 Vectors API calls it with its own actions and ARNs (s3vectors/authorize.ts).
 */
export function enforce(request: AccessContext, query: AccessQuery): void {
  const { action, ...rest } = query;
  enforceAnyOf(request, [[action]], rest);
}

interface Verdict {
  denied: boolean;
  allowed: boolean;
  why: string;
}

function verdictOf(request: AccessContext, query: AccessQuery): Verdict {
  const { principal } = request;
  const identity = identityDecision(request, query);
  const bucket = bucketDecision(request, query);
  const session = principal.kind === "key" && principal.key.sessionPolicy !== undefined
    ? evaluatePolicy(policyOf(principal.key.sessionPolicy, false), query)
    : "allow";
  const sameAccount = principal.kind === "key" && principal.accountId === request.resourceAccountId;
  const denied = [identity, bucket, session].includes("deny");
  const allowed = !denied && ((sameAccount && identity === "allow") || bucket === "allow") && session === "allow";
  const why = denied ? "an explicit Deny applies" : session !== "allow" ? "the session policy does not allow it" : "no policy allows it";
  return { denied, allowed, why };
}

/**
 * Refuses with AccessDenied unless, for one of `actionSets`, the policies allow every action in it;
 * an explicit Deny of any action named anywhere refuses whatever else is allowed.
 */
export function enforceAnyOf(request: AccessContext, actionSets: string[][], query: Omit<AccessQuery, "action">): void {
  if (isOwnerRoot(request)) return;
  const verdicts = new Map<string, Verdict>();
  for (const action of actionSets.flat()) verdicts.set(action, verdictOf(request, { ...query, action }));
  const denied = [...verdicts.entries()].find(([, verdict]) => verdict.denied);
  const allowed = actionSets.some((set) => set.every((action) => verdicts.get(action)?.allowed === true));
  if (denied || !allowed) {
    const [action, verdict] = denied ?? [...verdicts.entries()][0]!;
    throw new ApiError("AccessDenied", `${describeCaller(request.principal)} may not ${action} on ${query.resources[0]}: ${verdict.why}.`);
  }
}

/** Index and vector operations name their index in the JSON body, which is not read yet. */
function namesIndexInBody(operation: OperationSpec): boolean {
  return operation.scope === "index" || operation.scope === "vectors";
}

/**
 * The check that runs before a request body is read, so a caller who may not do this never gets a
 * body buffered. Where the resource is known without the body this is the full check. Where the
 * index is named in the body, it refuses callers that no Allow of an applicable policy could cover
 * for any index of the bucket, and answers "needs-index": the caller runs authorize() once the body
 * names the index. "decided" means the request is allowed as it stands.
 */
export function authorizeBeforeBody(request: Omit<AccessRequest, "indexName">): "decided" | "needs-index" {
  if (isOwnerRoot(request)) return "decided";
  if (!namesIndexInBody(request.operation)) {
    authorize(request);
    return "decided";
  }
  const { principal, operation } = request;
  const prefixes = resourceArns({ region: request.region, accountId: request.resourceAccountId, bucket: request.bucket })
    .map((arn) => `${arn}/index/`);
  const user = principal.kind === "key" && principal.userName !== undefined
    ? request.catalog.getUser(principal.accountId, principal.userName) : undefined;
  const sameAccount = principal.kind === "key" && principal.accountId === request.resourceAccountId;
  const bucketPolicy = request.bucket === undefined ? undefined : request.catalog.getBucket(request.resourceAccountId, request.bucket)?.policy;
  const mayAllowAction = (action: string): boolean => {
    const base = { action, facts: request.facts };
    const mayAllow = (text: string, bucketPolicy: boolean, principalIdsOf?: string[]) =>
      mayAllowSomeIndex(policyOf(text, bucketPolicy), principalIdsOf ? { ...base, principalIds: principalIdsOf } : base, prefixes);
    const identity = sameAccount && Object.values(user?.policies ?? {}).some((text) => mayAllow(text, false));
    const bucket = bucketPolicy !== undefined && mayAllow(bucketPolicy, true, principalIds(principal, request.catalog));
    const session = principal.kind !== "key" || principal.key.sessionPolicy === undefined || mayAllow(principal.key.sessionPolicy, false);
    return (identity || bucket) && session;
  };
  const sets = ramActionSets(operation.name);
  if (!sets.some((set) => set.every(mayAllowAction))) {
    throw new ApiError("AccessDenied", `${describeCaller(principal)} may not ${ramAction(operation.name)} on any index of ${prefixes[0]?.slice(0, -7)}: no policy allows it.`);
  }
  return "needs-index";
}

export type { Principal };
