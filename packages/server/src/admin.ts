// The admin API (ossv's own, not part of OSS Vectors): RAM users, their access keys and identity
// policies, and temporary credentials. Requests go to `/-/admin/...` (no bucket name can start with
// `-`), are signed like any other request with the path as the canonical URI's key part, and only an
// account's root key may make them.
import { randomBytes } from "node:crypto";
import { ApiError, parsePolicy } from "@ossv/protocol";
import type { AccessKeyRecord, Catalog, Engine, UserRecord } from "@ossv/engine";
import { newAccessKey, newAccountId } from "./accounts.ts";
import type { Principal } from "./authenticate.ts";
import type { SecretBox } from "./secret-box.ts";
import type { BackupTaker } from "./backup.ts";

export const ADMIN_PREFIX = "/-/admin/";
const MAX_KEYS_PER_USER = 2;

export interface AdminRequest {
  method: string;
  /** Path below ADMIN_PREFIX, e.g. `users/alice/keys`. */
  path: string;
  body: Buffer;
  principal: Principal;
  engine: Engine;
  catalog: Catalog;
  secrets: SecretBox;
  now: () => number;
  backup?: BackupTaker;
}

export interface AdminResult {
  status: 200 | 204;
  json?: unknown;
}

type Route = (req: AdminRequest, accountId: string, params: string[]) => Promise<AdminResult> | AdminResult;

const ROUTES: Array<[string, RegExp, Route]> = [
  ["POST", /^users$/, createUser],
  ["GET", /^users$/, listUsers],
  ["DELETE", /^users\/([^/]+)$/, deleteUser],
  ["POST", /^users\/([^/]+)\/keys$/, createKey],
  ["GET", /^users\/([^/]+)\/keys$/, listKeys],
  ["PUT", /^keys\/([^/]+)$/, updateKey],
  ["DELETE", /^keys\/([^/]+)$/, deleteKey],
  ["GET", /^users\/([^/]+)\/policies$/, listPolicies],
  ["PUT", /^users\/([^/]+)\/policies\/([^/]+)$/, attachPolicy],
  ["DELETE", /^users\/([^/]+)\/policies\/([^/]+)$/, detachPolicy],
  ["POST", /^roles$/, createRole],
  ["GET", /^roles$/, listRoles],
  ["DELETE", /^roles\/([^/]+)$/, deleteRole],
  ["GET", /^roles\/([^/]+)\/policies$/, listPolicies],
  ["PUT", /^roles\/([^/]+)\/policies\/([^/]+)$/, attachPolicy],
  ["DELETE", /^roles\/([^/]+)\/policies\/([^/]+)$/, detachPolicy],
  ["POST", /^sts$/, issueTemporaryCredentials],
  ["GET", /^buckets\/([^/]+)\/indexes\/([^/]+)$/, describeIndex],
  ["POST", /^buckets\/([^/]+)\/indexes\/([^/]+)\/compact$/, compactIndex],
  ["POST", /^snapshots$/, createSnapshot],
];

export async function handleAdmin(req: AdminRequest): Promise<AdminResult> {
  const { principal } = req;
  if (principal.kind !== "key" || principal.userName !== undefined || principal.key.securityToken !== undefined) {
    throw new ApiError("AccessDenied", "Only an account's root access key may use the admin API.");
  }
  for (const [method, pattern, route] of ROUTES) {
    const match = pattern.exec(req.path);
    if (match && method === req.method) return route(req, principal.accountId, match.slice(1).map(decodePathPart));
  }
  throw new ApiError("MethodNotAllowed", `No admin operation matches ${req.method} ${ADMIN_PREFIX}${req.path}.`);
}

/** A %-escaped path part; a malformed escape is the caller's mistake (400), not a crash (500). */
function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ApiError("InvalidArgument", `The admin path part "${part}" has a malformed %-escape.`);
  }
}

