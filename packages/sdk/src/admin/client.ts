// AdminClient: ossv's own admin API (`/-/admin/...`: RAM users, access keys, roles, identity policies,
// temporary credentials, index upkeep, snapshots), open to an account's root key only. Requests take
// the same path as VectorsClient's (retry -> clockSkew -> sign -> serviceErrors -> send), so signing,
// retries, timeouts and errors (ServiceError with code, status and request id) are the same; the
// request path is signed as the canonical URI's key part, as the server expects.
import { uriEncode } from "@ossv/protocol";
import { throwIfAborted } from "../abort.ts";
import { clockSkewMiddleware } from "../clock.ts";
import { resolveBaseConfig, type BaseClientConfig, type ResolvedBaseConfig } from "../client-config.ts";
import { resolveEndpoint, type ResolvedEndpoint } from "../endpoint.ts";
import { ParamRequiredError } from "../errors.ts";
import { serviceErrorMiddleware } from "../fetch-handler.ts";
import { MiddlewareStack } from "../middleware-stack.ts";
import { readJsonBody, resultMetadata } from "../operation.ts";
import { retryMiddleware } from "../retry.ts";
import { signMiddleware } from "../sign.ts";
import type { RequestOptions, ResultMetadata } from "../types.ts";
import type { JsonObject } from "../json.ts";
import { buildAdminRequest, type AdminCall } from "./request.ts";
import type * as A from "./types.ts";

export interface AdminClientConfig extends BaseClientConfig {
  /**
   * The ossv server, `http://host:port` (or `host[:port]`, https unless `disableSsl`). Required: the
   * admin API is ossv's own, and no Alibaba Cloud endpoint has it.
   */
  endpoint: string;
}

export interface ResolvedAdminClientConfig extends ResolvedBaseConfig {
  endpoint: ResolvedEndpoint;
}

/** A result of `call()`: the answer's JSON object (empty for 204) with the response's metadata. */
export type AdminCallResult<T extends object = JsonObject> = T & ResultMetadata;

/**
 * Calls that can run for as long as their work takes (merging every segment, copying a data
 * directory) have no per-attempt limit unless the caller gives one.
 */
const UNLIMITED: ReadonlySet<string> = new Set(["AdminCompactIndex", "AdminCreateSnapshot"]);

function part(value: string, name: string, operation: AdminCall["operation"]): string {
  if (typeof value !== "string" || value === "") throw new ParamRequiredError(name, { operation });
  return uriEncode(value);
}

/** Every method is async, so a missing argument is a rejected promise like any other failure. */
export class AdminClient {
  readonly config: ResolvedAdminClientConfig;
  /** Named steps `retry`, `clockSkew`, `sign`, `serviceErrors`, as on VectorsClient. */
  readonly middlewareStack = new MiddlewareStack();

  constructor(config: AdminClientConfig) {
    const base = resolveBaseConfig(config, "admin-client");
    if (!config.endpoint) throw new ParamRequiredError("endpoint");
    this.config = { ...base, endpoint: resolveEndpoint({ region: config.region, endpoint: config.endpoint, disableSsl: config.disableSsl ?? false }) };
    const { clock, credentials, region, additionalHeaders } = this.config;
    this.middlewareStack
      .add(serviceErrorMiddleware(), { name: "serviceErrors" })
      .add(signMiddleware({ region, credentials, clock, additionalHeaders, signPathAsKey: true }), { name: "sign" })
      .add(clockSkewMiddleware(clock), { name: "clockSkew" })
      .add(retryMiddleware(this.config.retry), { name: "retry" });
  }

  /** Milliseconds added to the local clock when signing, learned from RequestTimeTooSkewed answers. */
  get clockOffsetMs(): number {
    return this.config.clock.offsetMs;
  }

  /**
   * Sends one signed request to `/-/admin/{path}` and returns the answer's JSON object with the
   * response metadata. `path` is sent and signed exactly as given, so %-encode each part of it
   * (the methods below do). A string body is sent as it is, an object as JSON. POST requests are
   * retried only after failures that show the server did nothing (see HandlerContext.idempotent).
   */
  async call<T extends object = JsonObject>(method: AdminCall["method"], path: string, body?: JsonObject | string, options?: RequestOptions): Promise<AdminCallResult<T>> {
    return this.#send<AdminCallResult<T>>({ operation: "AdminCall", method, path, ...(body !== undefined ? { body } : {}) }, options);
  }