function jsonBody(req: AdminRequest): Record<string, unknown> {
  const text = req.body.toString("utf8").trim();
  if (text === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ApiError("MalformedJson", "The admin request body must be a JSON object.");
}

function checkName(value: unknown, what: string, pattern: RegExp): string {
  if (typeof value !== "string" || !pattern.test(value)) {
    throw new ApiError("InvalidArgument", `${what} must match ${pattern.source}.`);
  }
  return value;
}

const USER_NAME = /^[A-Za-z0-9._@-]{1,64}$/;
const POLICY_NAME = /^[A-Za-z0-9._-]{1,128}$/;

/** A user or role by name (one namespace); `kind` narrows it to one of them. */
function requireUser(req: AdminRequest, accountId: string, userName: string, kind?: "user" | "role"): UserRecord {
  const user = req.catalog.getUser(accountId, userName);
  const isRole = user?.kind === "role";
  if (!user || (kind === "user" && isRole) || (kind === "role" && !isRole)) {
    throw new ApiError("NoSuchUser", `${kind === "role" ? "Role" : "User"} ${userName} does not exist.`);
  }
  return user;
}

function userView(user: UserRecord) {
  return { userId: user.userId, userName: user.userName, createdAt: user.createdAt, policies: Object.keys(user.policies).sort() };
}

async function createUser(req: AdminRequest, accountId: string): Promise<AdminResult> {
  const userName = checkName(jsonBody(req)["userName"], "userName", USER_NAME);
  const user = await req.catalog.createUser(accountId, userName, newAccountId());
  return { status: 200, json: { userId: user.userId, userName: user.userName } };
}

function listUsers(req: AdminRequest, accountId: string): AdminResult {
  return { status: 200, json: { users: req.catalog.listUsers(accountId).filter((u) => u.kind !== "role").map(userView) } };
}

async function createRole(req: AdminRequest, accountId: string): Promise<AdminResult> {
  const roleName = checkName(jsonBody(req)["roleName"], "roleName", USER_NAME);
  const role = await req.catalog.createUser(accountId, roleName, newAccountId(), "role");
  return { status: 200, json: { roleId: role.userId, roleName: role.userName } };
}

function listRoles(req: AdminRequest, accountId: string): AdminResult {
  const roles = req.catalog.listUsers(accountId).filter((u) => u.kind === "role")
    .map(({ userId, userName, createdAt, policies }) => ({ roleId: userId, roleName: userName, createdAt, policies: Object.keys(policies).sort() }));
  return { status: 200, json: { roles } };
}

async function deleteRole(req: AdminRequest, accountId: string, [roleName]: string[]): Promise<AdminResult> {
  requireUser(req, accountId, roleName!, "role");
  await req.catalog.deleteUser(accountId, roleName!);
  return { status: 204 };
}

async function deleteUser(req: AdminRequest, accountId: string, [userName]: string[]): Promise<AdminResult> {
  requireUser(req, accountId, userName!, "user");
  await req.catalog.deleteUser(accountId, userName!);
  return { status: 204 };
}

function userKeys(req: AdminRequest, accountId: string, userName: string): AccessKeyRecord[] {
  return req.catalog.listAccessKeys(accountId).filter((k) => k.userName === userName && k.securityToken === undefined);
}

async function createKey(req: AdminRequest, accountId: string, [userName]: string[]): Promise<AdminResult> {
  requireUser(req, accountId, userName!, "user"); // roles have only temporary credentials
  if (userKeys(req, accountId, userName!).length >= MAX_KEYS_PER_USER) throw new ApiError("TooManyAccessKeys");
  const { accessKeyId, accessKeySecret } = newAccessKey();
  await req.catalog.putAccessKey({
    accessKeyId, accessKeySecret: req.secrets.seal(accessKeySecret), accountId, userName: userName!,
    status: "active", createdAt: new Date(req.now()).toISOString(),
  });
  return { status: 200, json: { accessKeyId, accessKeySecret } };
}

function listKeys(req: AdminRequest, accountId: string, [userName]: string[]): AdminResult {
  requireUser(req, accountId, userName!, "user");
  const keys = userKeys(req, accountId, userName!).map(({ accessKeyId, status, createdAt }) => ({ accessKeyId, status, createdAt }));
  return { status: 200, json: { accessKeys: keys } };
}

function requireKey(req: AdminRequest, accountId: string, accessKeyId: string): AccessKeyRecord {
  const key = req.catalog.getAccessKey(accessKeyId);
  if (!key || key.accountId !== accountId) throw new ApiError("NoSuchAccessKey", `Access key ${accessKeyId} does not exist.`);
  if (req.principal.kind === "key" && req.principal.key.accessKeyId === accessKeyId) {
    throw new ApiError("InvalidArgument", "The access key signing this request cannot change itself.");
  }
  return key;
}

async function updateKey(req: AdminRequest, accountId: string, [accessKeyId]: string[]): Promise<AdminResult> {
  const key = requireKey(req, accountId, accessKeyId!);
  const status = jsonBody(req)["status"];
  if (status !== "active" && status !== "disabled") throw new ApiError("InvalidArgument", `status must be "active" or "disabled".`);
  await req.catalog.putAccessKey({ ...key, status });
  return { status: 200, json: { accessKeyId, status } };
}

async function deleteKey(req: AdminRequest, accountId: string, [accessKeyId]: string[]): Promise<AdminResult> {
  requireKey(req, accountId, accessKeyId!);
  await req.catalog.deleteAccessKey(accessKeyId!);
  return { status: 204 };
}

function listPolicies(req: AdminRequest, accountId: string, [userName]: string[]): AdminResult {
  return { status: 200, json: { policies: requireUser(req, accountId, userName!).policies } };
}

async function attachPolicy(req: AdminRequest, accountId: string, [userName, policyName]: string[]): Promise<AdminResult> {
  requireUser(req, accountId, userName!);
  checkName(policyName, "the policy name", POLICY_NAME);
  const text = req.body.toString("utf8");
  parsePolicy(text, { bucketPolicy: false });
  await req.catalog.putUserPolicy(accountId, userName!, policyName!, text);
  return { status: 200, json: { userName, policyName } };
}

async function detachPolicy(req: AdminRequest, accountId: string, [userName, policyName]: string[]): Promise<AdminResult> {
  requireUser(req, accountId, userName!);
  await req.catalog.deleteUserPolicy(accountId, userName!, policyName!);
  return { status: 204 };
}

function durationOf(value: unknown): number {
  if (value === undefined) return 3600;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 900 || value > 43200) {
    throw new ApiError("InvalidArgument", "durationSeconds must be an integer from 900 to 43200.");
  }
  return value;
}