  async #send<R>(call: AdminCall, options: RequestOptions = {}): Promise<R> {
    throwIfAborted(options.abortSignal, call.operation);
    const request = buildAdminRequest(call, this.config);
    const handler = this.middlewareStack.resolve(this.config.send);
    const response = await handler(request, {
      operation: call.operation, abortSignal: options.abortSignal, attempt: 1, idempotent: call.method !== "POST",
      timeoutMs: options.timeoutMs ?? (UNLIMITED.has(call.operation) ? 0 : this.config.timeoutMs),
    });
    return { ...readJsonBody(response, call.operation), ...resultMetadata(response) } as R;
  }

  // ---- users and their access keys ---------------------------------------------------------------

  /** Creates a RAM user: it may do nothing until a policy allows it. */
  async createUser(userName: string, options?: RequestOptions): Promise<A.CreateUserResult> {
    return this.#send({ operation: "AdminCreateUser", method: "POST", path: "users", body: { userName } }, options);
  }

  /** The account's users (not its roles), each with the names of its policies. */
  async listUsers(options?: RequestOptions): Promise<A.ListUsersResult> {
    return this.#send({ operation: "AdminListUsers", method: "GET", path: "users" }, options);
  }

  /** Deletes a user with its access keys and policies. */
  async deleteUser(userName: string, options?: RequestOptions): Promise<ResultMetadata> {
    const path = `users/${part(userName, "userName", "AdminDeleteUser")}`;
    return this.#send({ operation: "AdminDeleteUser", method: "DELETE", path }, options);
  }

  /** A new access key of a user (at most two each); the secret is returned only here. */
  async createKey(userName: string, options?: RequestOptions): Promise<A.CreateAccessKeyResult> {
    const path = `users/${part(userName, "userName", "AdminCreateAccessKey")}/keys`;
    return this.#send({ operation: "AdminCreateAccessKey", method: "POST", path }, options);
  }

  /** A user's access keys, without their secrets. */
  async listKeys(userName: string, options?: RequestOptions): Promise<A.ListAccessKeysResult> {
    const path = `users/${part(userName, "userName", "AdminListAccessKeys")}/keys`;
    return this.#send({ operation: "AdminListAccessKeys", method: "GET", path }, options);
  }

  /** Disables or re-enables an access key (the key signing the request cannot change itself). */
  async setKeyStatus(accessKeyId: string, status: A.AccessKeyStatus, options?: RequestOptions): Promise<A.UpdateAccessKeyResult> {
    const path = `keys/${part(accessKeyId, "accessKeyId", "AdminUpdateAccessKey")}`;
    return this.#send({ operation: "AdminUpdateAccessKey", method: "PUT", path, body: { status } }, options);
  }

  async deleteKey(accessKeyId: string, options?: RequestOptions): Promise<ResultMetadata> {
    const path = `keys/${part(accessKeyId, "accessKeyId", "AdminDeleteAccessKey")}`;
    return this.#send({ operation: "AdminDeleteAccessKey", method: "DELETE", path }, options);
  }

  // ---- identity policies (of users, and of roles with the Role methods) --------------------------

  /** Attaches (or replaces) the identity policy `policyName`; `document` is sent as it is. */
  async attachPolicy(userName: string, policyName: string, document: string, options?: RequestOptions): Promise<A.AttachPolicyResult> {
    return this.#policy("AdminAttachPolicy", "users", userName, policyName, document, options);
  }

  async detachPolicy(userName: string, policyName: string, options?: RequestOptions): Promise<ResultMetadata> {
    return this.#policy("AdminDetachPolicy", "users", userName, policyName, undefined, options);
  }

  /** The policies of a user or a role (one namespace of names), with their documents. */
  async listPolicies(name: string, options?: RequestOptions): Promise<A.ListPoliciesResult> {
    const path = `users/${part(name, "userName", "AdminListPolicies")}/policies`;
    return this.#send({ operation: "AdminListPolicies", method: "GET", path }, options);
  }

  async #policy<R>(operation: "AdminAttachPolicy" | "AdminDetachPolicy", owner: "users" | "roles", name: string, policyName: string,
    document: string | undefined, options: RequestOptions | undefined): Promise<R> {
    const path = `${owner}/${part(name, owner === "users" ? "userName" : "roleName", operation)}/policies/${part(policyName, "policyName", operation)}`;
    if (operation === "AdminDetachPolicy") return this.#send({ operation, method: "DELETE", path }, options);
    if (typeof document !== "string") throw new ParamRequiredError("document", { operation });
    return this.#send({ operation, method: "PUT", path, body: document }, options);
  }

  // ---- roles: policies, but only temporary credentials -------------------------------------------

  async createRole(roleName: string, options?: RequestOptions): Promise<A.CreateRoleResult> {
    return this.#send({ operation: "AdminCreateRole", method: "POST", path: "roles", body: { roleName } }, options);
  }

  async listRoles(options?: RequestOptions): Promise<A.ListRolesResult> {
    return this.#send({ operation: "AdminListRoles", method: "GET", path: "roles" }, options);
  }

  async deleteRole(roleName: string, options?: RequestOptions): Promise<ResultMetadata> {
    const path = `roles/${part(roleName, "roleName", "AdminDeleteRole")}`;
    return this.#send({ operation: "AdminDeleteRole", method: "DELETE", path }, options);
  }

  async attachRolePolicy(roleName: string, policyName: string, document: string, options?: RequestOptions): Promise<A.AttachPolicyResult> {
    return this.#policy("AdminAttachPolicy", "roles", roleName, policyName, document, options);
  }

  async detachRolePolicy(roleName: string, policyName: string, options?: RequestOptions): Promise<ResultMetadata> {
    return this.#policy("AdminDetachPolicy", "roles", roleName, policyName, undefined, options);
  }

  // ---- temporary credentials ---------------------------------------------------------------------

  /** Temporary credentials of a user, or of a role with `{ role: true }`. */
  async issueTemporaryCredentials(name: string, options: A.IssueTemporaryCredentialsOptions = {}): Promise<A.TemporaryCredentialsResult> {
    const { role, policy, durationSeconds, abortSignal, timeoutMs } = options;
    const body: JsonObject = { [role ? "roleName" : "userName"]: name, policy, durationSeconds };
    return this.#send({ operation: "AdminIssueTemporaryCredentials", method: "POST", path: "sts", body }, { abortSignal, timeoutMs });
  }

  // ---- upkeep --------------------------------------------------------------------------------------

  /** Rows, segments, graph state and background work of an index. */
  async describeIndex(bucket: string, indexName: string, options?: RequestOptions): Promise<A.DescribeIndexResult> {
    return this.#send({ operation: "AdminDescribeIndex", method: "GET", path: this.#indexPath("AdminDescribeIndex", bucket, indexName) }, options);
  }

  /** Merges the index's segments and drops deleted rows now; answers with its state afterwards. No time limit by default. */
  async compactIndex(bucket: string, indexName: string, options?: RequestOptions): Promise<A.DescribeIndexResult> {
    const path = `${this.#indexPath("AdminCompactIndex", bucket, indexName)}/compact`;
    return this.#send({ operation: "AdminCompactIndex", method: "POST", path }, options);
  }

  #indexPath(operation: AdminCall["operation"], bucket: string, indexName: string): string {
    return `buckets/${part(bucket, "bucket", operation)}/indexes/${part(indexName, "indexName", operation)}`;
  }

  /**
   * A consistent copy of the server's whole data directory in `dest`, a new or empty directory on the
   * server's machine (only the root key of the server's first account may ask). No time limit by default.
   */
  async createSnapshot(dest: string, options: A.CreateSnapshotOptions = {}): Promise<A.CreateSnapshotResult> {
    const { withMasterKey = true, abortSignal, timeoutMs } = options;
    if (!dest) throw new ParamRequiredError("dest", { operation: "AdminCreateSnapshot" });
    return this.#send({ operation: "AdminCreateSnapshot", method: "POST", path: "snapshots", body: { dest, withMasterKey } }, { abortSignal, timeoutMs });
  }
}