async function issueTemporaryCredentials(req: AdminRequest, accountId: string): Promise<AdminResult> {
  const body = jsonBody(req);
  // Temporary credentials act as a user or as a role: {"userName": ...} or {"roleName": ...}.
  const isRole = body["roleName"] !== undefined;
  const userName = checkName(isRole ? body["roleName"] : body["userName"], isRole ? "roleName" : "userName", USER_NAME);
  requireUser(req, accountId, userName, isRole ? "role" : "user");
  const policy = body["policy"];
  if (policy !== undefined && typeof policy !== "string") throw new ApiError("InvalidArgument", "policy must be a policy document as a string.");
  if (policy !== undefined) parsePolicy(policy, { bucketPolicy: false });
  await purgeExpired(req, accountId);
  const { accessKeySecret } = newAccessKey();
  const accessKeyId = "STS." + newAccessKey().accessKeyId.slice(4);
  const securityToken = randomBytes(48).toString("base64url");
  const expiration = new Date(req.now() + durationOf(body["durationSeconds"]) * 1000).toISOString();
  await req.catalog.putAccessKey({
    accessKeyId, accessKeySecret: req.secrets.seal(accessKeySecret), accountId, userName, status: "active",
    createdAt: new Date(req.now()).toISOString(), securityToken, expiresAt: expiration,
    ...(policy !== undefined ? { sessionPolicy: policy } : {}),
  });
  return { status: 200, json: { accessKeyId, accessKeySecret, securityToken, expiration } };
}

/** Expired temporary credentials are useless; drop them so the catalog does not grow without end. */
async function purgeExpired(req: AdminRequest, accountId: string): Promise<void> {
  const now = req.now();
  for (const key of req.catalog.listAccessKeys(accountId)) {
    if (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= now) await req.catalog.deleteAccessKey(key.accessKeyId);
  }
}

function requireIndexOf(req: AdminRequest, accountId: string, bucket: string, indexName: string) {
  const index = req.catalog.getIndex(accountId, bucket, indexName);
  if (!index) throw new ApiError("NoSuchVectorIndex", `The vector index "${indexName}" does not exist in bucket ${bucket}.`);
  return index;
}

/** Storage state of an index: live and stored rows per segment, and whether each graph is built. */
function describeIndex(req: AdminRequest, accountId: string, [bucket, indexName]: string[]): AdminResult {
  const index = requireIndexOf(req, accountId, bucket!, indexName!);
  const collection = req.engine.collection(index);
  return { status: 200, json: { count: collection.count(), ...collection.describe() } };
}

/** Compacts an index now (it also happens on its own as deletes accumulate). */
async function compactIndex(req: AdminRequest, accountId: string, [bucket, indexName]: string[]): Promise<AdminResult> {
  const index = requireIndexOf(req, accountId, bucket!, indexName!);
  const collection = req.engine.collection(index);
  await collection.compact();
  return { status: 200, json: { count: collection.count(), ...collection.describe() } };
}

/**
 * A backup of the whole data directory, every account's data in it: so only the root key of the
 * server's first account, the one `ossv serve` sets up for its operator, may take one.
 */
async function createSnapshot(req: AdminRequest, accountId: string): Promise<AdminResult> {
  if (req.catalog.listAccounts()[0]?.accountId !== accountId) {
    throw new ApiError("AccessDenied", "Only the root key of the server's first account may take a snapshot.");
  }
  if (!req.backup) throw new ApiError("MethodNotAllowed", "This server takes no snapshots.");
  const body = jsonBody(req);
  const dest = body["dest"];
  if (typeof dest !== "string" || dest === "") throw new ApiError("InvalidArgument", "dest must be a directory path.");
  const withMasterKey = body["withMasterKey"] ?? true;
  if (typeof withMasterKey !== "boolean") throw new ApiError("InvalidArgument", "withMasterKey must be true or false.");
  return { status: 200, json: await req.backup(dest, withMasterKey) };
}
